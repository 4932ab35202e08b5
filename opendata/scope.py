"""A planner's upload stays in the planner's region (issue 12 §2): every row of a region-scoped
file (``registry.REGION_KINDS``) is placed in a département before the importer runs, and a
file with a row outside the region is refused, naming the rows:
« lignes 4, 9 : commune 06088 hors de la région Auvergne-Rhône-Alpes ».

Where a row is, per kind, read as its importer reads it:

- ``authorisations``: the commune of the site its FINESS ET names (the registry's, since the
  file has no place of its own), else the département of the FINESS number;
- ``zoning``: the commune of the row (any COG year: ``territories.cog``);
- ``annuaire-sante``: the commune of the activity site, else the département the file states
  (or its postcode's); the lines the importer skips (no site, abroad) are not checked;
- ``mcs``: the commune code of the row, else the loaded commune whose polygon holds its point;
  a point in no loaded commune is outside.

A row this cannot read or place (an unknown FINESS ET, an invalid code) is left to the
importer, which refuses the file with its own reason; nothing is written either way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.import_checks import csv_records
from core.importing import read_utf8
from facilities import annuaire, finess_authorisations
from facilities.models import Facility
from territories.cog import CommuneCodes, department_code_of
from territories.importers_zoning import commune_lines
from territories.models import Region
from territories.selectors import communes_at_points

#: An INSEE commune code: 5 digits, or 2A/2B and 3 digits (Corsica).
COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
#: How many places, and lines per place, a refusal names (the totals are always given).
SHOWN_PLACES = 20
SHOWN_LINES = 20


@dataclass(frozen=True)
class Located:
    """A row of the file: its line, its place in words (« commune 06088 ») and the
    département it is in (None: in none that is loaded)."""

    line: int
    place: str
    department: str | None


@dataclass(frozen=True)
class Outside:
    """The rows of one place outside the region: their lines (the first ``SHOWN_LINES``), how
    many, and the refusal in words."""

    place: str
    lines: list[int]
    count: int
    text: str


def rows_outside(kind: str, path: Path, region: Region) -> list[Outside]:
    """The rows of ``path`` (a file of ``kind``) outside ``region``, grouped by place in the
    order of their first line; empty when every row is in it."""
    departments = set(region.departments.values_list("code", flat=True))
    by_place: dict[str, list[int]] = defaultdict(list)
    for row in LOCATORS[kind](path):
        if row.department not in departments:
            by_place[row.place].append(row.line)
    name = region.name
    return [
        Outside(place, lines[:SHOWN_LINES], len(lines), _refusal(place, lines, name))
        for place, lines in sorted(by_place.items(), key=lambda item: item[1][0])
    ]


def refusal_text(outside: list[Outside], region: Region) -> str:
    """The whole refusal in one text (the upload's error): the count, then each place."""
    total = sum(group.count for group in outside)
    head = ngettext(
        "%(count)s ligne hors de la région %(region)s, rien n’a été importé",
        "%(count)s lignes hors de la région %(region)s, rien n’a été importé",
        total,
    ) % {"count": total, "region": region.name}
    shown = [group.text for group in outside[:SHOWN_PLACES]]
    if len(outside) > SHOWN_PLACES:
        shown.append(_("et %(count)s autres lieux") % {"count": len(outside) - SHOWN_PLACES})
    return f"{head} : " + " ; ".join(shown)


def _refusal(place: str, lines: list[int], region_name: str) -> str:
    listed = ", ".join(str(line) for line in lines[:SHOWN_LINES])
    if len(lines) > SHOWN_LINES:
        listed += " " + _("(et %(count)s autres)") % {"count": len(lines) - SHOWN_LINES}
    words = ngettext("ligne %(lines)s", "lignes %(lines)s", len(lines)) % {"lines": listed}
    return _("%(lines)s : %(place)s hors de la région %(region)s") % {
        "lines": words,
        "place": place,
        "region": region_name,
    }


# --- where the rows are, per kind ----------------------------------------------------------


class _Communes:
    """Commune codes of any COG year → (place in words, département)."""

    def __init__(self) -> None:
        self.codes = CommuneCodes()

    def locate(self, line: int, code: str) -> Located | None:
        code = code.strip().upper()
        if len(code) == 4 and code.isdigit():
            code = code.zfill(5)  # a spreadsheet dropped the leading zero, as importers read it
        if not COMMUNE_CODE.fullmatch(code):
            return None  # the importer refuses it with its reason
        resolved = self.codes.resolve(code)
        if resolved.commune_id is not None:
            department = self.codes.department_of(resolved.commune_id)
        else:
            department = department_code_of(code)
        return Located(line, _("commune %(code)s") % {"code": code}, department)


def _authorisation_rows(path: Path) -> Iterator[Located]:
    text = read_utf8(path)
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    records = list(csv_records(path, text, delimiter=delimiter))
    if not records:
        return
    columns = [name.strip().lower() for name in records[0][1]]
    if "finess_et" not in columns:
        return  # the importer names the missing columns
    index = columns.index("finess_et")
    numbers: dict[int, str] = {}
    for line, fields in records[1:]:
        if index < len(fields) and fields[index].strip():
            number = fields[index].strip().upper()
            numbers[line] = number.zfill(9) if re.fullmatch(r"\d{8}", number) else number
    sites = {
        number: (commune, department)
        for number, commune, department in Facility.objects.filter(
            finess_et__in=set(numbers.values())
        ).values_list("finess_et", "commune__code", "commune__department__code")
    }
    for line, number in numbers.items():
        if number not in sites:
            continue  # an unknown FINESS ET: the importer refuses it
        commune, department = sites[number]
        if commune:
            yield Located(line, _("commune %(code)s") % {"code": commune}, department)
        else:
            place = _("établissement FINESS %(number)s") % {"number": number}
            yield Located(line, place, finess_authorisations.department_of(number))


def _zoning_rows(path: Path) -> Iterator[Located]:
    communes = _Communes()
    for line, code in commune_lines(path):
        if (row := communes.locate(line, code)) is not None:
            yield row


def _annuaire_rows(path: Path) -> Iterator[Located]:
    _extraction, records = annuaire.read_extraction(path)
    communes = _Communes()
    for record in records:
        if not record.structure_key or record.abroad:
            continue  # skipped by the importer: nothing of it is written
        if record["commune_code"]:
            if (row := communes.locate(record.line, record["commune_code"])) is not None:
                yield row
        elif department := record.department_guess:
            place = _("département %(code)s") % {"code": department}
            yield Located(record.line, place, department)


def _mcs_rows(path: Path) -> Iterator[Located]:
    records = list(csv_records(path, read_utf8(path), delimiter=";"))
    if not records:
        return
    columns = [name.strip().lower() for name in records[0][1]]
    if not {"commune", "lon", "lat"} <= set(columns):
        return  # the importer names the missing columns
    communes = _Communes()
    points: list[tuple[int, float, float]] = []
    for line, fields in records[1:]:
        if len(fields) != len(columns):
            continue  # the importer names the line
        record = dict(zip(columns, (field.strip() for field in fields), strict=True))
        if record["commune"]:
            if (row := communes.locate(line, record["commune"])) is not None:
                yield row
        elif (point := _lon_lat(record["lon"], record["lat"])) is not None:
            points.append((line, *point))
    yield from _at_points(points, communes.codes)


def _lon_lat(lon: str, lat: str) -> tuple[float, float] | None:
    try:
        return float(lon.replace(",", ".")), float(lat.replace(",", "."))
    except ValueError:
        return None  # the importer refuses it


def _at_points(
    points: Iterable[tuple[int, float, float]], codes: CommuneCodes
) -> Iterator[Located]:
    points = list(points)
    found = communes_at_points([(lon, lat) for _line, lon, lat in points])
    for (line, lon, lat), commune_id in zip(points, found, strict=True):
        if commune_id is None:
            place = _("le point %(lon)s, %(lat)s (dans aucune commune chargée)") % {
                "lon": lon,
                "lat": lat,
            }
            yield Located(line, place, None)
        else:
            code = codes.code_of[commune_id]
            place = _("commune %(code)s") % {"code": code}
            yield Located(line, place, codes.department_of(commune_id))


#: Registry kind → where its rows are.
LOCATORS = {
    "authorisations": _authorisation_rows,
    "zoning": _zoning_rows,
    "annuaire-sante": _annuaire_rows,
    "mcs": _mcs_rows,
}
