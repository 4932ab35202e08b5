"""Labels of the import kinds (``opendata.registry``: the KIND of ``import_open_data KIND``),
registered in ``core.labels`` as ``import_kind``: the Imports pages and the runs' « Sources : … »
show them; the code stays what the command line and the page's filter take."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import register_labels

IMPORT_KINDS = {
    "regions": _("Régions (COG)"),
    "departments": _("Départements (COG)"),
    "communes": _("Communes (COG, contours)"),
    "communes-fill": _("Contours de communes manquants"),
    "population": _("Populations légales (INSEE)"),
    "population-age": _("Population par âge et sexe (INSEE)"),
    "zoning": _("Zonage"),
    "finess-ej": _("FINESS, entités juridiques"),
    "finess": _("FINESS, établissements"),
    "gisco-hospitals": _("Hôpitaux GISCO"),
    "authorisations": _("Autorisations (fichier ARS)"),
    "finess-authorisations": _("Autorisations FINESS"),
    "finess-plus-activites": _("Activités FINESS+"),
    "annuaire-sante": _("Annuaire Santé"),
    "drees-apl": _("APL de la DREES"),
    "pmsi-codes-geo": _("Codes géographiques PMSI (ATIH)"),
    "patient-flows": _("Flux de patients (PMSI)"),
    "mcs": _("Médecins correspondants du SAMU"),
    "helismur": _("Bases héliSMUR"),
}


def register() -> None:
    register_labels("import_kind", IMPORT_KINDS)
