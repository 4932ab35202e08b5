"""Labels of the schema's codes, registered in ``core.labels`` (see its docstring).

- ``transition``: a version's workflow transitions (``workflow.TRANSITIONS``) and the
  ``create`` that ``workflow.version_new_draft`` logs.
- ``version_state``: the states of a version (``SchemaVersion.State``).
- ``objective_field``: the fields an objective's diff compares (``diff.COMPARED_FIELDS``),
  by the model's own ``verbose_name``.
- ``compliance_method``: how ``compliance`` counted an objective's implantations
  (``BY_AUTHORISATION``, ``BY_KIND``, ``NO_DATA``), said in the schema's PDF document.
- ``scenario_site``: the sites a scenario opens are numbered ``new-1``, ``new-2``… by
  ``scenarios.py``; shown « nouveau site 1 »; a FINESS number is shown as it is.
- ``solver``: who answered a suggestion (``indicators.engine.location``: HiGHS or the greedy).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.labels import register_labeller, register_labels

NEW_SITE = re.compile(r"^new-(\d+)$")


def new_site_label(code: str) -> str | None:
    match = NEW_SITE.match(code)
    return _("nouveau site %s") % match.group(1) if match else None


def register() -> None:
    from . import compliance, diff, workflow
    from .models import Objective, SchemaVersion

    transitions = {name: label for name, (label, _states) in workflow.TRANSITIONS.items()}
    register_labels("transition", {"create": gettext_lazy("Création"), **transitions})
    register_labels("version_state", dict(SchemaVersion.State.choices))
    register_labels(
        "solver",
        {
            "highs": gettext_lazy("HiGHS (programmation linéaire en nombres entiers)"),
            "greedy": gettext_lazy("l'algorithme glouton"),
        },
    )
    register_labels(
        "objective_field",
        {name: Objective._meta.get_field(name).verbose_name for name in diff.COMPARED_FIELDS},
    )
    register_labels(
        "compliance_method",
        {
            compliance.BY_AUTHORISATION: gettext_lazy(
                "sites titulaires d'une autorisation en vigueur"
            ),
            compliance.BY_KIND: gettext_lazy(
                "établissements du type correspondant (approximation : aucune autorisation chargée)"
            ),
            compliance.NO_DATA: gettext_lazy(
                "non mesurable : les données chargées ne portent pas cette activité"
            ),
        },
    )
    register_labeller("scenario_site", new_site_label)
