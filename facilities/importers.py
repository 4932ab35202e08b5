"""Importers of facility files: the official FINESS extracts (établissements, entités
juridiques), the Eurostat/GISCO hospital CSV and an ARS authorisation CSV (format in
``docs/authorisations-csv.md``).

Each function takes a path and returns an ``ImportReport``. It reads and checks the whole file
first, raising ``ImportFailed`` (file, line, reason) before anything is written; it then writes
in one transaction with a keyed ``upsert``, so re-running it changes nothing and a failure
leaves the previous data intact.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Substr

from core.import_checks import check_field_count, check_fits, csv_records
from core.importing import (
    ImportFailed,
    ImportReport,
    announce_change,
    bulk_upsert,
    data_changed,
    key_text,
    read_utf8,
    upsert,
)
from territories.cog import CommuneCodes, How, department_code_of
from territories.models import Commune
from territories.selectors import communes_at_points

from . import finess, finess_authorisations, finess_legal_entities, perinatal
from .activities import CatalogueIndex, catalogue
from .categories import kind_for, normalise_label, sector_for
from .models import Authorisation, Facility, LegalEntity
from .services import legal_entity_stubs_ensure

# --- FINESS cs1100507 ------------------------------------------------------------------------


def import_finess(path: Path | str) -> ImportReport:
    """Import the official FINESS extract ``etalab-cs1100507`` (README §6 of the shared data).

    The commune is that of the INSEE code ``departement`` + ``commune`` when it resolves
    (``territories.cog``: a loaded commune, an arrondissement municipal of Paris, Lyon or
    Marseille, or the former code of a commune nouvelle), else the commune polygon containing
    the point (one SQL statement on PostGIS). The rows are written with ``bulk_upsert``.
    """
    extract = finess.read_extract(path)
    points = finess.to_wgs84(path, extract)
    structures = extract.structures
    codes = [finess.insee_code(s["departement"], s["commune"]) for s in structures]
    by_code = _commune_ids(set(codes))
    missing = [
        s["nofinesset"]
        for s, code in zip(structures, codes, strict=True)
        if code not in by_code and s["nofinesset"] in points
    ]
    by_point = dict(zip(missing, communes_at_points([points[n] for n in missing]), strict=True))

    report = ImportReport(kind="finess", source_date=extract.extraction_date)
    report.source_version = "FINESS cs1100507"
    rows = []
    for structure, code in zip(structures, codes, strict=True):
        report.rows_by_department[department_code_of(code)] += 1
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
        stubs = legal_entity_stubs_ensure(row["legal_entity_id"] for row in rows)
        report.add(bulk_upsert(Facility, "finess_et", rows))
    if stubs:
        report.messages.append(
            f"{path}: {stubs} legal entit(y/ies) not loaded yet, created as stubs named by "
            "their FINESS EJ number (import the cs1100501 extract, kind finess-ej, to fill them)"
        )
    announce_change(report)
    return report


def _commune_ids(codes: set[str]) -> dict[str, int]:
    """Commune id of each INSEE code that resolves to one commune (ambiguous, unknown and
    not-loaded codes are left to the point)."""
    resolver = CommuneCodes(codes)
    resolved = {code: resolver.resolve(code).commune_id for code in codes}
    return {code: commune_id for code, commune_id in resolved.items() if commune_id is not None}


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
        "legal_entity_id": structure["nofinessej"] or None,
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


# --- FINESS cs1100501 (legal entities) -----------------------------------------------------


def import_finess_legal_entities(path: Path | str) -> ImportReport:
    """Import the official FINESS extract ``etalab-cs1100501`` (docs/finess-legal-entities.md).

    Keyed on the FINESS EJ number: a stub that a site created (``is_stub``) is filled in and
    counted updated. The commune is the INSEE code ``departement`` + ``commune`` read through
    ``territories.cog`` (an arrondissement or a former code of another COG year resolves to
    its commune). A code that resolves to no loaded commune leaves the legal entity without
    one and is counted in the report, as the cs1100507 import does for the sites: a legal
    entity is imported whatever its seat. Legal entities feed no indicator, so the import
    sends no ``data_changed``.
    """
    extract = finess_legal_entities.read_legal_entities(path)
    records = extract.records
    insee = [finess.insee_code(r["departement"], r["commune"]) for r in records]
    codes = CommuneCodes(insee)
    report = ImportReport(kind="finess-ej", source_date=extract.extraction_date)
    unresolved: Counter[str] = Counter()
    rows = []
    for record, code in zip(records, insee, strict=True):
        resolved = codes.resolve(code)
        if resolved.commune_id is None:
            unresolved[resolved.how] += 1
        report.rows_by_department[department_code_of(code)] += 1
        rows.append(_legal_entity_row(record, extract.extraction_date, resolved.commune_id))
        check_fits(path, LegalEntity, rows[-1], f"line {record.line}", LEGAL_ENTITY_LABELS)
    for how, why in (
        (How.NOT_LOADED, "commune of a département not loaded"),
        (How.UNKNOWN, "commune code found nowhere (not a loaded, arrondissement or former code)"),
        (How.AMBIGUOUS, "former commune code now split between several communes"),
    ):
        if unresolved[how]:
            report.messages.append(
                f"{path}: {unresolved[how]} legal entit(y/ies) without a commune ({why})"
            )
    with transaction.atomic():
        report.add(upsert(LegalEntity, "finess_ej", rows))
    return report


#: LegalEntity fields as the cs1100501 extract names them, for ``check_fits`` messages.
LEGAL_ENTITY_LABELS = {
    "name": "rs",
    "long_name": "rslongue",
    "legal_status_label": "libstatutjuridique",
    "category_label": "libcategetab",
    "address": "numvoie + compvoie + typvoie + voie",
    "city": "ligneacheminement",
    "ape_code": "codeape",
}


def _legal_entity_row(
    record: finess_legal_entities.LegalEntityRecord, source_date: dt.date, commune_id: int | None
) -> dict[str, Any]:
    postcode, city = _split_acheminement(record["ligneacheminement"])
    number = " ".join(filter(None, [record["numvoie"], record["compvoie"]]))
    street = " ".join(filter(None, [number, record["typvoie"], record["voie"]]))
    return {
        "finess_ej": record["nofiness"],
        "name": record["rs"] or record["rslongue"],
        "long_name": record["rslongue"],
        "legal_status_code": record["statutjuridique"],
        "legal_status_label": record["libstatutjuridique"],
        "category_code": record["categetab"],
        "category_label": record["libcategetab"],
        "address": street,
        "postcode": postcode,
        "city": city,
        "commune_id": commune_id,
        "siren": record["siren"],
        "ape_code": record["codeape"],
        "created_on": record.created_on,
        "source_date": source_date,
        "is_stub": False,
    }


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
        check_field_count(path, line, fields, len(columns))
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
        if commune_id is not None:
            report.rows_by_department[departments[commune_id]] += 1
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
        report.add(bulk_upsert(Facility, "finess_et", [row for _, row in parsed]))
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

AUTHORISATION_COLUMNS = (
    "finess_et", "activity", "modality", "start_date", "end_date", "maternity_type",
)  # fmt: skip
#: Columns a file may leave out.
OPTIONAL_COLUMNS = ("end_date", "maternity_type")
#: The retired modalities that named maternity types (facilities 0013).
RETIRED_TYPES = {"type_1", "type_2a", "type_2b", "type_3"}


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
    absent = [
        name
        for name in AUTHORISATION_COLUMNS
        if name not in columns and name not in OPTIONAL_COLUMNS
    ]
    if absent:
        raise ImportFailed(
            path,
            f"not an authorisation CSV: missing column(s) {', '.join(absent)} "
            f"(expected header {';'.join(AUTHORISATION_COLUMNS[:5])}[;maternity_type])",
            where="line 1",
        )
    index = {name: columns.index(name) for name in AUTHORISATION_COLUMNS if name in columns}

    records: list[tuple[int, dict[str, Any]]] = []
    lookups = _lookups()
    for line, fields in reader:
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(columns):
            raise ImportFailed(
                path, f"{len(fields)} fields, expected {len(columns)}", where=f"line {line}"
            )
        values = {name: fields[i].strip() for name, i in index.items()}
        records.append((line, _authorisation_values(path, line, values, lookups)))
    if not records:
        raise ImportFailed(path, "no data row", where="line 2")
    declared = {line: values.pop("maternity_type") for line, values in records}
    _check_maternity_types(path, records, declared)

    sites = {
        number: (pk, department)
        for number, pk, department in Facility.objects.filter(
            finess_et__in={values["finess_et"] for _, values in records}
        ).values_list("finess_et", "id", "commune__department__code")
    }
    facility_ids = {number: pk for number, (pk, _department) in sites.items()}
    rows, seen, numbers = [], {}, []
    for line, values in records:
        number = values.pop("finess_et")
        numbers.append(number)
        if number not in facility_ids:
            raise ImportFailed(
                path, f"unknown FINESS ET {number}: not in the registry", where=f"line {line}"
            )
        row = {"facility_id": facility_ids[number], "source": Authorisation.Source.ARS, **values}
        key = (number, row["activity_id"], row["modality"], row["start_date"])
        if key in seen:
            raise ImportFailed(
                path,
                f"duplicate authorisation {number} {row['activity_id']} {row['modality'] or '-'} "
                f"from {row['start_date']} (first on line {seen[key]})",
                where=f"line {line}",
            )
        seen[key] = line
        rows.append(row)
    report = ImportReport(kind="authorisations")
    # Rows per département of their site, so the Imports page counts them in its region.
    report.rows_by_department.update(sites[number][1] for number in numbers if sites[number][1])
    with transaction.atomic():
        report.add(
            # Keyed within the ARS rows: a FINESS row of the same site and dates is another
            # authorisation record, never overwritten by a CSV.
            upsert(
                Authorisation,
                ("facility_id", "activity_id", "modality", "start_date", "source"),
                rows,
            )
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


@dataclass(frozen=True)
class _Lookups:
    """The catalogue as a CSV reads it: codes and labels of activities and modalities."""

    index: CatalogueIndex
    activities: dict[str, str]
    modalities: dict[str, str]


def _lookups() -> _Lookups:
    """Built once per file from the catalogue (data: never at import time)."""
    index = catalogue()
    activities = [
        (code, label) for code, label in index.activities.items() if not index.is_equipment(code)
    ]
    return _Lookups(
        index,
        _choice_lookup(activities),
        _choice_lookup([("", "(sans modalité)"), *index.modality_choices()]),
    )


def _authorisation_values(
    path: Path | str, line: int, values: dict[str, str], lookups: _Lookups
) -> dict[str, Any]:
    where = f"line {line}"
    number = values["finess_et"].upper()
    if re.fullmatch(r"\d{8}", number):
        number = number.zfill(9)  # a spreadsheet dropped the leading zero
    if not finess.FINESS_NUMBER.match(number):
        raise ImportFailed(path, f"invalid FINESS ET {values['finess_et']!r}", where=where)
    activity = lookups.activities.get(normalise_label(values["activity"]))
    if activity is None:
        raise ImportFailed(path, f"unknown activity {values['activity']!r}", where=where)
    modality = lookups.modalities.get(normalise_label(values["modality"]))
    if modality is None and values["modality"].strip().lower() in RETIRED_TYPES:
        raise ImportFailed(
            path,
            f"modality {values['modality']!r}: a maternity type is not a modality (décrets "
            "98-899/98-900 authorise units); give one row per unit (obstetrique, neonatologie, "
            "neonatologie_si, reanimation_neonatale) and the type, if wanted, in the "
            "maternity_type column",
            where=where,
        )
    if modality is None:
        raise ImportFailed(path, f"unknown modality {values['modality']!r}", where=where)
    if not lookups.index.allows(activity, modality):
        raise ImportFailed(
            path,
            f"modality {values['modality']!r} is not allowed for activity {values['activity']!r}",
            where=where,
        )
    start = _parse_date(path, line, values["start_date"], "start_date", required=True)
    end = _parse_date(path, line, values.get("end_date", ""), "end_date", required=False)
    if end is not None and end < start:
        raise ImportFailed(path, f"end_date {end} is before start_date {start}", where=where)
    maternity_type = _maternity_type(path, where, values.get("maternity_type", ""), activity)
    return {
        "finess_et": number,
        "maternity_type": maternity_type,
        "activity_id": activity,
        "modality": modality,
        "start_date": start,
        "end_date": end,
    }


def _maternity_type(path: Path | str, where: str, value: str, activity: str) -> str:
    """The maternity type a row declares ("" when none): 1, 2A, 2B or 3, on an obstetric row."""
    value = value.strip().lower().removeprefix("type").strip(" _")
    if not value:
        return ""
    if value not in perinatal.MaternityType.values:
        raise ImportFailed(
            path, f"maternity_type {value!r} is not one of 1, 2A, 2B, 3", where=where
        )
    if activity != perinatal.ACTIVITY:
        raise ImportFailed(
            path, f"maternity_type is given for activity {activity!r}, not obstetrique", where=where
        )
    return value


def _check_maternity_types(
    path: Path | str, records: list[tuple[int, dict[str, Any]]], declared: dict[int, str]
) -> None:
    """A declared maternity type must be the one the site's units in the file make
    (``facilities.perinatal``): the file is refused at the first row that disagrees."""
    units: dict[str, set[str]] = defaultdict(set)
    for _line, values in records:
        if values["activity_id"] == perinatal.ACTIVITY:
            units[values["finess_et"]].add(values["modality"])
    for line, values in records:
        kind = declared[line]
        derived = perinatal.maternity_type(units[values["finess_et"]])
        if kind and kind != derived:
            held = ", ".join(sorted(units[values["finess_et"]])) or "none"
            raise ImportFailed(
                path,
                f"maternity_type {kind.upper()} disagrees with the units of "
                f"{values['finess_et']} in the file ({held}: "
                f"{'type ' + derived.upper() if derived else 'no maternity'})",
                where=f"line {line}",
            )


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


# --- FINESS authorisations: the data.gouv extract and the FINESS+ JSON flow ---------------------

#: Below this share of the départements already loaded from a source, a file is taken for a
#: partial one (a region, a test file) and refused unless ``full``: ending the authorisations
#: of every département it omits would empty the map.
COVERAGE_FLOOR = 0.5


def import_finess_authorisations(path: Path | str, *, full: bool = False) -> ImportReport:
    """Import the data.gouv "FINESS – Extraction des autorisations d'activités de soins".

    See ``docs/finess-authorisations.md``: activities and heavy equipment, official codes kept
    and mapped; authorisations of the départements the file covers that it no longer lists are
    ended (``full``: every département, and no coverage check).
    """
    parsed = finess_authorisations.read_extract(path)
    return _import_official(path, parsed, Authorisation.Source.FINESS_EXTRACT, full=full)


def import_finess_plus_activities(path: Path | str, *, full: bool = False) -> ImportReport:
    """Import the ANS FINESS+ JSON "activités" flow (same rules as the extract)."""
    parsed = finess_authorisations.read_finess_plus(path)
    return _import_official(path, parsed, Authorisation.Source.FINESS_PLUS, full=full)


def _import_official(
    path: Path | str,
    parsed: finess_authorisations.AuthorisationFile,
    source: str,
    *,
    full: bool,
) -> ImportReport:
    kind = {
        Authorisation.Source.FINESS_EXTRACT: "finess-authorisations",
        Authorisation.Source.FINESS_PLUS: "finess-plus-activites",
    }[source]
    report = ImportReport(kind=kind, source_date=parsed.source_date)
    report.source_version = parsed.edition
    report.rows_by_department.update(parsed.departments)
    for reason, count in sorted(parsed.ignored.items()):
        report.messages.append(f"{path}: {count} entr(y/ies) not read: {reason}")
    facility_ids = dict(
        Facility.objects.filter(
            finess_et__in={record.finess_et for record in parsed.records}
        ).values_list("finess_et", "id")
    )
    rows, skipped, not_loaded = _official_rows(path, parsed, source, facility_ids, report)
    for reason, count in sorted(skipped.items()):
        report.messages.append(f"{path}: {count} line(s) outside the catalogue: {reason}")
    if not_loaded:
        report.messages.append(
            f"{path}: {len(not_loaded)} authorisation(s) of établissement(s) non chargé(s) "
            f"(FINESS ET not in the registry, not imported; import the établissements "
            f"first): {', '.join(sorted(set(not_loaded))[:10])}"
            + ("…" if len(set(not_loaded)) > 10 else "")
        )
    covered = set(report.rows_by_department)
    with transaction.atomic():
        loaded = _departments_loaded(source)
        if not full and loaded and len(covered & loaded) < COVERAGE_FLOOR * len(loaded):
            raise ImportFailed(
                path,
                f"the file covers {len(covered & loaded)} of the {len(loaded)} départements "
                f"whose authorisations are loaded from this source ({_listed(covered)}): a "
                "partial file would end the others' authorisations; import it with --full "
                "if it is the complete extract",
            )
        report.add(bulk_upsert(Authorisation, ("source", "source_key"), rows))
        keys = {row["source_key"] for row in rows}
        report.ended_keys = _end_missing(
            source, keys, None if full else covered, parsed.source_date
        )
        report.ended = len(report.ended_keys)
    if report.ended:
        report.messages.append(
            f"{path}: {report.ended} authorisation(s) no longer listed ended on "
            f"{parsed.source_date} (départements {_listed(covered) if not full else 'all'})"
        )
    if report.ended and not (report.created or report.updated):
        data_changed.send(sender=ImportReport, kind=report.kind)
    announce_change(report)
    return report


def _official_rows(
    path: Path | str,
    parsed: finess_authorisations.AuthorisationFile,
    source: str,
    facility_ids: dict[str, int],
    report: ImportReport,
) -> tuple[list[dict[str, Any]], dict[str, int], list[str]]:
    """Rows for ``upsert``; the lines refused (unknown code, dates) go to the report."""
    rows: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}
    not_loaded: list[str] = []
    for record in parsed.records:
        target = record.target
        if target.error:
            report.reject(record.where, target.error)
            continue
        if target.skip:
            skipped[target.skip] = skipped.get(target.skip, 0) + 1
            continue
        start = record.start_date
        if start is None:
            report.reject(record.where, "no date of decision nor of implementation")
            continue
        if record.end_date is not None and record.end_date < start:
            report.reject(record.where, f"end date {record.end_date} before start {start}")
            continue
        facility_id = facility_ids.get(record.finess_et)
        if facility_id is None:
            not_loaded.append(record.finess_et)
            continue
        row = _official_row(record, source, facility_id)
        check_fits(path, Authorisation, row, record.where, OFFICIAL_LABELS)
        rows.append(row)
    return rows, skipped, not_loaded


def _official_row(
    record: finess_authorisations.OfficialAuthorisation,
    source: str,
    facility_id: int,
) -> dict[str, Any]:
    return {
        "source": source,
        "source_key": record.source_key,
        "facility_id": facility_id,
        # Keys of the catalogue by code (None: an equipment has no activity, and vice versa).
        "activity_id": record.target.activity or None,
        "modality": record.target.modality,
        "mention": record.target.mention,
        "equipment_id": record.target.equipment or None,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "authorisation_number": record.authorisation_number,
        "arhgos_number": record.arhgos_number,
        "official_activity_code": record.activity_code,
        "official_activity_label": record.activity_label,
        "official_modality_code": record.modality_code,
        "official_modality_label": record.modality_label,
        "official_form_code": record.form_code,
        "official_form_label": record.form_label,
        "official_equipment_code": record.equipment_code,
        "official_equipment_label": record.equipment_label,
        "decision_date": record.decision_date,
        "implementation_date": record.implementation_date,
        "lapse_date": record.lapse_date,
    }


#: Authorisation fields as the extract names them, for ``check_fits`` messages.
OFFICIAL_LABELS = {
    "authorisation_number": "noautor",
    "arhgos_number": "noautorarhgos",
    "official_activity_label": "libactivite",
    "official_modality_label": "libmodalite",
    "official_form_label": "libforme",
    "official_equipment_label": "libeml",
    "official_activity_code": "activite",
    "official_modality_code": "modalite",
    "official_form_code": "forme",
    "official_equipment_code": "eml",
}


def _departments_loaded(source: str) -> set[str]:
    """Départements (of the FINESS ET numbers) with authorisations in force from ``source``."""
    prefixes = (
        Authorisation.objects.filter(source=source, end_date__isnull=True)
        .annotate(prefix=Substr("facility__finess_et", 1, 2))
        .values_list("prefix", flat=True)
        .distinct()
    )
    return {finess_authorisations.department_of(prefix) for prefix in prefixes}


def _end_missing(
    source: str, keys: set[str], departments: set[str] | None, day: dt.date
) -> list[str]:
    """End (``end_date`` = the file's date, never before the start) the authorisations in
    force from ``source`` that the file no longer lists, in ``departments`` (None: all);
    returns their keys as ``upsert`` names them ("source/source_key")."""
    in_force = Authorisation.objects.filter(source=source, end_date__isnull=True).values_list(
        "id", "source_key", "facility__finess_et"
    )
    ended = {
        pk: key
        for pk, key, number in in_force.iterator(chunk_size=5000)
        if key not in keys
        and (departments is None or finess_authorisations.department_of(number) in departments)
    }
    ids = list(ended)
    for start in range(0, len(ids), 5000):
        Authorisation.objects.filter(id__in=ids[start : start + 5000]).update(
            end_date=Greatest(F("start_date"), Value(day))
        )
    return [key_text((source, key)) for key in ended.values()]


def _listed(departments: set[str]) -> str:
    shown = sorted(departments)
    return ", ".join(shown[:12]) + ("…" if len(shown) > 12 else "")
