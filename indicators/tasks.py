"""Celery tasks of indicator runs: they take a run id and call one service each.

A run fans out with a chord: ``compute_run`` starts it and sends one ``compute_chunk`` per
level and département (several workers share them; the bar moves as each is done), then
``finish_run`` gets their results (compact JSON lists) and writes every value. The services
check the run's state under its row lock, so a duplicate delivery (``acks_late``) changes
nothing; a chunk that fails marks the run failed itself, and ``run_failed`` catches what it
cannot (a worker killed at the hard time limit). In eager mode (tests, no REDIS_URL nor demo
worker) the same chord runs in-process.

Every task carries the run's ``attempt``: when the reaper (``reap_runs``, on celery beat)
re-enqueues a run whose worker died, the messages of the earlier attempt that the broker
delivers again later (after its visibility timeout) are no-ops.
"""

from __future__ import annotations

from typing import Any

from celery import chord, shared_task

from . import services

RETRYING: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": services.transient_errors(),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRYING, soft_time_limit=10 * 60, time_limit=11 * 60)
def compute_run(run_id: int, attempt: int | None = None) -> list[str]:
    """Start a queued run and fan its chunks (each level of each département) out to the
    workers."""
    chunks = services.run_start(run_id, attempt, by_level=True)
    if chunks:
        body = finish_run.s(run_id, attempt).on_error(run_failed.s(run_id, attempt))
        chord(compute_chunk.s(run_id, chunk, attempt) for chunk in chunks)(body)
    return chunks


@shared_task(**RETRYING, soft_time_limit=30 * 60, time_limit=31 * 60)
def compute_chunk(run_id: int, chunk: str, attempt: int | None = None) -> dict | None:
    return services.run_compute_chunk(run_id, chunk, attempt)


@shared_task(**RETRYING, soft_time_limit=30 * 60, time_limit=31 * 60)
def finish_run(
    results: list[dict[str, Any] | None], run_id: int, attempt: int | None = None
) -> str:
    return services.run_finish(run_id, results, attempt).status


@shared_task(acks_late=True)
def run_failed(request, exc, traceback, run_id: int, attempt: int | None = None) -> None:
    """Errback of the chord: a part died without marking the run (e.g. hard time limit)."""
    services.run_fail(run_id, f"{type(exc).__name__}: {exc}", attempt=attempt)


@shared_task(soft_time_limit=60, time_limit=90)
def reap_runs() -> dict[str, int]:
    """On celery beat: re-enqueue once, then fail, the runs whose worker died."""
    return services.runs_reap()
