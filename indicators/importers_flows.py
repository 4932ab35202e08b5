"""Patient flows from the PMSI (issue 13 §3): the correspondence of PMSI geographic codes to
communes (kind ``pmsi-codes-geo``) and the stays per residence code and establishment (kind
``patient-flows``). Full account, sources and assumptions: docs/patient-flows.md.

Sources and what could not be checked:

* In the PMSI, the patient's postal code is replaced by a *code géographique de résidence*
  (arrêté « PMSI-SSR » du 30 juin 2011, art. 5 e; the same for MCO and psychiatry). The ATIH
  builds these codes from postal codes and publishes each year the correspondence of the
  codes to communes; a code covers one or several communes. The ATIH's own file could not be
  read with the search tools: the column names accepted here are those public code reading it
  uses (``Code_geo``/``codgeo`` and ``Code_commune_INSEE``) and the obvious French spellings
  — an assumption to check against the ATIH's file.
* The flows layout follows ScanSanté/ATIH « activité par zone géographique » as the issue
  describes it: residence code, FINESS of the establishment (EJ or ET as published), activity
  field, number of stays, per year. Exact column names were not found: the spellings accepted
  are listed in ``FLOW_COLUMNS`` (assumption, to check).
* Statistical secret: the ATIH does not publish cells of fewer than 11 stays (assumption: the
  threshold is quoted in the issue, not read in an ATIH notice). A masked cell (empty,
  ``<11``, ``1 à 10``, ``s``, ``*``, ``nc``, ``secret``) is stored with no stays and
  ``masked`` set, and counted; never read as 0.
* EJ or ET: the AP-HM, HCL and AP-HP transmitted until 2017 both at the EJ and at the sites
  (Documentation SNDS, fiche « Activité en double dans les fichiers PMSI », DREES): a file may
  name either. The level is read from the column name (``finess_ej``/``finess juridique`` →
  EJ, ``finess_et``/``finess géographique`` → ET), else from what the number is among the
  loaded sites and legal entities. The flow stays at that level; ``flows_selectors`` spreads
  an EJ's stays over its sites by a stated rule.

Both imports validate the whole file, then write in one transaction; re-importing the same
file changes nothing, a newer file of the same year (and activity) replaces the rows it no
longer lists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

from django.db import transaction

from core.importing import ImportFailed, ImportReport, announce_change, read_bytes, upsert
from facilities.models import Facility, LegalEntity
from territories.cog import CommuneCodes, How, department_code_of, refuse_unresolved
from territories.models import Commune

from .flows_models import PatientFlow, PmsiGeoCommune
from .flows_tables import cell_text, check_width, find_header, fold, read_rows, where, year_of

GEO_KIND = "pmsi-codes-geo"
FLOW_KIND = "patient-flows"

YEAR = ("année", "annee", "an", "year")
PMSI_CODE = (
    "code géographique", "code géographique PMSI", "code geo", "code_geo", "codgeo",
    "code géographique de résidence", "code_geo_pmsi", "cdgeo",
)  # fmt: skip
COMMUNE = (
    "code commune INSEE",
    "Code_commune_INSEE",
    "code commune",
    "depcom",
    "code insee",
    "com",
)
GEO_COLUMNS = {"year": YEAR, "pmsi_code": PMSI_CODE, "commune": COMMUNE}

FINESS_ANY = ("finess", "n° finess", "numéro finess", "finess établissement")
FINESS_ET = ("finess_et", "finess géographique", "finess geo", "finessgeo")
FINESS_EJ = ("finess_ej", "finess juridique", "finessjur")
FLOW_COLUMNS = {
    "year": YEAR,
    "pmsi_code": PMSI_CODE,
    "finess": FINESS_ANY,
    "finess_et": FINESS_ET,
    "finess_ej": FINESS_EJ,
    "activity": ("activité", "activite", "domaine d'activité", "champ", "champ d'activité"),
    "stays": ("séjours", "nb_sejours", "nombre de séjours", "nb séjours", "nb_sej", "sejours"),
}

INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
PMSI_CODE_FORMAT = re.compile(r"^[0-9][0-9AB][0-9A-Z]{3}$")
FINESS_FORMAT = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
#: The largest stays a cell may hold (the column's, PostgreSQL's integer).
MAX_STAYS = 2_147_483_647
MASKED = {"", "<11", "< 11", "1a10", "1à10", "s", "*", "nc", "secret", "ns"}


def _pmsi_code(path: Path, text: str, at: str) -> str:
    code = text.upper()
    if len(code) == 4 and code.isdigit():  # a spreadsheet dropped the leading zero
        code = code.zfill(5)
    if not PMSI_CODE_FORMAT.match(code):
        raise ImportFailed(
            path, f"PMSI geographic code {text!r} is not a 5-character code", where=at
        )
    return code


# --- the correspondence -----------------------------------------------------------------------


def import_pmsi_geo_codes(path: str | Path) -> ImportReport:
    """Store, per year, the communes each PMSI geographic code covers and each one's share of
    the code's population (populations légales loaded in ``territories``; equal shares where
    none of the code's communes has a population, said in the report)."""
    path = Path(path)
    sheet, rows = read_rows(path, read_bytes(path))
    header_at, at = find_header(path, sheet, rows, GEO_COLUMNS, {"pmsi_code", "commune"})
    listed: dict[tuple[int, str], dict[int, str]] = defaultdict(dict)
    codes = CommuneCodes()
    not_loaded: Counter[str] = Counter()
    seen: dict[tuple[int, str, str], str] = {}
    for line, row in rows[header_at + 1 :]:
        if not row or all(cell in (None, "") for cell in row):
            continue
        here = where(sheet, line)
        check_width(path, sheet, row, rows[header_at][1], here)
        year = year_of(path, cell_text(row, at.get("year")), here)
        pmsi_code = _pmsi_code(path, cell_text(row, at["pmsi_code"]), here)
        commune_code = cell_text(row, at["commune"]).upper().zfill(5)
        if not INSEE_CODE.match(commune_code):
            raise ImportFailed(
                path, f"commune code {commune_code!r} is not an INSEE code", where=here
            )
        resolved = codes.resolve(commune_code)
        if resolved.how == How.NOT_LOADED:
            not_loaded[department_code_of(commune_code)] += 1
            continue
        if resolved.how not in (How.CURRENT, How.FORMER, How.DISTRICT):
            refuse_unresolved(path, commune_code, resolved, here)
        if (year, pmsi_code, commune_code) in seen:
            first = seen[(year, pmsi_code, commune_code)]
            raise ImportFailed(
                path,
                f"commune {commune_code} listed twice under {pmsi_code} (also {first})",
                where=here,
            )
        seen[(year, pmsi_code, commune_code)] = here
        members = listed[(year, pmsi_code)]
        # A former code or an arrondissement joins its commune: listed with it, it adds nothing.
        members.setdefault(resolved.commune_id, here)
    if not listed:
        raise ImportFailed(path, "the file lists no commune of a loaded département")
    db_rows, equal = _shares(listed)
    years = sorted({year for year, _code in listed})
    report = ImportReport(
        kind=GEO_KIND,
        source_date=dt.date(years[-1], 1, 1),
        source_version=f"ATIH codes géographiques PMSI {years[-1]}",
    )
    for row in db_rows:
        report.rows_by_department[codes.department_of(row["commune_id"])] += 1
    with transaction.atomic():
        report.add(upsert(PmsiGeoCommune, ("year", "pmsi_code", "commune_id"), db_rows))
        report.ended = _end_unlisted_communes(listed)
    if equal:
        report.messages.append(
            f"{len(equal)} code(s) whose communes have no population: split in equal shares "
            f"({', '.join(sorted(equal))[:200]})"
        )
    if not_loaded:
        report.messages.append(
            f"{sum(not_loaded.values())} row(s) of départements not loaded skipped "
            f"({', '.join(sorted(not_loaded))[:200]})"
        )
    announce_change(report)
    return report


def _shares(listed: dict[tuple[int, str], dict[int, str]]) -> tuple[list[dict], set[str]]:
    """The rows to store: each commune's population share of its code."""
    ids = {commune_id for members in listed.values() for commune_id in members}
    population = dict(Commune.objects.filter(id__in=ids).values_list("id", "population"))
    rows, equal = [], set()
    for (year, pmsi_code), members in sorted(listed.items()):
        total = sum(population.get(c) or 0 for c in members)
        if total == 0:
            equal.add(pmsi_code)
        for commune_id in members:
            people = population.get(commune_id)
            share = (people or 0) / total if total else 1 / len(members)
            rows.append(
                {
                    "year": year,
                    "pmsi_code": pmsi_code,
                    "commune_id": commune_id,
                    "population": people,
                    "share": share,
                }
            )
    return rows, equal


def _end_unlisted_communes(listed: dict[tuple[int, str], dict[int, str]]) -> int:
    """Remove the communes a listed code no longer covers in that year (a newer edition)."""
    removed = 0
    for (year, pmsi_code), members in listed.items():
        stale = PmsiGeoCommune.objects.filter(year=year, pmsi_code=pmsi_code).exclude(
            commune_id__in=list(members)
        )
        removed += stale.delete()[0]
    return removed


# --- the flows --------------------------------------------------------------------------------


def _stays(path: Path, text: str, at: str) -> int | None:
    """The stays of a cell, None for a cell masked by the statistical secret."""
    if fold(text) in MASKED or text in MASKED:
        return None
    try:
        number = float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        raise ImportFailed(
            path, f"stays {text!r} is neither a number nor a masked cell", where=at
        ) from None
    if number < 0 or not number.is_integer() or number > MAX_STAYS:
        raise ImportFailed(
            path, f"stays {text!r} must be a whole number from 0 to {MAX_STAYS:,}", where=at
        )
    return int(number)


def _finess(path: Path, row: list, at: dict[str, int], here: str) -> tuple[str, str]:
    """(FINESS number, level forced by the column: "et", "ej" or "" to look up)."""
    for key, level in (("finess_et", "et"), ("finess_ej", "ej"), ("finess", "")):
        if key in at:
            text = cell_text(row, at[key]).upper()
            if len(text) == 8 and text.isdigit():  # a spreadsheet dropped the leading zero
                text = text.zfill(9)
            if not FINESS_FORMAT.match(text):
                raise ImportFailed(
                    path, f"FINESS number {text!r} is not a 9-character number", where=here
                )
            return text, level
    raise ImportFailed(path, "no FINESS column", where=here)


def _read_flows(path: Path) -> list[dict]:
    sheet, rows = read_rows(path, read_bytes(path))
    header_at, at = find_header(path, sheet, rows, FLOW_COLUMNS, {"pmsi_code", "activity", "stays"})
    if not {"finess", "finess_et", "finess_ej"} & at.keys():
        raise ImportFailed(
            path,
            "no FINESS column (finess, finess_et or finess_ej)",
            where=where(sheet, rows[header_at][0]),
        )
    flows, seen = [], {}
    for line, row in rows[header_at + 1 :]:
        if not row or all(cell in (None, "") for cell in row):
            continue
        here = where(sheet, line)
        check_width(path, sheet, row, rows[header_at][1], here)
        finess, level = _finess(path, row, at, here)
        activity = cell_text(row, at["activity"])
        if not activity or len(activity) > 40:
            raise ImportFailed(
                path, f"activity {activity!r} must be 1 to 40 characters", where=here
            )
        flow = {
            "year": year_of(path, cell_text(row, at.get("year")), here),
            "activity": activity,
            "pmsi_code": _pmsi_code(path, cell_text(row, at["pmsi_code"]), here),
            "finess": finess,
            "level": level,
            "stays": _stays(path, cell_text(row, at["stays"]), here),
        }
        key = (flow["year"], activity, flow["pmsi_code"], finess)
        if key in seen:
            raise ImportFailed(
                path, f"the same flow is listed twice (also {seen[key]})", where=here
            )
        seen[key] = here
        flows.append(flow)
    if not flows:
        raise ImportFailed(path, "the file lists no flow")
    return flows


def import_patient_flows(path: str | Path) -> ImportReport:
    """Store the stays of each (year, activity, residence code, FINESS) of the file, the
    FINESS level kept, masked cells counted; the rows of each (year, activity) of the file
    that it no longer lists are removed (a newer extraction replaces the older)."""
    path = Path(path)
    flows = _read_flows(path)
    numbers = {flow["finess"] for flow in flows}
    sites = dict(Facility.objects.filter(finess_et__in=numbers).values_list("finess_et", "id"))
    entities = dict(
        LegalEntity.objects.filter(finess_ej__in=numbers).values_list("finess_ej", "id")
    )
    db_rows, unknown = [], set()
    for flow in flows:
        level = flow["level"] or ("et" if flow["finess"] in sites else "")
        level = level or ("ej" if flow["finess"] in entities else "")
        if not (sites.get(flow["finess"]) if level == "et" else entities.get(flow["finess"])):
            unknown.add(flow["finess"])
        db_rows.append(
            {
                **flow,
                "level": level,
                "facility_id": sites.get(flow["finess"]) if level == "et" else None,
                "legal_entity_id": entities.get(flow["finess"]) if level == "ej" else None,
                "masked": flow["stays"] is None,
            }
        )
    years = sorted({flow["year"] for flow in flows})
    report = ImportReport(
        kind=FLOW_KIND, source_date=dt.date(years[-1], 1, 1), source_version=f"PMSI {years[-1]}"
    )
    for row in db_rows:
        report.rows_by_department[department_code_of(row["pmsi_code"])] += 1
    with transaction.atomic():
        report.add(upsert(PatientFlow, ("year", "activity", "pmsi_code", "finess"), db_rows))
        report.ended = _end_unlisted_flows(db_rows)
    masked = sum(row["masked"] for row in db_rows)
    report.messages.append(
        f"{masked} cell(s) masked by the statistical secret (fewer than 11 stays), kept "
        "without stays"
    )
    if unknown:
        report.messages.append(
            f"{len(unknown)} FINESS number(s) neither a loaded site nor a loaded legal entity: "
            f"kept, not placed on the map ({', '.join(sorted(unknown))[:200]})"
        )
    announce_change(report)
    return report


def _end_unlisted_flows(db_rows: list[dict]) -> int:
    listed: dict[tuple[int, str], set[tuple[str, str]]] = defaultdict(set)
    for row in db_rows:
        listed[(row["year"], row["activity"])].add((row["pmsi_code"], row["finess"]))
    removed = 0
    for (year, activity), keys in listed.items():
        stored = PatientFlow.objects.filter(year=year, activity=activity)
        stale = [
            pk for pk, code, finess in stored.values_list("pk", "pmsi_code", "finess")
            if (code, finess) not in keys
        ]  # fmt: skip
        removed += PatientFlow.objects.filter(pk__in=stale).delete()[0]
    return removed
