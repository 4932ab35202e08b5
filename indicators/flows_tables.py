"""Reading the tables of the PMSI files (correspondence and flows): CSV or ``.xlsx``, the
header found among the first lines under any of its published spellings.

Column names are compared folded (lower case, no accents, spaces/underscores/apostrophes
removed), because the ATIH and ScanSanté spell the same column several ways across years and
exports ("Code géographique", "code_geo", "CODGEO"…). See docs/patient-flows.md.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

from core.import_checks import csv_records
from core.importing import ImportFailed, decode_utf8

#: Lines searched for the header (the ATIH's workbooks put a title and notes above it).
HEADER_SEARCH = 30
YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

#: (line, cells) of each row of a table, lines counted from 1.
Rows = list[tuple[int, list]]


def fold(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_'’.°-]+", "", text.lower())


def read_rows(path: Path, raw: bytes) -> tuple[str, Rows]:
    """(sheet name or "" for a CSV, rows) of the file's first sheet."""
    if raw[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # a damaged workbook: openpyxl raises many kinds
            raise ImportFailed(path, f"not a readable Excel workbook ({exc})") from exc
        sheet = book[book.sheetnames[0]]
        rows = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), 1)]
        return sheet.title, rows
    text = decode_utf8(path, raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return "", list(csv_records(path, text, delimiter=delimiter))


def where(sheet: str, line: int) -> str:
    return f"sheet {sheet}, line {line}" if sheet else f"line {line}"


def find_header(
    path: Path, sheet: str, rows: Rows, columns: dict[str, tuple[str, ...]], required: set[str]
) -> tuple[int, dict[str, int]]:
    """(index in ``rows`` of the header, {column key: cell index}) of the first line that has
    every required column under one of its spellings."""
    wanted = {key: {fold(name) for name in names} for key, names in columns.items()}
    for index, (_line, row) in enumerate(rows[:HEADER_SEARCH]):
        folded = [fold(cell) for cell in row]
        found = {}
        for key, names in wanted.items():
            at = next((i for i, cell in enumerate(folded) if cell in names), None)
            if at is not None:
                found[key] = at
        if required <= found.keys():
            return index, found
    names = "; ".join(f"{key}: {' or '.join(columns[key][:3])}" for key in sorted(required))
    raise ImportFailed(
        path,
        f"no header line with the columns {names} in the first {HEADER_SEARCH} lines",
        where=where(sheet, 1),
    )


def check_width(path: Path, sheet: str, row: list, header: list, at: str) -> None:
    """A CSV row cut short is refused (an xlsx row always has the sheet's width): a missing
    stays cell must never be read as a masked one."""
    if not sheet and len(row) < len(header):
        raise ImportFailed(
            path, f"{len(row)} field(s) where the header has {len(header)}", where=at
        )


def cell_text(row: list, at: int | None) -> str:
    if at is None or at >= len(row) or row[at] is None:
        return ""
    value = row[at]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def year_of(path: Path, text: str, at: str) -> int:
    """The year of a row's ``année`` cell, or else the one year in the file name."""
    if text:
        if not re.fullmatch(r"(19|20)\d\d", text):
            raise ImportFailed(path, f"year {text!r} is not a year", where=at)
        return int(text)
    years = YEAR_IN_NAME.findall(path.stem)
    if len(years) != 1:
        raise ImportFailed(
            path, "no year: neither an « année » column nor one year in the file name", where=at
        )
    return int(years[0])
