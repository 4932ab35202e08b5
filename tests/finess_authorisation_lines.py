"""Lines of the FINESS authorisations extract, written from the field tables of
``facilities.finess_authorisations`` (the layout that ``docs/finess-authorisations.md`` quotes
and ``tests/test_import_finess_authorisations.py`` checks against the docs): every field of a
line is named, so a test states only what it is about."""

from __future__ import annotations

from pathlib import Path

from facilities.finess_authorisations import ACTIVITY_FIELDS, EQUIPMENT_FIELDS

#: A plausible value for each documented field; a test overrides what it is about.
ACTIVITY_DEFAULTS = {
    "activiteoffresoin": "activiteoffresoin",
    "nofinessej": "010780054",
    "rsej": "CH DE BOURG EN BRESSE",
    "activite": "14",
    "libactivite": "Médecine d'urgence",
    "modalite": "23",
    "libmodalite": "SU Structure des urgences",
    "forme": "00",
    "libforme": "Pas de forme",
    "noautor": "842200001",
    "dateautor": "2019-06-01",
    "nofinesset": "010000024",
    "rset": "CH DE FLEYRIAT",
    "noligautor": "1",
    "noligautoranc": "",
    "noautorarhgos": "84-82-00001",
    "noimplarhgos": "84-82-I00001",
    "noancautact": "",
    "noancauteml": "",
    "sectpsy": "",
    "libsectpsy": "",
    "datemeo": "2019-07-01",
    "datefin": "",
    "datelimite": "",
    "indcaduc": "N",
    "daterenouv": "",
    "indrenouv": "N",
    "indsupact": "N",
    "indsupsite": "N",
    "datemajact": "2025-01-10",
    "datemajsite": "2025-01-10",
}
EQUIPMENT_DEFAULTS = {
    "equipementmateriellourd": "equipementmateriellourd",
    "nofinessej": "010780054",
    "rsej": "CH DE BOURG EN BRESSE",
    "eml": "06201",
    "libeml": "Appareil d'IRM à utilisation clinique",
    "libcourteml": "IRM",
    "noautor": "842200900",
    "noautorarhgos": "84-82-00900",
    "noimplarhgos": "84-82-I00900",
    "dateautor": "2015-03-02",
    "nofinesset": "010000024",
    "numserie": "SN-1",
    "marque": "SIEMENS",
    "rset": "CH DE FLEYRIAT",
    "datelimite": "",
    "indcaduc": "N",
    "indnatlien": "J",
    "datemeo": "2015-09-01",
    "datefin": "",
    "indrempl": "N",
    "noautorremplacement": "",
    "indsup": "N",
    "datemaj": "2025-01-10",
}
assert list(ACTIVITY_DEFAULTS) == ACTIVITY_FIELDS
assert list(EQUIPMENT_DEFAULTS) == EQUIPMENT_FIELDS


def activity_line(**fields: str) -> str:
    """An ``activiteoffresoin`` line, from the defaults and ``fields`` (by documented name)."""
    return ";".join({**ACTIVITY_DEFAULTS, **fields}[name] for name in ACTIVITY_FIELDS)


def equipment_line(**fields: str) -> str:
    """An ``equipementmateriellourd`` line, likewise."""
    return ";".join({**EQUIPMENT_DEFAULTS, **fields}[name] for name in EQUIPMENT_FIELDS)


def manifest(date: str = "2026-05-12", number: int = 111) -> str:
    return f"finess;etalab;{number};{date}"


def write_extract(path: Path, *lines: str, date: str = "2026-05-12", encoding="latin-1") -> Path:
    """The extract as FINESS publishes it: manifest first, latin-1, ``;``, no header."""
    path.write_bytes(("\n".join([manifest(date), *lines]) + "\n").encode(encoding))
    return path
