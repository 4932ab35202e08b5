"""The APL to general practitioners published by the DREES, per commune and year.

Source: DREES open data « L'accessibilité potentielle localisée (APL) »
(https://data.drees.solidarites-sante.gouv.fr/explore/dataset/530_l-accessibilite-potentielle-localisee-apl/information),
file « Indicateur d'accessibilité potentielle localisée (APL) aux médecins généralistes.xlsx».
Layout as read in public code that reads it (the DREES's own notice was not in the stored
corpus; docs/indicators.md): one sheet per year named ``APL_<year>``, a few lines of title and
notes above the header (8 in the 2019 edition), then the columns ``Code commune INSEE``,
``Commune``, ``APL aux médecins généralistes`` (``… (sans borne d'âge)`` in the 2015–2019
per-year files ``APL_mg_<year>.xlsx``, whose code column is ``Code commune``),
``APL aux médecins généralistes de moins de 65 ans``, ``APL aux médecins généralistes de moins
de 62 ans`` and ``Population standardisée par la consommation de soins par tranche d'âge``.

Read here: every ``APL_<year>`` sheet (or, for a one-year file, its first sheet with the year
taken from the file name), the header found as the first line whose first cell is a code
column; a CSV export with the same header (``;`` or ``,``) and the year in its name is read
too. Unit: consultations/visites accessibles par an et par habitant standardisé.
Codes of départements not loaded are skipped and counted; a former code (commune merged since)
is skipped with a note, an APL being a ratio that cannot be summed; an unknown code is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections import Counter
from pathlib import Path

from django.db import transaction

from core.import_checks import csv_records
from core.importing import (
    ImportFailed,
    ImportReport,
    announce_change,
    decode_utf8,
    read_bytes,
    upsert,
)
from territories.cog import CommuneCodes, How, department_code_of, refuse_unresolved

from .models import DreesApl

KIND = "drees-apl"
CODE_COLUMNS = ("Code commune INSEE", "Code commune")
VALUE_COLUMNS = (
    "APL aux médecins généralistes",
    "APL aux médecins généralistes (sans borne d'âge)",
)
UNDER_65 = "APL aux médecins généralistes de moins de 65 ans"
POPULATION = "Population standardisée par la consommation de soins par tranche d'âge"
SHEET = re.compile(r"^APL_((?:19|20)\d\d)$")
YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _year_of_name(path: Path) -> int:
    years = YEAR_IN_NAME.findall(path.stem)
    if len(years) != 1:
        raise ImportFailed(
            path,
            "the year is neither in a sheet name APL_<year> nor, once, in the file name "
            "(e.g. APL_mg_2019.xlsx)",
        )
    return int(years[0])


#: A table's rows with the line each starts on (a CSV record may span lines).
Rows = list[tuple[int, list]]


def _tables(path: Path, raw: bytes) -> list[tuple[int, str, Rows]]:
    """(year, sheet name or "" for a CSV, rows) of each year the file holds. A CSV is read
    strictly (``core.import_checks.csv_records``): an unterminated quote or an over-long field
    is refused with its line, not read as a short row."""
    if raw[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # a damaged workbook: openpyxl raises many kinds
            raise ImportFailed(path, f"not a readable Excel workbook ({exc})") from exc
        yearly = [(int(m.group(1)), name) for name in book.sheetnames if (m := SHEET.match(name))]
        if not yearly:
            yearly = [(_year_of_name(path), book.sheetnames[0])]
        return [
            (
                year,
                name,
                [(i, list(r)) for i, r in enumerate(book[name].iter_rows(values_only=True), 1)],
            )
            for year, name in yearly
        ]
    year = _year_of_name(path)
    text = decode_utf8(path, raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [(year, "", list(csv_records(path, text, delimiter=delimiter)))]


def _number(path: Path, value, where: str, column: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", "NA", "n.d.", "-")):
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise ImportFailed(path, f"{column} is not a number ({value!r})", where=where) from None
    if not math.isfinite(number) or number < 0:
        raise ImportFailed(path, f"{column} must be a non-negative number ({value!r})", where=where)
    return number


def _where(sheet: str, line: int | None = None) -> str:
    """ "sheet APL_2022, line 11" in a workbook, "line 11" in a CSV."""
    parts = [f"sheet {sheet}" if sheet else "", f"line {line}" if line is not None else ""]
    return ", ".join(part for part in parts if part)


def _read(path: Path, year: int, sheet: str, rows: Rows) -> list[tuple[str, str, dict]]:
    """(where, code, values) of each commune row of one year's table."""
    header_at = next(
        (
            i
            for i, (_line, row) in enumerate(rows[:30])
            if row and str(row[0] or "").strip() in CODE_COLUMNS
        ),
        None,
    )
    if header_at is None:
        raise ImportFailed(
            path,
            f"no header line starting with {' or '.join(CODE_COLUMNS)} in the first 30 lines: "
            "not a DREES APL file",
            where=_where(sheet, None if sheet else 1),
        )
    header_line, header_row = rows[header_at]
    header = [str(cell or "").strip() for cell in header_row]
    value_column = next((c for c in VALUE_COLUMNS if c in header), None)
    if value_column is None:
        raise ImportFailed(
            path, f"missing column {VALUE_COLUMNS[0]!r}", where=_where(sheet, header_line)
        )
    at = {
        name: header.index(name) for name in (value_column, UNDER_65, POPULATION) if name in header
    }
    result, seen = [], {}
    for index, row in rows[header_at + 1 :]:
        if not row or all(cell in (None, "") for cell in row):
            continue
        where = _where(sheet, index)
        if len(row) < len(header):
            # A CSV row cut short (an xlsx row always has the sheet's width): never read the
            # missing cells as "no value".
            raise ImportFailed(
                path, f"{len(row)} field(s) where the header has {len(header)}", where=where
            )
        code = str(row[0] or "").strip().zfill(5) if row[0] is not None else ""
        if not CODE.match(code):
            raise ImportFailed(path, f"commune code {row[0]!r} is not an INSEE code", where=where)
        if code in seen:
            raise ImportFailed(path, f"duplicate code {code} (also {seen[code]})", where=where)
        seen[code] = where

        def cell(name: str, row=row):
            return row[at[name]] if name in at and at[name] < len(row) else None

        values = {
            "value": _number(path, cell(value_column), where, value_column),
            "value_under_65": _number(path, cell(UNDER_65), where, UNDER_65),
            "standardised_population": _number(path, cell(POPULATION), where, POPULATION),
        }
        result.append((where, code, values))
    if not result:
        raise ImportFailed(
            path,
            "the table has no commune row",
            where=_where(sheet, None if sheet else header_line),
        )
    return result


def import_drees_apl(path: str | Path) -> ImportReport:
    """Store the DREES's published APL of every loaded commune, for each year of the file."""
    path = Path(path)
    raw = read_bytes(path)
    tables = [(year, _read(path, year, sheet, rows)) for year, sheet, rows in _tables(path, raw)]
    latest = max(year for year, _rows in tables)
    report = ImportReport(
        kind=KIND, source_date=dt.date(latest, 1, 1), source_version=f"DREES APL {latest}"
    )
    codes = CommuneCodes(code for _y, rows in tables for _w, code, _v in rows)
    db_rows, not_loaded, former = [], Counter(), 0
    for year, rows in tables:
        for where, code, values in rows:
            resolved = codes.resolve(code)
            if resolved.how == How.NOT_LOADED:
                not_loaded[department_code_of(code)] += 1
            elif resolved.how == How.CURRENT:
                db_rows.append({"commune_id": resolved.commune_id, "year": year, **values})
                report.rows_by_department[codes.department_of(resolved.commune_id)] += 1
            elif resolved.how in (How.FORMER, How.DISTRICT):
                former += 1
            else:
                refuse_unresolved(path, code, resolved, where)
    with transaction.atomic():
        report.add(upsert(DreesApl, ("commune_id", "year"), db_rows))
    if former:
        report.messages.append(
            f"{former} row(s) of former communes or arrondissements skipped: an APL is a ratio "
            "and cannot be summed into the current commune"
        )
    if not_loaded:
        report.messages.append(
            f"{sum(not_loaded.values())} row(s) of départements not loaded skipped "
            f"({', '.join(sorted(not_loaded))[:200]})"
        )
    announce_change(report)
    return report
