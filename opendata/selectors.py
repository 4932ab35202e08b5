"""Reading the import records: the Imports page's lists, scoped to the reader, and the
provenance a run copies (registered with ``core.provenance`` in ``opendata.apps``)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from access import roles
from territories.models import Department, Region

from .models import ImportRecord, ImportUpload
from .registry import IMPORTERS

#: The keys of ``ImportRecord.changes`` and their names on the page.
CHANGE_LABELS = (
    ("added", _("Ajoutés")),
    ("changed", _("Modifiés")),
    ("ended", _("Clos")),
)

#: What the worker is doing with an upload (``ImportUpload.stage``), for its progress bar.
UPLOAD_STAGES = {
    "start": _("Lecture du fichier"),
    "region": _("Contrôle des lignes dans la région"),
    "import": _("Import"),
}
#: How many uploads the Imports page lists.
RECENT_UPLOADS = 10


def recent_uploads(user) -> list[ImportUpload]:
    """The latest uploads ``user`` may follow (``access.roles.can_view_upload``): all of them
    for an administrator, their own for the others."""
    if not user.is_authenticated:
        return []
    found = ImportUpload.objects.defer("content").select_related("user", "record")
    if not roles.is_admin(user):
        found = found.filter(user=user)
    return list(found.order_by("-created_at")[:RECENT_UPLOADS])


def department_codes_of(region_ids) -> list[str]:
    return list(
        Department.objects.filter(region_id__in=region_ids)
        .order_by("code")
        .values_list("code", flat=True)
    )


def region_ids_of(record: ImportRecord) -> list[int]:
    """The regions whose départements the import's rows are in; every region for a national
    file that does not say where its rows are (the régions, the départements…) once done; none
    for a failed import that got no further."""
    if not record.rows_by_department:
        if record.status != ImportRecord.Status.DONE:
            return []
        return list(Region.objects.values_list("pk", flat=True))
    return list(
        Department.objects.filter(code__in=list(record.rows_by_department))
        .values_list("region_id", flat=True)
        .distinct()
    )


def reader_department_codes(user) -> list[str] | None:
    """The départements whose counts ``user`` reads on the Imports page; None: all (an
    administrator)."""
    if roles.is_admin(user):
        return None
    return department_codes_of(roles.visible_region_ids(user))


def imports_visible_to(user, *, kind: str | None = None) -> QuerySet[ImportRecord]:
    """Every import for an administrator; for the others, those whose rows touched one of
    their regions, and the national files (``region_ids_of``, ``access.roles.can_view_imports``)."""
    records = ImportRecord.objects.select_related("user").order_by("-started_at", "-id")
    if kind:
        records = records.filter(kind=kind)
    codes = reader_department_codes(user)
    if codes is None:
        return records
    if not roles.can_view_imports(user):
        return records.none()
    national = Q(rows_by_department={}, status=ImportRecord.Status.DONE)
    if not codes:
        return records.filter(national)
    return records.filter(national | Q(rows_by_department__has_any_keys=codes))


def kinds_order() -> dict[str, int]:
    return {kind: i for i, kind in enumerate(IMPORTERS)}


def _edition(file_name: str) -> str:
    # Successive editions of one file differ by their digits (dates, COG years):
    # "communes-aura-cog2025.csv" and "…cog2026.csv" are one input, the latter replacing it.
    return re.sub(r"\d+", "#", file_name)


def inputs_provenance(*, region_id: int | None = None) -> list[dict[str, Any]]:
    """The latest successful import of each input file (its latest edition) that a run of
    ``region_id`` reads: those whose rows touched the region, and those that do not say
    where their rows are (national reference files: the régions, the départements)."""
    records = ImportRecord.objects.filter(status=ImportRecord.Status.DONE)
    if region_id is not None:
        codes = department_codes_of([region_id])
        records = records.filter(
            Q(rows_by_department={}) | Q(rows_by_department__has_any_keys=codes or ["-"])
        )
    latest: dict[tuple[str, str], ImportRecord] = {}
    for record in records.order_by("-finished_at", "-id"):
        latest.setdefault((record.kind, _edition(record.file_name)), record)
    order = kinds_order()
    chosen = sorted(latest.values(), key=lambda r: (order.get(r.kind, len(order)), r.file_name))
    return [provenance_entry(record) for record in chosen]


def provenance_entry(record: ImportRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "file": record.file_name,
        "sha256": record.sha256,
        "source_date": record.source_date.isoformat() if record.source_date else None,
        "source_version": record.source_version,
        "imported_at": record.finished_at.isoformat(),
        "import_id": record.pk,
    }
