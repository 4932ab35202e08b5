"""Zonings as commune lists: one row per commune, naming its zone.

Three layouts, recognised by their header (field tables quoted in ``docs/zonings.md``):

* ours, for any zoning an ARS draws (zones du schéma, territoires de démocratie sanitaire,
  CPTS perimeters, psychiatric sectors): ``code_commune;code_zone;libelle_zone``, imported
  with ``--name`` and ``--kind``;
* INSEE's composition communale of the bassins de vie 2022: ``CODGEO``, ``LIBGEO``,
  ``BV2022``, ``LIBBV2022`` (``DEP``, ``REG`` and others ignored), CSV or the published
  ``.xlsx`` (sheet ``Composition_communale``, title lines above the header);
* DREES's territoires de vie-santé composition: ``depcom``, ``libcom``, ``tvs`` (or ``tv``),
  ``libtvs`` (or ``libtv``), others ignored.

Commune codes of another COG year are read through ``territories.cog``; an arrondissement or a
former code joins its commune's zone (two of them in different zones is an error). A commune
listed twice is an error, as is a code found nowhere; codes of départements not loaded are
skipped and counted. Importing a zoning again replaces its composition in one transaction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.import_checks import check_field_count, check_fits, csv_records
from core.importing import (
    ImportFailed,
    ImportReport,
    announce_change,
    read_bytes,
    read_utf8,
)

from .cog import CommuneCodes, How, department_code_of, refuse_unresolved
from .models import Commune, Region, Zone, Zoning
from .services import zoning_replace_composition

KIND = "zoning"
CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
#: INSEE's code of a commune that is in no bassin de vie.
NO_ZONE = "ZZZZZ"
BV_SHEET = "Composition_communale"


@dataclass(frozen=True)
class Layout:
    label: str
    commune: str
    zone: str
    name: str
    kind: str | None = None
    default_name: str = ""
    version: str = ""


def _layout(path: Path, header: list[str]) -> tuple[Layout, dict[str, int]]:
    lower = [name.strip().lower() for name in header]
    index = {name: i for i, name in reversed(list(enumerate(lower)))}

    def pick(*names: str) -> str | None:
        return next((n for n in names if n in index), None)

    if "code_commune" in index:
        layout = Layout("ARS", "code_commune", "code_zone", "libelle_zone")
    elif "codgeo" in index:
        bv = next((n for n in lower if re.fullmatch(r"bv\d{4}", n)), "bv2022")
        layout = Layout(
            "INSEE bassins de vie",
            "codgeo",
            bv,
            f"lib{bv}",
            Zoning.Kind.LIVING_AREA,
            f"Bassins de vie {bv[2:]}",
            f"Base des bassins de vie {bv[2:]} (INSEE)",
        )
    elif "depcom" in index:
        layout = Layout(
            "DREES territoires de vie-santé",
            "depcom",
            pick("tvs", "tv") or "tvs",
            pick("libtvs", "libtv") or "libtvs",
            Zoning.Kind.HEALTH_LIVING_AREA,
            "Territoires de vie-santé",
            "Territoires de vie-santé (DREES)",
        )
    else:
        raise ImportFailed(
            path,
            "not a zoning composition file: expected the columns code_commune;code_zone;"
            "libelle_zone, INSEE's CODGEO/BV2022/LIBBV2022 or DREES's depcom/tvs/libtvs "
            f"(columns found: {', '.join(lower)[:200] or 'none'})",
            where="line 1",
        )
    missing = [c for c in (layout.commune, layout.zone, layout.name) if c not in index]
    if missing:
        shown = [next((h.strip() for h in header if h.strip().lower() == m), m) for m in missing]
        if layout.kind == Zoning.Kind.LIVING_AREA:
            shown = [m.upper() for m in missing]
        raise ImportFailed(path, f"missing column(s) {', '.join(shown)}", where="line 1")
    return layout, {c: index[c] for c in (layout.commune, layout.zone, layout.name)}


def _records(path: Path) -> list[tuple[int, list[str]]]:
    """(line, fields) of the file, header first: a CSV (``;`` or ``,``) or INSEE's ``.xlsx``
    (its line numbers are the sheet's row numbers)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_records(path)
    text = read_utf8(path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(csv_records(path, text, delimiter=delimiter))


def _xlsx_records(path: Path) -> list[tuple[int, list[str]]]:
    import io

    import openpyxl

    raw = read_bytes(path)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ImportFailed(path, f"not a readable .xlsx workbook ({exc})") from exc
    sheet = book[BV_SHEET] if BV_SHEET in book.sheetnames else book.worksheets[0]
    records: list[tuple[int, list[str]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        fields = ["" if v is None else str(v).strip() for v in values]
        if not records and "CODGEO" not in [f.upper() for f in fields]:
            continue  # INSEE's title lines above the header
        if any(fields):
            records.append((number, fields))
    if not records:
        raise ImportFailed(path, f"no header row with CODGEO in sheet {sheet.title!r}")
    return records


def commune_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line, commune code) of every data row of a zoning file, read as ``import_zoning``
    reads it (CSV or INSEE's ``.xlsx``): what an upload checks against the planner's region
    (``opendata.scope``). INSEE's communes in no bassin de vie (``ZZZZZ``) are left out."""
    path = Path(path)
    records = _records(path)
    if not records:
        return
    layout, columns = _layout(path, records[0][1])
    commune, zone = columns[layout.commune], columns[layout.zone]
    for line, fields in records[1:]:
        fields = fields + [""] * (max(commune, zone) + 1 - len(fields))
        if fields[zone].strip() != NO_ZONE:
            yield line, fields[commune].strip().upper()


@dataclass
class _Rows:
    """The file read and checked: each zone's name and communes, and what was skipped."""

    zones: dict[str, tuple[str, set[int]]]
    departments: Counter[str]
    how: Counter[How]
    not_loaded: Counter[str]
    outside_zones: int = 0


def _read(path: Path, codes: CommuneCodes | None = None) -> tuple[Layout, _Rows]:
    records = _records(path)
    if not records:
        raise ImportFailed(path, "the file is empty", where="line 1")
    header_line, header = records[0]
    layout, columns = _layout(path, header)
    if len(records) == 1:
        raise ImportFailed(path, "the file has no data row", where=f"line {header_line + 1}")
    codes = codes or CommuneCodes(row[columns[layout.commune]].strip() for _l, row in records[1:])
    result = _Rows({}, Counter(), Counter(), Counter())
    listed: dict[str, int] = {}
    zone_of: dict[int, tuple[str, int, str]] = {}  # commune id → (zone, line, code)
    zone_line: dict[str, tuple[str, int]] = {}
    labels = {"name": header[columns[layout.name]].strip(), "code": header[columns[layout.zone]]}
    for line, fields in records[1:]:
        if path.suffix.lower() != ".xlsx":
            check_field_count(path, line, fields, len(header))
        fields = fields + [""] * (len(header) - len(fields))
        code = fields[columns[layout.commune]].strip()
        zone, name = fields[columns[layout.zone]].strip(), fields[columns[layout.name]].strip()
        if not CODE.match(code):
            raise ImportFailed(path, f"invalid commune code {code[:40]!r}", where=f"line {line}")
        where = f"line {line} (code {code})"
        if code in listed:
            raise ImportFailed(
                path,
                f"duplicate: commune {code} listed twice (also line {listed[code]})",
                where=where,
            )
        listed[code] = line
        if zone == NO_ZONE:
            result.outside_zones += 1
            continue
        if not zone or not name:
            raise ImportFailed(path, "empty zone code or zone name", where=where)
        check_fits(path, Zone, {"code": zone, "name": name}, where, labels)
        if zone in zone_line and zone_line[zone][0] != name:
            first_name, first_line = zone_line[zone]
            raise ImportFailed(
                path,
                f"zone {zone} is named {name[:60]!r} here and {first_name[:60]!r} on line "
                f"{first_line}",
                where=where,
            )
        zone_line.setdefault(zone, (name, line))
        commune_id = _commune(path, codes, code, where, result)
        if commune_id is None:
            continue
        if commune_id in zone_of and zone_of[commune_id][0] != zone:
            other, other_line, other_code = zone_of[commune_id]
            raise ImportFailed(
                path,
                f"commune {codes.code_of[commune_id]} (listed as {code} here, {other_code} on "
                f"line {other_line}) would be in two zones, {other} and {zone}",
                where=where,
            )
        zone_of.setdefault(commune_id, (zone, line, code))
        result.zones.setdefault(zone, (name, set()))[1].add(commune_id)
        result.departments[codes.department_of(commune_id)] += 1
    return layout, result


def _commune(path: Path, codes: CommuneCodes, code: str, where: str, rows: _Rows) -> int | None:
    resolved = codes.resolve(code)
    rows.how[resolved.how] += 1
    if resolved.how == How.NOT_LOADED:
        rows.not_loaded[department_code_of(code)] += 1
        return None
    refuse_unresolved(path, code, resolved, where)
    return resolved.commune_id


def _region(path: Path, rows: _Rows, region_code: str | None) -> tuple[Region, int]:
    """The zoning's region, and the number of communes left out for being in another."""
    ids = {cid for _name, members in rows.zones.values() for cid in members}
    region_of = dict(Commune.objects.filter(pk__in=ids).values_list("id", "department__region"))
    if region_code is not None:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ImportFailed(path, f"region {region_code} is not loaded")
    else:
        found = {r for r in region_of.values()}
        if None in found:
            raise ImportFailed(path, "a commune of the file has a département without region")
        if not found:
            raise ImportFailed(path, "no commune of the file is loaded")
        if len(found) > 1:
            names = sorted(Region.objects.filter(pk__in=found).values_list("code", flat=True))
            raise ImportFailed(
                path,
                f"the file's communes are in {len(found)} loaded regions ({', '.join(names)}): "
                "name one with --region",
            )
        region = Region.objects.get(pk=found.pop())
    outside = 0
    for zone, (name, members) in list(rows.zones.items()):
        kept = {cid for cid in members if region_of.get(cid) == region.pk}
        outside += len(members) - len(kept)
        if kept:
            rows.zones[zone] = (name, kept)
        else:
            del rows.zones[zone]
    if not rows.zones:
        raise ImportFailed(path, f"no commune of the file is in region {region.code}")
    return region, outside


def import_zoning(
    path: str | Path,
    *,
    name: str | None = None,
    kind: str | None = None,
    region: str | None = None,
) -> ImportReport:
    """Create or replace the zoning ``name`` (of ``kind``) of ``region`` from a commune list.

    ``name`` and ``kind`` default to the publisher's for INSEE's and DREES's files; ``region``
    (a code) is needed only when the file's communes are in several loaded regions, and then
    keeps that region's communes (zones crossing its border keep their part in it).
    """
    path = Path(path)
    if kind is not None and kind not in Zoning.Kind.values:
        raise ImportFailed(
            path, f"unknown zoning kind {kind!r} (one of {', '.join(Zoning.Kind.values)})"
        )
    layout, rows = _read(path)
    name, kind = name or layout.default_name, kind or layout.kind
    if not name or not kind:
        raise ImportFailed(path, f"a file of the {layout.label} layout needs --name and --kind")
    check_fits(path, Zoning, {"name": name}, "--name", {"name": "--name"})
    the_region, outside = _region(path, rows, region)
    report = ImportReport(kind=KIND, source_version=layout.version)
    report.rows_by_department.update(rows.departments)
    zones = {code: (zone_name, ids) for code, (zone_name, ids) in sorted(rows.zones.items())}
    change = zoning_replace_composition(region=the_region, name=name, kind=kind, zones=zones)
    report.created, report.updated, report.unchanged = (
        change.created,
        change.updated,
        change.unchanged,
    )
    _notes(report, rows, outside, change.removed, f"{the_region.code} « {name} »")
    announce_change(report)
    return report


def _notes(report: ImportReport, rows: _Rows, outside: int, removed: int, zoning: str) -> None:
    notes = report.messages
    notes.append(f"zoning {zoning}: {len(rows.zones)} zone(s)")
    if rows.how[How.FORMER]:
        notes.append(f"{rows.how[How.FORMER]} former commune code(s) read as their commune")
    if rows.how[How.DISTRICT]:
        notes.append(f"{rows.how[How.DISTRICT]} arrondissement(s) read as their commune")
    if rows.not_loaded:
        notes.append(
            f"{sum(rows.not_loaded.values())} commune(s) of départements not loaded skipped "
            f"({', '.join(sorted(rows.not_loaded))[:200]})"
        )
    if outside:
        notes.append(f"{outside} commune(s) of other regions left out")
    if rows.outside_zones:
        notes.append(f"{rows.outside_zones} commune(s) in no zone ({NO_ZONE}) skipped")
    if removed:
        notes.append(f"{removed} zone(s) no longer in the file removed")
