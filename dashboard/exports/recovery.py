"""Export jobs whose worker died: the reaper re-enqueues them once, then fails them; a failed
job can be started again from its page.

A worker building a job beats its ``heartbeat_at`` every ``SROS_HEARTBEAT_SECONDS``
(``jobs.export_job_run``); a running job whose heartbeat is older than ``SROS_STALE_SECONDS``
lost its worker (killed, machine lost). Re-enqueued, it goes back to queued: whichever delivery
takes it first builds it, and the broker's later redelivery of the dead worker's message finds
it taken and does nothing (``jobs._start`` takes queued jobs only).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.workers import BrokerUnavailable, reap_stale
from dashboard.models import ExportJob

from . import jobs

logger = logging.getLogger(__name__)
Status = ExportJob.Status


def export_jobs_reap(now: dt.datetime | None = None) -> dict[str, int]:
    """Re-enqueue once, then fail, the running jobs without a heartbeat for
    ``SROS_STALE_SECONDS``, and fail the expired ones (``jobs.export_jobs_fail_expired``).
    Run by celery beat every ``SROS_REAPER_SECONDS``; returns how many of each."""
    running = ExportJob.objects.filter(status=Status.RUNNING)
    return reap_stale(running, _reap, jobs.export_jobs_fail_expired, now)


def _reap(job_id, limit: dt.datetime) -> str | None:
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=True)
            .defer("content")
            .filter(pk=job_id, status=Status.RUNNING, heartbeat_at__lt=limit)
            .first()
        )
        if job is None:  # ended, beaten meanwhile, or locked by a live transaction
            return None
        if job.attempt >= settings.SROS_MAX_ATTEMPTS:
            message = _(
                "abandonné : le worker qui le préparait ne répond plus (tentative %(attempt)s "
                "sur %(attempts)s). Relancez l’export."
            ) % {"attempt": job.attempt, "attempts": settings.SROS_MAX_ATTEMPTS}
            jobs.export_job_fail(job.pk, str(message))
            logger.warning("export job %s failed: its worker is gone", job_id)
            return "failed"
        job.attempt += 1
        job.status, job.progress, job.heartbeat_at = Status.QUEUED, 0, None
        job.save(update_fields=["attempt", "status", "progress", "heartbeat_at"])
        transaction.on_commit(lambda: _requeue(job_id))
    logger.warning("export job %s re-enqueued: its worker is gone", job_id)
    return "requeued"


def _requeue(job_id) -> None:
    try:
        jobs.export_job_enqueue(job_id)
    except BrokerUnavailable as error:
        jobs.export_job_fail(job_id, f"{_('service de calcul indisponible')}: {error}")


def export_job_restart(job: ExportJob) -> ExportJob:
    """A new job building what ``job`` (a failed one) was to build, for the same user.

    ``BrokerUnavailable`` if the broker does not take it (and then no job is left)."""
    with transaction.atomic():
        again = ExportJob.objects.create(
            user=job.user,
            region=job.region,
            target=job.target,
            extension=job.extension,
            parameters=job.parameters,
        )
        transaction.on_commit(lambda: jobs.export_job_enqueue(again.pk, withdraw=True))
    return again
