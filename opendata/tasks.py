"""Celery tasks of the open-data imports: they take an upload id and call one service."""

from __future__ import annotations

from celery import shared_task

from . import uploads


@shared_task(acks_late=True, soft_time_limit=55 * 60, time_limit=60 * 60)
def run_upload(upload_id: str) -> str | None:
    """Import an uploaded file (``opendata.uploads.upload_run``)."""
    upload = uploads.upload_run(upload_id)
    return upload.status if upload else None


@shared_task(soft_time_limit=60, time_limit=90)
def reap_uploads() -> dict[str, int]:
    """On celery beat: re-enqueue once, then fail, the uploads whose worker died."""
    return uploads.uploads_reap()
