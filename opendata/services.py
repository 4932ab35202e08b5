"""Importing a file and recording it: the one door of the command, the directory loader and
(later) uploads. The importers themselves stay with their models (``opendata.registry``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, NamedTuple

from django.db import DatabaseError, transaction
from django.utils import timezone

from core.importing import ImportFailed, ImportReport

from .models import KEPT, ImportRecord
from .registry import importer_for


class Imported(NamedTuple):
    report: ImportReport
    record: ImportRecord


def import_file(kind: str, path: Path | str, /, *, user=None, **options: Any) -> Imported:
    """Import ``path`` with the registry's importer of ``kind`` (``options`` are its keyword
    arguments) and write its ``ImportRecord``.

    ``kind`` and ``path`` are positional-only, so that an importer's own option of that name
    (the zoning importer's ``kind``, ``--kind`` on the command line) reaches the importer.

    A file the importer refuses (``ImportFailed``) writes nothing but a failed record naming
    the file, the line and the reason, then the error is raised again (with ``record`` set on
    it). Any other error is recorded as well, as far as the database still allows.
    """
    path = Path(path)
    importer = importer_for(kind)
    started = timezone.now()
    digest, size = _digest(path)
    base = {
        "kind": kind,
        "file_name": path.name,
        "sha256": digest,
        "size": size,
        "options": {k: v for k, v in options.items() if v is not None},
        "user": user if getattr(user, "is_authenticated", False) else None,
        "started_at": started,
    }
    try:
        report = importer(path, **options)
    except ImportFailed as exc:
        exc.record = _failed(base, exc.where, exc.reason)
        raise
    except Exception as exc:
        _failed(base, "", f"{type(exc).__name__}: {exc}"[:2000])
        raise
    previous = (
        ImportRecord.objects.filter(kind=kind, status=ImportRecord.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )
    record = ImportRecord.objects.create(
        **base,
        finished_at=timezone.now(),
        status=ImportRecord.Status.DONE,
        source_date=report.source_date,
        source_version=report.source_version[:200],
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        ended=report.ended,
        rejected_lines=[[where, reason] for where, reason in report.rejected_lines[:KEPT]],
        messages=report.messages[:KEPT],
        rows_by_department=dict(sorted(report.rows_by_department.items())),
        changes={
            "added": _kept(report.created_keys),
            "changed": _kept(report.updated_keys),
            "ended": _kept(report.ended_keys),
        },
        previous=previous,
    )
    return Imported(report, record)


def _kept(keys: list[str]) -> dict[str, Any]:
    return {"total": len(keys), "keys": sorted(keys)[:KEPT]}


def _failed(base: dict[str, Any], where: str, reason: str) -> ImportRecord | None:
    try:
        with transaction.atomic():
            return ImportRecord.objects.create(
                **base,
                finished_at=timezone.now(),
                status=ImportRecord.Status.FAILED,
                error_where=where[:200],
                error=reason,
            )
    except DatabaseError:  # the error left the caller's transaction unusable
        return None


def _digest(path: Path) -> tuple[str, int | None]:
    """SHA-256 and size of the file ("" and None when it cannot be read: the importer then
    reports why)."""
    sha = hashlib.sha256()
    try:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                sha.update(chunk)
        return sha.hexdigest(), path.stat().st_size
    except OSError:
        return "", None
