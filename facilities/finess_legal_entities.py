"""Reader of the official FINESS extract ``etalab-cs1100501`` (entités juridiques).

The layout is the publisher's (``docs/finess-legal-entities.md`` quotes its field table, from
the XSD of ``etalab_cs1100501.pdf`` as transcribed in ``GuillaumePressiat/finess_etalab``,
commit ``027eb9c``, 2018; cross-checked on the 2026-01-07 stock's 23 columns): no header;
line 1 is the manifest ``finess;etalab;<n>;<YYYY-MM-DD>``; then one ``structureej`` line per
legal entity, 23 ``;``-separated fields. Latin-1 or UTF-8, detected as for ``cs1100507``.

This module only reads and checks the file; ``facilities.importers.import_finess_legal_entities``
writes. A line that breaks the table (a field count, a FINESS number, a code of the wrong
pattern, a date that is not one) refuses the whole file, naming the line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from core.import_checks import csv_records
from core.importing import ImportFailed

from .finess import FINESS_NUMBER, read_manifest, read_text

#: The ``structureej`` fields, in the order of the publisher's XSD (the tag is field 0).
LEGAL_ENTITY_FIELDS = [
    "structureej",
    "nofiness",
    "rs",
    "rslongue",
    "complrs",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "compldistrib",
    "lieuditbp",
    "commune",
    "ligneacheminement",
    "departement",
    "libdepartement",
    "telephone",
    "statutjuridique",
    "libstatutjuridique",
    "categetab",
    "libcategetab",
    "siren",
    "codeape",
    "datecrea",
]
TAG = LEGAL_ENTITY_FIELDS[0]

#: Fields with a pattern in the XSD that the import relies on: (field, pattern, required).
PATTERNS = [
    ("departement", re.compile(r"[0-9][0-9A-Z]"), True),
    ("commune", re.compile(r"[0-9]{3}"), True),
    ("statutjuridique", re.compile(r"[0-9]{2}"), True),
    ("categetab", re.compile(r"[0-9]{3}"), False),
    ("siren", re.compile(r"[0-9]{9}"), False),
]
#: The XSD's default for an unknown ``datecrea``: read as no date.
NO_DATE = dt.date(1900, 1, 1)


@dataclass
class LegalEntityRecord:
    line: int
    fields: dict[str, str]
    created_on: dt.date | None

    def __getitem__(self, name: str) -> str:
        return self.fields[name]


@dataclass
class LegalEntityExtract:
    extraction_date: dt.date
    records: list[LegalEntityRecord]


def read_legal_entities(path: Path | str) -> LegalEntityExtract:
    """Parse and check the whole file; raise ``ImportFailed`` naming the first bad line."""
    text = read_text(path)
    _, extraction_date = read_manifest(path, text, "FINESS cs1100501 extract")
    records: list[LegalEntityRecord] = []
    seen: dict[str, int] = {}
    lines = csv_records(path, text, delimiter=";")
    next(lines)
    for line, fields in lines:
        if fields[0] != TAG:
            raise ImportFailed(
                path,
                f"unknown record type {fields[0][:40]!r} (expected {TAG})",
                where=f"line {line}",
            )
        record = _record(path, line, fields)
        number = record["nofiness"]
        if number in seen:
            raise ImportFailed(
                path,
                f"duplicate FINESS EJ {number} (first on line {seen[number]})",
                where=f"line {line}",
            )
        seen[number] = line
        records.append(record)
    if not records:
        raise ImportFailed(path, f"no {TAG} line: the extract is empty")
    return LegalEntityExtract(extraction_date, records)


def _record(path: Path | str, line: int, fields: list[str]) -> LegalEntityRecord:
    where = f"line {line}"
    if len(fields) != len(LEGAL_ENTITY_FIELDS):
        raise ImportFailed(
            path,
            f"{TAG} line with {len(fields)} fields, expected {len(LEGAL_ENTITY_FIELDS)}",
            where=where,
        )
    record = dict(zip(LEGAL_ENTITY_FIELDS, (value.strip() for value in fields), strict=True))
    if not FINESS_NUMBER.match(record["nofiness"]):
        raise ImportFailed(path, f"invalid nofiness {record['nofiness']!r}", where=where)
    for name, pattern, required in PATTERNS:
        value = record[name]
        if (value or required) and not pattern.fullmatch(value):
            raise ImportFailed(path, f"invalid {name} {value!r}", where=where)
    if not (record["rs"] or record["rslongue"]):
        raise ImportFailed(path, "the legal entity has no name (rs)", where=where)
    created_on = None
    if record["datecrea"]:
        try:
            created_on = dt.date.fromisoformat(record["datecrea"])
        except ValueError as exc:
            raise ImportFailed(
                path, f"datecrea {record['datecrea']!r} is not a date (YYYY-MM-DD)", where=where
            ) from exc
    return LegalEntityRecord(line, record, None if created_on == NO_DATE else created_on)
