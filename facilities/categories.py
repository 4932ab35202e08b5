"""FINESS catégorie (code and label) → ``Facility.Kind``, and the public/private rule.

The FINESS nomenclature names ~300 catégories; planners reason with the nine kinds of
``Facility.Kind``. The label is the truth (README §6: some codes are only recalled from memory,
the Eurostat/GISCO file carries labels without codes), so a catégorie is resolved by its label
first, then by its code, and falls back to ``autre``.

Decisions that are not obvious, and why:

- ``Centre Hospitalier Régional (C.H.R.)`` → CHU: in FINESS every CHU site is a CHR site.
- ``Centre hospitalier, ex Hôpital local`` → CH: since the 2009 HPST law the former local
  hospitals are centres hospitaliers in law; they serve the proximity level.
- ``Hôpital des armées`` → CH: a general hospital open to civilians.
- Private short-stay establishments (``Etablissement de Soins Pluridisciplinaire``,
  ``… Chirurgicaux``, ``… Médicaux``, ``… Obstétriques Chirurgico-Gynécologiques``) → clinique.
- ``Centre de Lutte Contre Cancer`` → clinique: a private (non-profit) short-stay
  establishment; the cancer activity itself is carried by authorisations, not by the kind.
- ``Etablissement de Soins Longue Durée`` (USLD) → autre: long-term *sanitary* care, neither
  SSR nor the medico-social EHPAD, and the model has no USLD kind. Counting USLD as EHPAD would
  inflate the medico-social offer.
- Psychiatric catégories (CHS, CMP, CATTP, maison de santé pour maladies mentales, post-cure)
  → psychiatrie.
- EHPAD (500) and EHPA financed by the health insurance (501) → ehpad; other EHPA → autre.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from .models import Facility

Kind = Facility.Kind
Sector = Facility.Sector


def normalise_label(label: str) -> str:
    """Case-, accent-, apostrophe- and spacing-insensitive form of a label, for lookups."""
    decomposed = unicodedata.normalize("NFKD", label.replace("\u2019", "'"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


#: Every label of the two Eurostat/GISCO files (AURA and 06), plus the FINESS labels of the kinds
#: the planner needs. Keys are written as in FINESS and normalised on load.
_KIND_BY_LABEL: dict[str, str] = {
    # The ten distinct ``facility_type`` values of the GISCO files.
    "Centre Hospitalier Régional (C.H.R.)": Kind.CHU,
    "Centre Hospitalier (C.H.)": Kind.CH,
    "Centre hospitalier, ex Hôpital local": Kind.CH,
    "Centre Hospitalier Spécialisé lutte Maladies Mentales": Kind.PSYCHIATRY,
    "Etablissement de Soins Pluridisciplinaire": Kind.CLINIC,
    "Etablissement de Soins Chirurgicaux": Kind.CLINIC,
    "Etablissement de Soins Médicaux": Kind.CLINIC,
    "Etablissement Soins Obstétriques Chirurgico-Gynécologiques": Kind.CLINIC,
    "Centre de Lutte Contre Cancer": Kind.CLINIC,
    "Etablissement de santé privé autorisé en SSR": Kind.SSR,
    "Etablissement de Soins Longue Durée": Kind.OTHER,
    # Other FINESS labels (variants seen in extracts included).
    "Centre Hospitalier Universitaire (C.H.U.)": Kind.CHU,
    "Centre Hospitalier": Kind.CH,
    "Hôpital des armées": Kind.CH,
    "Centre de Lutte Contre le Cancer (C.L.C.C.)": Kind.CLINIC,
    "Etablissement de Soins Longue Durée (USLD)": Kind.OTHER,
    "Centre Médico-Psychologique (C.M.P.)": Kind.PSYCHIATRY,
    "Centre d'Accueil Thérapeutique à temps partiel (C.A.T.T.P.)": Kind.PSYCHIATRY,
    "Maison de Santé pour Maladies Mentales": Kind.PSYCHIATRY,
    "Centre Postcure Malades Mentaux": Kind.PSYCHIATRY,
    "Maison de santé (L.6223-3)": Kind.MSP,
    "Maison de santé pluriprofessionnelle": Kind.MSP,
    "Centre de Santé": Kind.HEALTH_CENTRE,
    "Etablissement d'hébergement pour personnes âgées dépendantes": Kind.EHPAD,
    "Etablissement d'hébergement pour personnes âgées dépendantes (EHPAD)": Kind.EHPAD,
    "EHPAD": Kind.EHPAD,
    "EHPA percevant des crédits d'assurance maladie": Kind.EHPAD,
}

KIND_BY_LABEL: dict[str, str] = {normalise_label(k): v for k, v in _KIND_BY_LABEL.items()}

#: FINESS catégorie codes, used when the label is empty or unknown. Only codes confirmed by the
#: README (101, 355, 500) or by several independent public nomenclature copies are listed.
KIND_BY_CODE: dict[str, str] = {
    "101": Kind.CHU,
    "355": Kind.CH,
    "106": Kind.CH,
    "114": Kind.CH,
    "292": Kind.PSYCHIATRY,
    "156": Kind.PSYCHIATRY,
    "161": Kind.PSYCHIATRY,
    "425": Kind.PSYCHIATRY,
    "430": Kind.PSYCHIATRY,
    "365": Kind.CLINIC,
    "128": Kind.CLINIC,
    "129": Kind.CLINIC,
    "131": Kind.CLINIC,
    "109": Kind.SSR,
    "362": Kind.OTHER,
    "603": Kind.MSP,
    "124": Kind.HEALTH_CENTRE,
    "500": Kind.EHPAD,
    "501": Kind.EHPAD,
}


@cache  # a national extract repeats a few hundred catégories 100,000 times
def kind_for(code: str = "", label: str = "") -> str:
    """The ``Facility.Kind`` of a FINESS catégorie: by label, else by code, else ``autre``."""
    by_label = KIND_BY_LABEL.get(normalise_label(label)) if label else None
    if by_label is not None:
        return by_label
    return KIND_BY_CODE.get(code.strip(), Kind.OTHER)


#: Catégories whose establishments are public by law, whatever ``codesph`` says.
PUBLIC_CATEGORY_CODES = frozenset({"101", "355", "106", "114"})
#: Catégories whose establishments are private by definition.
PRIVATE_CATEGORY_CODES = frozenset({"109"})


def sector_for(codesph: str, category_code: str) -> str:
    """Public/private sector of a FINESS ET.

    ``codesph`` (participation in the public hospital service) decides when it is informative:
    ``1`` établissement public de santé → public; ``2``–``7`` (PSPH, ESPIC, private non-profit
    or for-profit) → private, as they are private-law bodies (note: Eurostat/GISCO counted the
    former PSPH ``2``–``4`` as public). ``0`` (non concerné), ``9`` (indéterminé) or empty fall
    back to the catégorie: CHR, CH, ex-hôpital local and military hospitals are public; private
    SSR establishments are private; anything else is unknown.
    """
    code = codesph.strip()
    if code == "1":
        return Sector.PUBLIC
    if code in {"2", "3", "4", "5", "6", "7"}:
        return Sector.PRIVATE
    if category_code in PUBLIC_CATEGORY_CODES:
        return Sector.PUBLIC
    if category_code in PRIVATE_CATEGORY_CODES:
        return Sector.PRIVATE
    return Sector.UNKNOWN
