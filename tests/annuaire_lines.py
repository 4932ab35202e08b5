"""Lines of the Annuaire Santé extraction ``PS_LibreAcces_Personne_activite``, written from
the field table of ``facilities.annuaire`` (the one ``docs/annuaire-sante.md`` quotes and
``tests/test_import_annuaire.py`` checks against the docs): every field of a line is named, so
a test states only what it is about."""

from __future__ import annotations

from pathlib import Path

from facilities.annuaire import FIELDS

#: A plausible value for each documented field (a GP in a cabinet individuel of 01001, made
#: up); a test overrides what it is about.
DEFAULTS = {
    "Type d'identifiant PP": "8",
    "Identifiant PP": "10000000001",
    "Identification nationale PP": "810000000001",
    "Code civilité d'exercice": "DR",
    "Libellé civilité d'exercice": "Docteur",
    "Code civilité": "M",
    "Libellé civilité": "Monsieur",
    "Nom d'exercice": "MARTIN",
    "Prénom d'exercice": "PAUL",
    "Code profession": "10",
    "Libellé profession": "Médecin",
    "Code catégorie professionnelle": "C",
    "Libellé catégorie professionnelle": "Civil",
    "Code type savoir-faire": "S",
    "Libellé type savoir-faire": "Spécialité ordinale",
    "Code savoir-faire": "SM54",
    "Libellé savoir-faire": "Médecine Générale",
    "Code mode exercice": "L",
    "Libellé mode exercice": "Libéral",
    "Numéro SIRET site": "",
    "Numéro SIREN site": "",
    "Numéro FINESS site": "",
    "Numéro FINESS établissement juridique": "",
    "Identifiant technique de la structure": "R10000000000001",
    "Raison sociale site": "CABINET DU DR MARTIN",
    "Enseigne commerciale site": "",
    "Complément destinataire (coord. structure)": "",
    "Complément point géographique (coord. structure)": "",
    "Numéro Voie (coord. structure)": "12",
    "Indice répétition voie (coord. structure)": "",
    "Code type de voie (coord. structure)": "R",
    "Libellé type de voie (coord. structure)": "Rue",
    "Libellé Voie (coord. structure)": "DE LA MAIRIE",
    "Mention distribution (coord. structure)": "",
    "Bureau cedex (coord. structure)": "01400 L ABERGEMENT CLEMENCIAT",
    "Code postal (coord. structure)": "01400",
    "Code commune (coord. structure)": "01001",
    "Libellé commune (coord. structure)": "L'Abergement-Clémenciat",
    "Code pays (coord. structure)": "",
    "Libellé pays (coord. structure)": "",
    "Téléphone (coord. structure)": "",
    "Téléphone 2 (coord. structure)": "",
    "Télécopie (coord. structure)": "",
    "Adresse e-mail (coord. structure)": "",
    "Code Département (structure)": "",
    "Libellé Département (structure)": "",
    "Ancien identifiant de la structure": "",
    "Autorité d'enregistrement": "CNOM/CNOM/CNOM",
    "Code secteur d'activité": "SA07",
    "Libellé secteur d'activité": "Cabinet individuel",
    "Code section tableau pharmaciens": "",
    "Libellé section tableau pharmaciens": "",
}
assert list(DEFAULTS) == FIELDS

#: The extraction's header line, trailing ``|`` included.
HEADER = "|".join(FIELDS) + "|"
FILE_NAME = "PS_LibreAcces_Personne_activite_202605120930.txt"


def line(extra: dict[str, str] | None = None, /, **fields: str) -> str:
    """A line (trailing ``|`` included) from the defaults, changed by ``fields`` (the short
    names of ``SHORT``) and ``extra`` (documented names: ``{"Code pays (coord. structure)":
    "99132"}``)."""
    values = dict(DEFAULTS)
    for short, value in fields.items():
        values[SHORT[short]] = value
    values.update(extra or {})
    return "|".join(values[name] for name in FIELDS) + "|"


#: Short names for the fields tests change most.
SHORT = {
    "id": "Identifiant PP",
    "national_id": "Identification nationale PP",
    "id_type": "Type d'identifiant PP",
    "profession": "Code profession",
    "profession_label": "Libellé profession",
    "savoir_faire": "Code savoir-faire",
    "savoir_faire_label": "Libellé savoir-faire",
    "savoir_faire_type": "Code type savoir-faire",
    "mode": "Code mode exercice",
    "structure": "Identifiant technique de la structure",
    "siret": "Numéro SIRET site",
    "finess": "Numéro FINESS site",
    "name": "Raison sociale site",
    "commune": "Code commune (coord. structure)",
    "postcode": "Code postal (coord. structure)",
    "country": "Code pays (coord. structure)",
}


def extraction(*lines: str, header: str = HEADER, end: str = "\n") -> bytes:
    return (end.join([header, *lines]) + end).encode("utf-8")


def write_extraction(folder: Path, *lines: str, name: str = FILE_NAME, **options) -> Path:
    path = folder / name
    path.write_bytes(extraction(*lines, **options))
    return path
