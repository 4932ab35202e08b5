"""Celery tasks of the schema: they take a job id and call one service."""

from __future__ import annotations

from celery import shared_task

from . import suggestion_jobs


@shared_task(acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def run_suggestion(job_id: int) -> str | None:
    """Compute a suggestion and write it into its scenario (``sros.suggestion_jobs``)."""
    job = suggestion_jobs.suggestion_run(job_id)
    return job.status if job else None


@shared_task(soft_time_limit=60, time_limit=90)
def reap_suggestions() -> dict[str, int]:
    """On celery beat: fail the suggestion jobs whose worker died."""
    return suggestion_jobs.suggestion_jobs_reap()
