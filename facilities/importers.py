"""Importers of facility files: the official FINESS extract, the Eurostat/GISCO hospital CSV and
an ARS authorisation CSV (format in ``docs/authorisations-csv.md``).

Each function takes a path and returns an ``ImportReport``. It reads and checks the whole file
first, raising ``ImportFailed`` (file, line, reason) before anything is written; it then writes
in one transaction with a keyed ``upsert``, so re-running it changes nothing and a failure
leaves the previous data intact.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction

from core.import_checks import check_fits, csv_records
from core.importing import ImportFailed, ImportReport, announce_change, read_utf8, upsert
from territories.models import Commune
from territories.selectors import commune_ids_by_code, communes_at_points

from . import finess
from .activities import Activity, Modality, modality_allowed
from .categories import kind_for, normalise_label, sector_for
from .models import Authorisation, Facility

# --- FINESS cs1100507 ------------------------------------------------------------------------


def import_finess(path: Path | str) -> ImportReport:
    """Import the official FINESS extract ``etalab-cs1100507`` (README §6 of the shared data).

    The commune is the INSEE code ``departement`` + ``commune`` when it is loaded (a Lyon
    arrondissement resolves to Lyon), else the commune polygon containing the point.
    """
    extract = finess.read_extract(path)
    points = finess.to_wgs84(path, extract)
    structures = extract.structures
    codes = [finess.insee_code(s["departement"], s["commune"]) for s in structures]
    by_code = commune_ids_by_code(sorted(set(codes)))
    missing = [
        s["nofinesset"]
        for s, code in zip(structures, codes, strict=True)
        if code not in by_code and s["nofinesset"] in points
    ]
    by_point = dict(zip(missing, communes_at_points([points[n] for n in missing]), strict=True))

    report = ImportReport(kind="finess")
    rows = []
    for structure, code in zip(structures, codes, strict=True):
        number = structure["nofinesset"]
        lonlat = points.get(number)
        commune_id = by_code.get(code) or by_point.get(number)
        rows.append(_finess_row(structure, extract.extraction_date, lonlat, commune_id))
        check_fits(path, Facility, rows[-1], f"line {structure.line}", FINESS_LABELS)
    without_commune = sum(1 for row in rows if row["commune_id"] is None)
    if without_commune:
        report.messages.append(
            f"{path}: {without_commune} establishment(s) without a commune "
            "(commune code not loaded and no loaded polygon contains the point)"
        )
    with transaction.atomic():
        report.add(upsert(Facility, "finess_et", rows))
    announce_change(report)
    return report


#: Facility fields as the FINESS extract names them, for ``check_fits`` messages.
FINESS_LABELS = {
    "name": "rslongue (or rs)",
    "category_label": "libcategetab",
    "address": "numvoie + compvoie + typvoie + voie",
    "city": "ligneacheminement",
}


def _finess_row(
    structure: finess.Structure,
    source_date: dt.date,
    lonlat: tuple[float, float] | None,
    commune_id: int | None,
) -> dict[str, Any]:
    postcode, city = _split_acheminement(structure["ligneacheminement"])
    number = " ".join(filter(None, [structure["numvoie"], structure["compvoie"]]))
    street = " ".join(filter(None, [number, structure["typvoie"], structure["voie"]]))
    category_code = structure["categetab"]
    return {
        "finess_et": structure["nofinesset"],
        "finess_ej": structure["nofinessej"],
        "name": structure["rslongue"] or structure["rs"],
        "category_code": category_code,
        "category_label": structure["libcategetab"],
        "kind": kind_for(category_code, structure["libcategetab"]),
        "sector": sector_for(structure["codesph"], category_code),
        "status": Facility.Status.OPEN,
        "address": street,
        "postcode": postcode,
        "city": city,
        "point": Point(*lonlat, srid=4326) if lonlat else None,
        "commune_id": commune_id,
        "source": Facility.Source.FINESS,
        "source_date": source_date,
    }


def _split_acheminement(line: str) -> tuple[str, str]:
    """``01440 VIRIAT`` → (``01440``, ``VIRIAT``), without a trailing ``CEDEX n``."""
    match = re.match(r"^(\d{5})\s*(.*)$", line)
    if not match:
        return "", line
    city = re.sub(r"\s+CEDEX(\s+\d+)?\s*$", "", match.group(2), flags=re.IGNORECASE)
    return match.group(1), city.strip()


# --- Eurostat / GISCO hospitals ----------------------------------------------------------------

GISCO_REQUIRED_COLUMNS = (
    "id", "hospital_name", "site_name", "lat", "lon", "street", "house_number", "postcode",
    "city", "facility_type", "public_private", "ref_date",
)  # fmt: skip
GISCO_SECTORS = {
    "public": Facility.Sector.PUBLIC,
    "private": Facility.Sector.PRIVATE,
    "": Facility.Sector.UNKNOWN,
}


def import_gisco_hospitals(path: Path | str) -> ImportReport:
    """Import the Eurostat/GISCO "healthcare services" CSV for France (README §5).

    ``id`` is the FINESS ET number without its leading zero; the commune comes from the point,
    as the file has none. A point whose commune lies in another département than the postcode
    (the Tende hospital geocoded in Savoie) is imported as located, and reported.
    """
    records = csv_records(path, read_utf8(path))
    _line, columns = next(records, (1, []))
    absent = [name for name in GISCO_REQUIRED_COLUMNS if name not in columns]
    if absent:
        raise ImportFailed(
            path,
            f"not a GISCO hospital CSV: missing column(s) {', '.join(absent)}",
            where="line 1",
        )
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for line, fields in records:
        if len(fields) != len(columns):
            raise ImportFailed(
                path,
                f"{len(fields)} fields, expected {len(columns)} (the columns of line 1)",
                where=f"line {line}",
            )
        record = dict(zip(columns, fields, strict=True))
        row = _gisco_row(path, line, record)
        check_fits(path, Facility, row, f"line {line}", GISCO_LABELS)
        if row["finess_et"] in seen:
            raise ImportFailed(
                path,
                f"duplicate id {record['id']} (first on line {seen[row['finess_et']]})",
                where=f"line {line}",
            )
        seen[row["finess_et"]] = line
        parsed.append((line, row))
    if not parsed:
        raise ImportFailed(path, "no data row", where="line 2")

    communes = communes_at_points([(row["point"].x, row["point"].y) for _, row in parsed])
    report = ImportReport(kind="gisco-hospitals")
    departments = dict(
        Commune.objects.filter(id__in={c for c in communes if c}).values_list(
            "id", "department__code"
        )
    )
    for (line, row), commune_id in zip(parsed, communes, strict=True):
        row["commune_id"] = commune_id
        label = f"{path}, line {line}: {row['finess_et']} {row['name']}"
        if commune_id is None:
            report.messages.append(
                f"{label}: no loaded commune polygon contains the point "
                f"({row['point'].y:.5f}, {row['point'].x:.5f}); imported without a commune"
            )
        elif row["postcode"] and not _postcode_in(row["postcode"], departments[commune_id]):
            report.messages.append(
                f"{label}: geocoded in département {departments[commune_id]} although its "
                f"postcode is {row['postcode']}; imported at the published point"
            )
    with transaction.atomic():
        report.add(upsert(Facility, "finess_et", [row for _, row in parsed]))
    announce_change(report)
    return report


def _postcode_in(postcode: str, department: str) -> bool:
    """Whether a postcode belongs to a département (Corsica's postcodes start with 20)."""
    prefix = "20" if department in ("2A", "2B") else department
    return postcode.startswith(prefix)


#: Facility fields as the GISCO file names them, for ``check_fits`` messages.
GISCO_LABELS = {
    "name": "hospital_name (with site_name)",
    "category_label": "facility_type",
    "address": "house_number + street",
    "city": "city",
    "postcode": "postcode",
}


def _gisco_row(path: Path | str, line: int, record: dict[str, str]) -> dict[str, Any]:
    where = f"line {line}"
    record = {name: value.strip() for name, value in record.items()}
    number = record["id"].zfill(9)
    if not finess.FINESS_NUMBER.match(number):
        raise ImportFailed(path, f"invalid FINESS id {record['id']!r}", where=where)
    try:
        lat, lon = float(record["lat"]), float(record["lon"])
    except ValueError as exc:
        raise ImportFailed(
            path, f"non-numeric lat/lon {record['lat']!r}, {record['lon']!r}", where=where
        ) from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and finess.inside_france(lon, lat)):
        raise ImportFailed(path, f"coordinates lat {lat}, lon {lon} outside France", where=where)
    if not record["hospital_name"]:
        raise ImportFailed(path, "empty hospital_name", where=where)
    sector = GISCO_SECTORS.get(record["public_private"].lower())
    if sector is None:
        raise ImportFailed(
            path, f"public_private must be public, private or empty, not "
            f"{record['public_private']!r}", where=where,
        )  # fmt: skip
    name = record["hospital_name"]
    if record["site_name"] and record["site_name"].upper() not in name.upper():
        name = f"{name} – {record['site_name']}"
    street = " ".join(filter(None, [record["house_number"], record["street"]]))
    return {
        "finess_et": number,
        "name": name,
        "category_label": record["facility_type"],
        "kind": kind_for(label=record["facility_type"]),
        "sector": sector,
        "status": Facility.Status.OPEN,
        "address": street,
        "postcode": record["postcode"],
        "city": record["city"],
        "point": Point(lon, lat, srid=4326),
        "source": Facility.Source.GISCO,
        "source_date": _parse_date(path, line, record["ref_date"], "ref_date", required=False),
    }


# --- Authorisations -----------------------------------------------------------------------------

AUTHORISATION_COLUMNS = ("finess_et", "activity", "modality", "start_date", "end_date")


def import_authorisations(path: Path | str) -> ImportReport:
    """Import an ARS authorisation CSV as documented in ``docs/authorisations-csv.md``.

    Keyed on (facility, activity, modality, start date): re-importing updates the end date in
    place. Every FINESS ET must already be in the registry.
    """
    text = read_utf8(path)
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    reader = csv_records(path, text, delimiter=delimiter)
    columns = [name.strip().lower() for name in next(reader, (1, []))[1]]
    absent = [name for name in AUTHORISATION_COLUMNS if name not in columns and name != "end_date"]
    if absent:
        raise ImportFailed(
            path,
            f"not an authorisation CSV: missing column(s) {', '.join(absent)} "
            f"(expected header {';'.join(AUTHORISATION_COLUMNS)})",
            where="line 1",
        )
    index = {name: columns.index(name) for name in AUTHORISATION_COLUMNS if name in columns}

    records: list[tuple[int, dict[str, Any]]] = []
    for line, fields in reader:
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(columns):
            raise ImportFailed(
                path, f"{len(fields)} fields, expected {len(columns)}", where=f"line {line}"
            )
        values = {name: fields[i].strip() for name, i in index.items()}
        records.append((line, _authorisation_values(path, line, values)))
    if not records:
        raise ImportFailed(path, "no data row", where="line 2")

    facility_ids = dict(
        Facility.objects.filter(
            finess_et__in={values["finess_et"] for _, values in records}
        ).values_list("finess_et", "id")
    )
    rows, seen = [], {}
    for line, values in records:
        number = values.pop("finess_et")
        if number not in facility_ids:
            raise ImportFailed(
                path, f"unknown FINESS ET {number}: not in the registry", where=f"line {line}"
            )
        row = {"facility_id": facility_ids[number], **values}
        key = (number, row["activity"], row["modality"], row["start_date"])
        if key in seen:
            raise ImportFailed(
                path,
                f"duplicate authorisation {number} {row['activity']} {row['modality'] or '-'} "
                f"from {row['start_date']} (first on line {seen[key]})",
                where=f"line {line}",
            )
        seen[key] = line
        rows.append(row)
    report = ImportReport(kind="authorisations")
    with transaction.atomic():
        report.add(
            upsert(Authorisation, ("facility_id", "activity", "modality", "start_date"), rows)
        )
    announce_change(report)
    return report


def _choice_lookup(choices: Sequence[tuple[str, Any]]) -> dict[str, str]:
    """Codes and French labels (case- and accent-insensitive) → code.

    A code always wins over a label that reads the same (code ``adultes`` of psychiatry versus
    the label "Adultes" of another modality), so a file written with codes is never misread.
    """
    lookup = {normalise_label(str(label)): code for code, label in choices}
    lookup.update({normalise_label(code): code for code, _ in choices})
    return lookup


ACTIVITY_LOOKUP = _choice_lookup(Activity.choices)
MODALITY_LOOKUP = _choice_lookup(Modality.choices)


def _authorisation_values(path: Path | str, line: int, values: dict[str, str]) -> dict[str, Any]:
    where = f"line {line}"
    number = values["finess_et"].upper()
    if re.fullmatch(r"\d{8}", number):
        number = number.zfill(9)  # a spreadsheet dropped the leading zero
    if not finess.FINESS_NUMBER.match(number):
        raise ImportFailed(path, f"invalid FINESS ET {values['finess_et']!r}", where=where)
    activity = ACTIVITY_LOOKUP.get(normalise_label(values["activity"]))
    if activity is None:
        raise ImportFailed(path, f"unknown activity {values['activity']!r}", where=where)
    modality = MODALITY_LOOKUP.get(normalise_label(values["modality"]))
    if modality is None:
        raise ImportFailed(path, f"unknown modality {values['modality']!r}", where=where)
    if not modality_allowed(activity, modality):
        raise ImportFailed(
            path,
            f"modality {values['modality']!r} is not allowed for activity {values['activity']!r}",
            where=where,
        )
    start = _parse_date(path, line, values["start_date"], "start_date", required=True)
    end = _parse_date(path, line, values.get("end_date", ""), "end_date", required=False)
    if end is not None and end < start:
        raise ImportFailed(path, f"end_date {end} is before start_date {start}", where=where)
    return {
        "finess_et": number,
        "activity": activity,
        "modality": modality,
        "start_date": start,
        "end_date": end,
    }


# --- shared helpers -----------------------------------------------------------------------------


def _parse_date(
    path: Path | str, line: int, value: str, column: str, *, required: bool
) -> dt.date | None:
    """ISO ``YYYY-MM-DD`` or French ``DD/MM/YYYY``."""
    if not value:
        if required:
            raise ImportFailed(path, f"{column} is required", where=f"line {line}")
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ImportFailed(
        path, f"{column} {value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)", where=f"line {line}"
    )
