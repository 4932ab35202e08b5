"""Importer of the Annuaire Santé public extraction ``PS_LibreAcces_Personne_activite``
(kind ``annuaire-sante``; format in ``docs/annuaire-sante.md``, reader ``facilities.annuaire``).

The whole file is read and checked before anything is written (a line that cannot be read, a
commune code found nowhere, a duplicate, and nothing is written); then, in one transaction,
the practice sites and the practitioners' activity rows are upserted, and the rows of the
départements the file covers that it no longer lists are removed: a newer extraction replaces
the professionals of its départements, and leaves the others alone. Re-importing the same file
changes nothing.

Commune codes of another COG year resolve through ``territories.cog`` (an arrondissement of
Paris, Lyon or Marseille to its commune, a former code to its commune nouvelle); codes of
départements that are not loaded are skipped and counted (a national file on a regional
database). A site without a commune code is kept without a location ("commune inconnue"),
counted, when the département its postcode names is loaded.

**No activity and no age** in the public file: the rows are head counts per practice site.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction

from core.import_checks import check_fits
from core.importing import (
    ImportFailed,
    ImportReport,
    announce_change,
    bulk_upsert,
    data_changed,
)
from territories.cog import CommuneCodes, How, department_code_of, refuse_unresolved
from territories.models import Commune

from . import annuaire
from .practitioners import PracticeSite, Practitioner

KIND = "annuaire-sante"

#: Our fields as the file names them, for ``check_fits`` messages.
SITE_LABELS = {
    "structure_key": annuaire.REQUIRED["technical_id"],
    "technical_id": annuaire.REQUIRED["technical_id"],
    "siret": annuaire.REQUIRED["siret"],
    "siren": annuaire.REQUIRED["siren"],
    "finess_site": annuaire.REQUIRED["finess_site"],
    "finess_ej": annuaire.REQUIRED["finess_ej"],
    "name": annuaire.REQUIRED["name"],
    "sign": annuaire.REQUIRED["sign"],
    "address": "Numéro Voie + Libellé Voie (coord. structure)",
    "postcode": annuaire.REQUIRED["postcode"],
    "city": "Libellé commune (coord. structure)",
    "sector_code": annuaire.REQUIRED["sector_code"],
    "sector_label": annuaire.REQUIRED["sector_label"],
    "department_code": annuaire.REQUIRED["department_code"],
}
PRACTITIONER_LABELS = {
    "source_key": "identifiant PP + structure + profession + savoir-faire + mode d'exercice",
    "identifier_type": annuaire.REQUIRED["identifier_type"],
    "national_id": annuaire.REQUIRED["national_id"],
    "profession_code": annuaire.REQUIRED["profession_code"],
    "profession_label": annuaire.REQUIRED["profession_label"],
    "category_code": annuaire.REQUIRED["category_code"],
    "savoir_faire_type": annuaire.REQUIRED["savoir_faire_type"],
    "savoir_faire_code": annuaire.REQUIRED["savoir_faire_code"],
    "savoir_faire_label": annuaire.REQUIRED["savoir_faire_label"],
    "practice_mode_code": annuaire.REQUIRED["practice_mode_code"],
    "practice_mode_label": annuaire.REQUIRED["practice_mode_label"],
}


@dataclass
class _Read:
    """What the file gives for the loaded départements, and what was left aside."""

    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    practitioners: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # source key → line
    departments: Counter[str] = field(default_factory=Counter)
    how: Counter[How] = field(default_factory=Counter)
    not_loaded: Counter[str] = field(default_factory=Counter)
    without_site: int = 0
    abroad: int = 0
    no_department: int = 0
    commune_unknown: set[str] = field(default_factory=set)
    differing_sites: set[str] = field(default_factory=set)
    coordinates: int = 0


def import_annuaire(path: Path | str) -> ImportReport:
    """Import ``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt`` (the date in the name is
    the extraction date, ``report.source_date``)."""
    path = Path(path)
    extraction, records = annuaire.read_extraction(path)
    codes = CommuneCodes()
    read = _Read()
    for record in records:
        _read_line(path, record, codes, read, extraction.source_date)
    _place_at_communes(read)

    report = ImportReport(kind=KIND, source_date=extraction.source_date)
    report.source_version = "Annuaire Santé, extraction publique" + (
        f" du {extraction.source_date:%d/%m/%Y}" if extraction.source_date else ""
    )
    report.rows_by_department.update(read.departments)
    covered = set(read.departments)
    with transaction.atomic():
        sites = bulk_upsert(PracticeSite, "structure_key", read.sites.values())
        site_ids = dict(
            PracticeSite.objects.filter(structure_key__in=list(read.sites)).values_list(
                "structure_key", "id"
            )
        )
        rows = []
        for row in read.practitioners.values():
            row["site_id"] = site_ids[row.pop("structure_key")]
            rows.append(row)
        practitioners = bulk_upsert(Practitioner, "source_key", rows)
        removed, removed_sites = _remove_missing(covered, set(read.practitioners), set(site_ids))
    for counts in (sites, practitioners):
        report.add(counts)
    _notes(report, path, read, sites, practitioners, removed, removed_sites, extraction)
    if (removed or removed_sites) and not (report.created or report.updated):
        data_changed.send(sender=ImportReport, kind=report.kind)
    announce_change(report)
    return report


def _read_line(
    path: Path, record: annuaire.Record, codes: CommuneCodes, read: _Read, source_date
) -> None:
    structure = record.structure_key
    if not structure:
        read.without_site += 1
        return
    if record.abroad:
        read.abroad += 1
        return
    code = record["commune_code"]
    commune_id = None
    if code:
        resolved = codes.resolve(code)
        read.how[resolved.how] += 1
        if resolved.how == How.NOT_LOADED:
            read.not_loaded[department_code_of(code)] += 1
            return
        refuse_unresolved(
            path,
            code,
            resolved,
            f"{record.where} (code {code})",
            unknown_hint=" (Code commune of the activity site; load the communes, and the "
            "INSEE population file for the former codes, first)",
        )
        commune_id = resolved.commune_id
        department = codes.department_of(commune_id)
    else:
        department = record.department_guess
        if not department:
            read.no_department += 1
            return
        if department not in codes.departments:
            read.not_loaded[department] += 1
            return
        read.commune_unknown.add(structure)

    site = _site_row(record, structure, department, commune_id, source_date)
    check_fits(path, PracticeSite, site, record.where, SITE_LABELS)
    if structure in read.sites:
        if _differs(read.sites[structure], site):
            read.differing_sites.add(structure)
    else:
        read.sites[structure] = site
        if record.lonlat:
            read.coordinates += 1

    key = _source_key(record, structure)
    practitioner = _practitioner_row(record, key, structure, source_date)
    check_fits(path, Practitioner, practitioner, record.where, PRACTITIONER_LABELS)
    if key in read.practitioners:
        raise ImportFailed(
            path,
            f"duplicate: practitioner {record['national_id']} at structure {structure[:40]} "
            f"with the same profession, savoir-faire and mode d'exercice (first on line "
            f"{read.lines[key]})",
            where=record.where,
        )
    read.practitioners[key] = practitioner
    read.lines[key] = record.line
    read.departments[department] += 1


def _site_row(
    record: annuaire.Record, structure: str, department: str, commune_id: int | None, source_date
) -> dict[str, Any]:
    return {
        "structure_key": structure,
        "technical_id": record["technical_id"],
        "siret": record["siret"],
        "siren": record["siren"],
        "finess_site": record["finess_site"],
        "finess_ej": record["finess_ej"],
        "name": record["name"],
        "sign": record["sign"],
        "address": record.address(),
        "postcode": record["postcode"],
        "city": record.city(),
        "sector_code": record["sector_code"],
        "sector_label": record["sector_label"],
        "department_code": department,
        "commune_id": commune_id,
        "point": Point(*record.lonlat, srid=4326) if record.lonlat else None,
        "placed_at_commune": False,
        "source_date": source_date,
    }


def _differs(first: dict[str, Any], other: dict[str, Any]) -> bool:
    ignored = {"point"}
    return any(first[name] != other[name] for name in first if name not in ignored)


def _source_key(record: annuaire.Record, structure: str) -> str:
    parts = [
        record["national_id"],
        structure,
        record["profession_code"],
        record["savoir_faire_type"],
        record["savoir_faire_code"],
        record["practice_mode_code"],
        record["pharmacist_section"],
        record["role_code"],
        record["genre_code"],
    ]
    return "|".join(parts).rstrip("|")


def _practitioner_row(
    record: annuaire.Record, key: str, structure: str, source_date
) -> dict[str, Any]:
    return {
        "source_key": key,
        "structure_key": structure,  # replaced by site_id before writing
        "identifier_type": record["identifier_type"],
        "national_id": record["national_id"],
        "profession_code": record["profession_code"],
        "profession_label": record["profession_label"],
        "category_code": record["category_code"],
        "savoir_faire_type": record["savoir_faire_type"],
        "savoir_faire_code": record["savoir_faire_code"],
        "savoir_faire_label": record["savoir_faire_label"],
        "practice_mode_code": record["practice_mode_code"],
        "practice_mode_label": record["practice_mode_label"],
        "activity": record.activity,
        "activity_unit": record.activity_unit,
        "source_date": source_date,
    }


def _place_at_communes(read: _Read) -> None:
    """A site without coordinates gets its commune's representative point."""
    ids = {site["commune_id"] for site in read.sites.values() if site["point"] is None}
    ids.discard(None)
    points = dict(Commune.objects.filter(pk__in=ids).exclude(point=None).values_list("id", "point"))
    for site in read.sites.values():
        if site["point"] is None and site["commune_id"] in points:
            site["point"] = points[site["commune_id"]]
            site["placed_at_commune"] = True


def _remove_missing(
    departments: set[str], practitioner_keys: set[str], site_keys: set[str]
) -> tuple[int, int]:
    """Delete the practitioner rows, then the sites, of ``departments`` the file omits."""
    if not departments:
        return 0, 0
    stale = [
        pk
        for pk, key in Practitioner.objects.filter(
            site__department_code__in=departments
        ).values_list("id", "source_key")
        if key not in practitioner_keys
    ]
    for start in range(0, len(stale), 5000):
        Practitioner.objects.filter(id__in=stale[start : start + 5000]).delete()
    stale_sites = [
        pk
        for pk, key in PracticeSite.objects.filter(department_code__in=departments).values_list(
            "id", "structure_key"
        )
        if key not in site_keys
    ]
    for start in range(0, len(stale_sites), 5000):
        PracticeSite.objects.filter(id__in=stale_sites[start : start + 5000]).delete()
    return len(stale), len(stale_sites)


def _notes(
    report: ImportReport,
    path: Path,
    read: _Read,
    sites,
    practitioners,
    removed: int,
    removed_sites: int,
    extraction: annuaire.Extraction,
) -> None:
    notes = report.messages
    notes.append(
        f"{path}: Annuaire Santé has no activity and no age: head counts per practice site"
    )
    notes.append(
        f"practitioners: {practitioners.created} created, {practitioners.updated} updated, "
        f"{practitioners.unchanged} unchanged; practice sites: {sites.created} created, "
        f"{sites.updated} updated, {sites.unchanged} unchanged"
    )
    if extraction.source_date is None:
        notes.append(
            f"{path}: no extraction date in the file name "
            "(PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt expected)"
        )
    if read.how[How.FORMER]:
        notes.append(f"{read.how[How.FORMER]} line(s) with a former commune code (COG year)")
    if read.how[How.DISTRICT]:
        notes.append(f"{read.how[How.DISTRICT]} line(s) with an arrondissement read as its commune")
    if read.not_loaded:
        notes.append(
            f"{sum(read.not_loaded.values())} line(s) of départements not loaded skipped "
            f"({', '.join(sorted(read.not_loaded))[:200]})"
        )
    if read.commune_unknown:
        notes.append(
            f"{len(read.commune_unknown)} practice site(s) without a Code commune "
            "(commune inconnue): imported without a location, not in the per-commune counts"
        )
    if read.without_site:
        notes.append(f"{read.without_site} line(s) without an activity site skipped")
    if read.abroad:
        notes.append(f"{read.abroad} line(s) with an activity site abroad skipped")
    if read.no_department:
        notes.append(
            f"{read.no_department} line(s) with neither a commune code nor a French postcode "
            "skipped"
        )
    if read.differing_sites:
        notes.append(
            f"{len(read.differing_sites)} practice site(s) described differently on several "
            "lines: the first line's description kept"
        )
    if read.coordinates:
        notes.append(f"{read.coordinates} practice site(s) placed at the file's coordinates")
    if removed or removed_sites:
        notes.append(
            f"{removed} practitioner row(s) and {removed_sites} practice site(s) no longer "
            f"listed removed (départements {', '.join(sorted(read.departments))[:200]})"
        )
