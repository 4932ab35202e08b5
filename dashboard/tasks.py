"""Celery tasks of the dashboard: they take an export job id and call one service."""

from __future__ import annotations

from celery import shared_task

from .exports import jobs, recovery


@shared_task(acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def build_export(job_id: str) -> str | None:
    """Build an export job's file (``dashboard.exports.jobs.export_job_run``)."""
    job = jobs.export_job_run(job_id)
    return job.status if job else None


@shared_task(soft_time_limit=60, time_limit=90)
def reap_export_jobs() -> dict[str, int]:
    """On celery beat: re-enqueue once, then fail, the export jobs whose worker died."""
    return recovery.export_jobs_reap()
