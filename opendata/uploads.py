"""Imports as uploads (issue 12 §2): a file uploaded on the Imports page is stored in the
database (``ImportUpload.content``, as export files are: web and worker share no disk), then a
Celery worker (``opendata.tasks.run_upload``) checks a planner's file against the planner's
region row by row (``opendata.scope``) and runs the very importer of ``import_open_data``
through ``services.import_file``, which writes the ``ImportRecord`` the Imports page lists.

The importers validate the whole file, then write in one transaction: a refused file (rows
outside the region, a bad line) writes nothing but its failed upload (and, when the importer
refused it, a failed record). The worker takes the upload under its row lock, so a duplicate
delivery imports nothing twice, and beats its heartbeat; the reaper (``uploads_reap``, on
celery beat) re-enqueues once, then fails, an upload whose worker died. An import is
idempotent: uploading the same file again creates nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.importing import ImportFailed
from core.workers import BrokerUnavailable, heartbeat, publish, reap_stale
from territories.models import Region

from . import scope
from .models import ImportUpload
from .registry import REGION_KINDS
from .services import import_file

logger = logging.getLogger(__name__)
Status = ImportUpload.Status

#: The progress shown at each stage: the importers report no progress of their own, so the
#: bar moves when the worker starts, once the region is checked, and when the import ends.
PROGRESS = {"start": 5, "region": 10, "import": 30}


def upload_create(
    *,
    user,
    kind: str,
    name: str,
    chunks: Iterable[bytes],
    region: Region | None,
    options: dict[str, Any] | None = None,
) -> ImportUpload:
    """Store the uploaded file (``chunks`` of it, named ``name``) and hand it to a worker once
    committed. ``region``: the region every row must be in (a planner's upload), None for none.

    The caller checked who may upload what (``access.roles.can_upload_import``) and the size
    (``SROS_UPLOAD_MAX_BYTES``). If the broker does not take the job, the upload is deleted
    again and ``BrokerUnavailable`` raised when the transaction commits."""
    sha, parts = hashlib.sha256(), []
    for chunk in chunks:
        sha.update(chunk)
        parts.append(chunk)
    content = b"".join(parts)
    options = dict(options or {})
    if region is not None and kind == "zoning":
        options["region"] = region.code  # the zoning is the planner's region's
    upload = ImportUpload.objects.create(
        user=user,
        region=region,
        kind=kind,
        file_name=safe_name(name),
        size=len(content),
        sha256=sha.hexdigest(),
        options=options,
        language=translation.get_language() or "",
        content=content,
    )
    transaction.on_commit(lambda: upload_enqueue(upload.pk, withdraw=True))
    return upload


def safe_name(name: str) -> str:
    """The file's own name, without any directory, as the importer will see it (the Annuaire
    Santé importer reads the extraction date in it)."""
    name = re.sub(r"[\x00-\x1f/\\]", "_", Path(name.replace("\\", "/")).name).strip(". ")
    return name[:255] or "fichier"


def upload_enqueue(upload_id, *, withdraw: bool = False) -> None:
    """Hand the upload to a worker; ``BrokerUnavailable`` if the broker does not take it,
    after deleting the (still queued) upload if ``withdraw``."""
    from .tasks import run_upload  # the task module imports this one

    try:
        publish(lambda: run_upload.apply_async((str(upload_id),), ignore_result=True))
    except BrokerUnavailable:
        if withdraw:
            ImportUpload.objects.filter(pk=upload_id, status=Status.QUEUED).delete()
        raise


# --- on the worker --------------------------------------------------------------------------


def _start(upload_id) -> ImportUpload | None:
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.status != Status.QUEUED:
            return None  # deleted, or a duplicate delivery of an upload already taken
        upload.status, upload.started_at = Status.RUNNING, timezone.now()
        upload.heartbeat_at, upload.progress, upload.stage = upload.started_at, 5, "start"
        upload.save(update_fields=["status", "started_at", "heartbeat_at", "progress", "stage"])
    return upload


def _stage(upload: ImportUpload, stage: str) -> None:
    ImportUpload.objects.filter(pk=upload.pk, status=Status.RUNNING).update(
        stage=stage, progress=PROGRESS[stage]
    )


def upload_fail(
    upload_id,
    message: str,
    *,
    where: str = "",
    outside: list[dict] | None = None,
    record=None,
) -> bool:
    """End an upload that has not ended as failed (its file deleted); returns whether it was."""
    return bool(
        ImportUpload.objects.filter(
            pk=upload_id, status__in=[Status.QUEUED, Status.RUNNING]
        ).update(
            status=Status.FAILED,
            error=message[:20_000],
            error_where=where[:200],
            outside=outside or [],
            record=record,
            content=None,
            finished_at=timezone.now(),
        )
    )


def upload_run(upload_id) -> ImportUpload | None:
    """Import the upload's file (see the module docstring); any failure ends the upload."""
    upload = _start(upload_id)
    if upload is None:
        return ImportUpload.objects.defer("content").filter(pk=upload_id).first()
    try:
        with (
            heartbeat(ImportUpload.objects.filter(pk=upload.pk, status=Status.RUNNING)),
            translation.override(upload.language or settings.LANGUAGE_CODE),
            tempfile.TemporaryDirectory(prefix="sros-upload-") as directory,
        ):
            _import(upload, Path(directory) / upload.file_name)
    except Exception as error:  # noqa: BLE001 - any failure must end the upload, not hang it
        logger.exception("import upload %s failed", upload.pk)
        upload_fail(upload.pk, f"{type(error).__name__}: {error}")
    return ImportUpload.objects.defer("content").get(pk=upload.pk)


def _import(upload: ImportUpload, path: Path) -> None:
    content = ImportUpload.objects.values_list("content", flat=True).get(pk=upload.pk)
    if content is None:
        upload_fail(upload.pk, _("le fichier n’est plus disponible : téléversez-le à nouveau"))
        return
    path.write_bytes(bytes(content))
    del content
    try:
        if upload.region_id is not None and upload.kind in REGION_KINDS:
            _stage(upload, "region")
            outside = scope.rows_outside(upload.kind, path, upload.region)
            if outside:
                upload_fail(
                    upload.pk,
                    scope.refusal_text(outside, upload.region),
                    outside=[
                        {"place": g.place, "lines": g.lines, "count": g.count, "text": g.text}
                        for g in outside
                    ],
                )
                return
        _stage(upload, "import")
        imported = import_file(upload.kind, path, user=upload.user, **upload.options)
    except ImportFailed as error:
        upload_fail(
            upload.pk, error.reason, where=error.where, record=getattr(error, "record", None)
        )
        return
    ImportUpload.objects.filter(pk=upload.pk, status=Status.RUNNING).update(
        status=Status.DONE,
        progress=100,
        stage="",
        record=imported.record,
        content=None,
        finished_at=timezone.now(),
    )


# --- housekeeping ---------------------------------------------------------------------------


def uploads_reap(now: dt.datetime | None = None) -> dict[str, int]:
    """Re-enqueue once, then fail, the running uploads without a heartbeat for
    ``SROS_STALE_SECONDS`` (their worker died: its import's transaction died with it, so
    importing again is safe), and fail those not ended after ``SROS_UPLOAD_EXPIRY_SECONDS``.
    Run by celery beat every ``SROS_REAPER_SECONDS``; returns how many of each."""
    running = ImportUpload.objects.filter(status=Status.RUNNING)
    return reap_stale(running, _reap, uploads_fail_expired, now)


def _reap(upload_id, limit: dt.datetime) -> str | None:
    with transaction.atomic():
        upload = (
            ImportUpload.objects.select_for_update(skip_locked=True)
            .defer("content")
            .filter(pk=upload_id, status=Status.RUNNING, heartbeat_at__lt=limit)
            .first()
        )
        if upload is None:  # ended, beaten meanwhile, or locked by a live transaction
            return None
        if upload.attempt >= settings.SROS_MAX_ATTEMPTS:
            message = _(
                "abandonné : le worker qui l’importait ne répond plus (tentative %(attempt)s "
                "sur %(attempts)s), rien n’a été importé. Téléversez le fichier à nouveau."
            ) % {"attempt": upload.attempt, "attempts": settings.SROS_MAX_ATTEMPTS}
            upload_fail(upload.pk, str(message))
            logger.warning("import upload %s failed: its worker is gone", upload_id)
            return "failed"
        upload.attempt += 1
        upload.status, upload.progress, upload.stage = Status.QUEUED, 0, ""
        upload.heartbeat_at = None
        upload.save(update_fields=["attempt", "status", "progress", "stage", "heartbeat_at"])
        transaction.on_commit(lambda: _requeue(upload_id))
    logger.warning("import upload %s re-enqueued: its worker is gone", upload_id)
    return "requeued"


def _requeue(upload_id) -> None:
    try:
        upload_enqueue(upload_id)
    except BrokerUnavailable as error:
        upload_fail(upload_id, f"{_('service de calcul indisponible')}: {error}")


def uploads_fail_expired(now: dt.datetime | None = None) -> int:
    """Fail the uploads no worker ended in ``SROS_UPLOAD_EXPIRY_SECONDS`` (never taken: the
    broker lost the message, or no worker runs)."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.SROS_UPLOAD_EXPIRY_SECONDS)
    expired = ImportUpload.objects.filter(
        status__in=[Status.QUEUED, Status.RUNNING], created_at__lt=limit
    ).values_list("pk", flat=True)
    message = str(_("abandonné : aucun worker ne l’a importé dans le délai imparti"))
    return sum(upload_fail(pk, message) for pk in list(expired))
