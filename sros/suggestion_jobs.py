"""Suggestion jobs: a suggestion (``sros.suggestions``) asked on a page, computed by a Celery
worker (``sros.tasks.run_suggestion``) and written into its scenario.

The worker takes the job under its row lock (a duplicate delivery does nothing), beats its
heartbeat while it computes, and writes the answer in one transaction through
``sros.scenarios.scenario_update`` under the scenario's ``lock_version`` stored with the job:
if anyone saved the scenario since, the job fails and the scenario keeps its changes. The beat
reaper fails a job whose worker stopped beating (docs/suggestions.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.locking import ConflictError
from core.workers import BrokerUnavailable, heartbeat, publish, reap_stale
from pathways.models import Level

from . import scenarios, suggestions
from .models import Scenario, SuggestionJob
from .services import VersionReadOnly, ensure_editable

logger = logging.getLogger(__name__)
Status = SuggestionJob.Status


def suggestion_create(
    *,
    scenario: Scenario,
    user: AbstractBaseUser,
    level: Level,
    model: str,
    target_minutes: float,
    p: int | None,
    points: list[list[float]] | None,
    goal: float | None = None,
) -> SuggestionJob:
    """Store the request and hand it to a worker once committed; ``BrokerUnavailable`` (and
    no job left) if the broker does not take it. The form checked the values."""
    ensure_editable(scenario.version)
    job = SuggestionJob.objects.create(
        scenario=scenario,
        user=user,
        model=model,
        lock_version=scenario.lock_version,
        parameters={
            "level": level.pk,
            "target_minutes": float(target_minutes),
            "p": p,
            "goal": goal,
            "points": points,
            "language": translation.get_language(),
        },
    )
    transaction.on_commit(lambda: suggestion_enqueue(job.pk, withdraw=True))
    return job


def suggestion_enqueue(job_id: int, *, withdraw: bool = False) -> None:
    from .tasks import run_suggestion  # the task module imports this one

    try:
        publish(lambda: run_suggestion.apply_async((job_id,), ignore_result=True))
    except BrokerUnavailable:
        if withdraw:
            SuggestionJob.objects.filter(pk=job_id, status=Status.QUEUED).delete()
        raise


def _start(job_id: int) -> SuggestionJob | None:
    with transaction.atomic():
        job = SuggestionJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Status.QUEUED:
            return None  # deleted, or a duplicate delivery of a job already taken
        job.status, job.started_at = Status.RUNNING, timezone.now()
        job.heartbeat_at, job.progress = job.started_at, 5
        job.save(update_fields=["status", "started_at", "heartbeat_at", "progress"])
    return job


def _progress(job: SuggestionJob, percent: int) -> None:
    SuggestionJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(progress=percent)


def suggestion_fail(job_id: int, message: str) -> bool:
    """Mark a job that has not ended failed; returns whether it was."""
    return bool(
        SuggestionJob.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
            status=Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
    )


def _compute(job: SuggestionJob) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    parameters = job.parameters
    level = Level.objects.select_related("pathway").prefetch_related("requirements")
    level = level.get(pk=parameters["level"])
    site = suggestions.new_site_of(level)
    if site is None:
        raise ValidationError(_("Un nouveau site ne peut pas servir ce niveau."))
    instance = suggestions.build_instance(
        job.scenario, level, parameters["target_minutes"], parameters.get("points")
    )
    _progress(job, 30)
    result = suggestions.solve(instance, job.model, parameters.get("p"), parameters.get("goal"))
    _progress(job, 80)
    changes = suggestions.answer_changes(result, instance, site, job.model)
    return changes, suggestions.result_summary(result, instance)


def _write(job: SuggestionJob, changes: list[dict[str, Any]]) -> None:
    """Append the new sites to the scenario, if nobody saved it since the job was asked."""
    scenario = job.scenario
    kept = [scenarios.change_values(c) for c in scenario.changes.select_related("facility")]
    scenarios.scenario_update(
        scenario.pk,
        lock_version=job.lock_version,
        name=scenario.name,
        description=scenario.description,
        changes=[*kept, *changes],
        user=job.user,
    )


def suggestion_run(job_id: int) -> SuggestionJob | None:
    """Compute the job's answer and write it as the scenario's changes; a failure is stored
    as the job's error and leaves the scenario as it was."""
    job = _start(job_id)
    if job is None:
        return SuggestionJob.objects.filter(pk=job_id).first()
    job = SuggestionJob.objects.select_related("scenario__version__schema__region", "user").get(
        pk=job.pk
    )
    language = job.parameters.get("language") or settings.LANGUAGE_CODE
    try:
        with (
            heartbeat(SuggestionJob.objects.filter(pk=job.pk, status=Status.RUNNING)),
            translation.override(language),
        ):
            changes, summary = _compute(job)
            with transaction.atomic():
                # Still ours? The reaper may have failed it meanwhile: then nothing is written.
                held = SuggestionJob.objects.select_for_update().filter(pk=job.pk)
                if held.filter(status=Status.RUNNING).exists():
                    _write(job, changes)
                    held.update(
                        status=Status.DONE, progress=100, result=summary,
                        finished_at=timezone.now(),
                    )  # fmt: skip
    except ConflictError:
        suggestion_fail(
            job.pk, _("Le scénario a été modifié depuis la demande : relancez la suggestion.")
        )
    except VersionReadOnly:
        suggestion_fail(job.pk, _("La version n'est plus un brouillon : le scénario est figé."))
    except ValidationError as error:
        suggestion_fail(job.pk, " ".join(error.messages))
    except Exception as error:  # noqa: BLE001 - any failure must end the job, not hang it
        logger.exception("suggestion job %s failed", job.pk)
        suggestion_fail(job.pk, f"{type(error).__name__}: {error}")
    return SuggestionJob.objects.get(pk=job.pk)


# --- housekeeping ---------------------------------------------------------------------------------


def suggestion_jobs_fail_expired(now: dt.datetime | None = None) -> int:
    """Fail the jobs no worker ended within the tasks' hard time limit and then some."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.SROS_RUN_EXPIRY_SECONDS)
    expired = SuggestionJob.objects.filter(
        status__in=[Status.QUEUED, Status.RUNNING], created_at__lt=limit
    ).values_list("pk", flat=True)
    message = str(_("abandonné : aucun worker ne l'a terminé dans le délai imparti"))
    return sum(suggestion_fail(pk, message) for pk in list(expired))


def suggestion_jobs_reap(now: dt.datetime | None = None) -> dict[str, int]:
    """On celery beat: fail the running jobs whose worker stopped beating (a suggestion is
    cheap to ask again, and its scenario was left as it was), and the expired ones."""
    running = SuggestionJob.objects.filter(status=Status.RUNNING)
    return reap_stale(running, _reap, suggestion_jobs_fail_expired, now)


def _reap(job_id: int, limit: dt.datetime) -> str | None:
    with transaction.atomic():
        job = (
            SuggestionJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=Status.RUNNING, heartbeat_at__lt=limit)
            .first()
        )
        if job is None:
            return None
        suggestion_fail(
            job.pk, str(_("abandonné : le worker qui la calculait ne répond plus. Relancez-la."))
        )
    logger.warning("suggestion job %s failed: its worker is gone", job_id)
    return "failed"
