"""Lines of the FINESS legal entities extract ``etalab-cs1100501``, written from the field table
of ``facilities.finess_legal_entities`` (the layout ``docs/finess-legal-entities.md`` quotes and
``tests/test_import_finess_legal_entities.py`` checks against the docs): every field of a line
is named, so a test states only what it is about.

The defaults are the real values the docs record for ``010008407`` (CH du Haut Bugey, from a
test of the FINESS flux ``cs1400101``): a line built "from the field table", not a verbatim
line of the extract."""

from __future__ import annotations

from pathlib import Path

from facilities.finess_legal_entities import LEGAL_ENTITY_FIELDS

#: A plausible value for each documented field; a test overrides what it is about.
DEFAULTS = {
    "structureej": "structureej",
    "nofiness": "010008407",
    "rs": "CH DU HAUT BUGEY",
    "rslongue": "CENTRE HOSPITALIER DU HAUT BUGEY",
    "complrs": "",
    "numvoie": "1",
    "typvoie": "RTE",
    "voie": "DE VEYZIAT",
    "compvoie": "",
    "compldistrib": "",
    "lieuditbp": "BP 139",
    "commune": "283",
    "ligneacheminement": "01117 OYONNAX CEDEX",
    "departement": "01",
    "libdepartement": "AIN",
    "telephone": "0474731001",
    "statutjuridique": "14",
    "libstatutjuridique": "Etablissement Public Intercommunal d'Hospitalisation",
    "categetab": "355",
    "libcategetab": "Centre Hospitalier (C.H.)",
    "siren": "260110218",
    "codeape": "8730A",
    "datecrea": "2001-01-01",
}
assert list(DEFAULTS) == LEGAL_ENTITY_FIELDS


def legal_entity_line(**fields: str) -> str:
    """A ``structureej`` line, from the defaults and ``fields`` (by documented name)."""
    return ";".join({**DEFAULTS, **fields}[name] for name in LEGAL_ENTITY_FIELDS)


def manifest(date: str = "2026-05-12", number: int = 1) -> str:
    return f"finess;etalab;{number};{date}"


def write_extract(path: Path, *lines: str, date: str = "2026-05-12", encoding="latin-1") -> Path:
    """The extract as FINESS publishes it: manifest first, latin-1, ``;``, no header."""
    path.write_bytes(("\n".join([manifest(date, len(lines)), *lines]) + "\n").encode(encoding))
    return path
