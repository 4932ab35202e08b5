"""Population by age and sex per commune: the INSEE census commune file "Évolution et
structure de la population" (``base-cc-evol-struct-pop-20yy``).

Layout (INSEE, dictionary of variables of the file, quoted in ``docs/population-by-age.md``):
``CODGEO`` (commune code, COG of the edition), then one column per variable named
``P{yy}_<VARIABLE>`` for the reference year ``20yy`` (``P21_POP``, ``P21_POP0014``,
``P21_F1529``…), earlier years' populations (``P15_POP``…) and other variables (``C21_…``
socio-professional counts, births, deaths) which this importer ignores. ``;`` or ``,``
separated, a header line, counts that are fractional where INSEE weighs a sample.

The reference year is the most recent ``P{yy}_POP`` column. Codes of another COG year are read
through ``territories.cog`` (former codes summed into their commune nouvelle; Paris, Lyon and
Marseille arrondissements summed into their commune unless the commune's own row is in the
file, never added to it); codes of départements not loaded are skipped and counted; only a code
found nowhere is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from django.db import transaction

from core.import_checks import check_field_count, csv_records
from core.importing import ImportFailed, ImportReport, announce_change, read_utf8, upsert

from .cog import CommuneCodes, How, department_code_of, refuse_unresolved
from .models import CommunePopulationByAge

KIND = "population-age"
CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
#: Counts by age and sex: POP (all), H (hommes), F (femmes); bands 0014, 75P, 7589…
VARIABLE = re.compile(r"^(POP|POPH|POPF|(POP|H|F)(\d{4}|\d{2}P))$")
#: The variables every edition since RP 2010 has, and the indicators need (the perinatal
#: denominator F1529 + F3044 among them). 75 years and over is ``75P`` in the editions up to
#: RP 2020 and ``7589`` + ``90P`` from RP 2021 on; either is accepted.
REQUIRED = ("POP", "POP0014", "POP1529", "POP3044", "POP4559", "POP6074", "POPH", "POPF")
REQUIRED_WOMEN = ("F1529", "F3044")
OLDEST = (("POP75P",), ("POP7589", "POP90P"))
#: No commune counts more people than this; a larger value is a wrong column or a typo.
MAX_COUNT = 100_000_000


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _header(path: Path, names: list[str]) -> tuple[int, dict[str, int]]:
    """The reference year and ``{variable: column index}`` of the kept columns."""
    upper = [name.strip().upper() for name in names]
    if "CODGEO" not in upper:
        raise ImportFailed(
            path,
            "missing column(s) CODGEO: not an INSEE 'évolution et structure de la population' "
            f"file (columns found: {', '.join(upper)[:200] or 'none'})",
            where="line 1",
        )
    years = [int(m.group(1)) for name in upper if (m := re.fullmatch(r"P(\d\d)_POP", name))]
    if not years:
        raise ImportFailed(
            path, "missing column(s) P{yy}_POP (population of the reference year)", where="line 1"
        )
    yy = max(years)
    prefix = f"P{yy:02d}_"
    kept = {
        name.removeprefix(prefix): index
        for index, name in enumerate(upper)
        if name.startswith(prefix) and VARIABLE.match(name.removeprefix(prefix))
    }
    missing = [f"{prefix}{v}" for v in (*REQUIRED, *REQUIRED_WOMEN) if v not in kept]
    if not any(all(v in kept for v in group) for group in OLDEST):
        missing.append(f"{prefix}POP75P (or {prefix}POP7589 and {prefix}POP90P)")
    if missing:
        raise ImportFailed(path, f"missing column(s) {', '.join(missing)}", where="line 1")
    return 2000 + yy, kept


def _count(path: Path, value: str, column: str, where: str, decimal_comma: bool) -> float:
    text = value.strip()
    if decimal_comma:
        text = text.replace(",", ".")
    digits = len(text.split(".")[0].lstrip("-+"))
    try:
        number = float(text) if re.fullmatch(r"[+-]?\d+(\.\d*)?|[+-]?\.\d+", text) else math.nan
    except ValueError:
        number = math.nan
    if math.isnan(number):
        raise ImportFailed(path, f"{column} {value[:40]!r} is not a number", where=where)
    if number < 0 or number > MAX_COUNT:
        shown = f"(a {digits}-digit number)" if digits > 12 else f"{value.strip()!r}"
        raise ImportFailed(
            path, f"{column} {shown} is out of range (0 to {MAX_COUNT:,})", where=where
        )
    return number


def _read(path: Path) -> tuple[int, list[str], list[tuple[int, str, dict[str, float]]]]:
    """The reference year, the kept variables, and (line, code, {variable: count}) rows."""
    text = read_utf8(path)
    delimiter = _delimiter(text)
    records = csv_records(path, text, delimiter=delimiter)
    _line, names = next(records, (1, []))
    year, kept = _header(path, names)
    code_index = [name.strip().upper() for name in names].index("CODGEO")
    prefix = f"P{year % 100:02d}_"
    rows = []
    seen: dict[str, int] = {}
    for line, fields in records:
        check_field_count(path, line, fields, len(names))
        code = fields[code_index].strip()
        if not CODE.match(code):
            raise ImportFailed(path, f"invalid commune code {code[:40]!r}", where=f"line {line}")
        where = f"line {line} (code {code})"
        if code in seen:
            raise ImportFailed(path, f"duplicate code {code} (also line {seen[code]})", where=where)
        seen[code] = line
        counts = {
            variable: _count(path, fields[index], prefix + variable, where, delimiter == ";")
            for variable, index in kept.items()
        }
        rows.append((line, code, counts))
    if not rows:
        raise ImportFailed(path, "the file has no data row", where="line 2")
    return year, list(kept), rows


def import_population_by_age(path: str | Path) -> ImportReport:
    """Store each commune's population by age and sex for the file's reference year."""
    path = Path(path)
    year, variables, rows = _read(path)
    report = ImportReport(kind=KIND, source_date=dt.date(year, 1, 1), source_version=f"RP {year}")
    codes = CommuneCodes(code for _l, code, _c in rows)
    own: dict[int, list[dict[str, float]]] = defaultdict(list)
    districts: dict[int, list[dict[str, float]]] = defaultdict(list)
    how: Counter[How] = Counter()
    not_loaded: Counter[str] = Counter()
    for line, code, counts in rows:
        resolved = codes.resolve(code)
        how[resolved.how] += 1
        where = f"line {line} (code {code})"
        if resolved.how == How.NOT_LOADED:
            not_loaded[department_code_of(code)] += 1
        elif resolved.how in (How.UNKNOWN, How.AMBIGUOUS):
            refuse_unresolved(
                path,
                code,
                resolved,
                where,
                unknown_hint=" (import the COG population file of the file's year first)",
                ambiguous_hint=": its population cannot be split",
            )
        else:
            target = districts if resolved.how == How.DISTRICT else own
            target[resolved.commune_id].append(counts)
            report.rows_by_department[codes.department_of(resolved.commune_id)] += 1

    skipped_districts = sum(len(districts.pop(cid)) for cid in list(districts) if cid in own)
    db_rows = []
    for commune_id, parts in {**districts, **own}.items():
        total = {v: round(sum(part[v] for part in parts), 6) for v in variables}
        db_rows.append(
            {
                "commune_id": commune_id,
                "year": year,
                "population": total["POP"],
                "women_15_44": round(total["F1529"] + total["F3044"], 6),
                "counts": {v: total[v] for v in variables if v != "POP"},
            }
        )
    with transaction.atomic():
        report.add(upsert(CommunePopulationByAge, ("commune_id", "year"), db_rows))
    _notes(report, how, skipped_districts, not_loaded)
    announce_change(report)
    return report


def _notes(
    report: ImportReport, how: Counter[Any], skipped_districts: int, not_loaded: Counter[str]
) -> None:
    if how[How.FORMER]:
        report.messages.append(
            f"{how[How.FORMER]} row(s) under a former commune code, summed into their current "
            "commune (another COG year)"
        )
    summed = how[How.DISTRICT] - skipped_districts
    if summed:
        report.messages.append(f"{summed} arrondissement row(s) summed into their commune")
    if skipped_districts:
        report.messages.append(
            f"{skipped_districts} arrondissement row(s) skipped: their commune's own row is "
            "in the file (never added to it)"
        )
    if not_loaded:
        departments = ", ".join(sorted(not_loaded))
        report.messages.append(
            f"{sum(not_loaded.values())} row(s) of départements not loaded skipped "
            f"({departments[:200]})"
        )
