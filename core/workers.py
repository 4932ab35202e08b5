"""What a Celery task needs to end cleanly when a worker or the broker dies.

- ``heartbeat``: while a worker holds a row (a run, an export job), a thread stamps the row's
  ``heartbeat_at`` every ``SROS_HEARTBEAT_SECONDS``; a reaper fails (or re-enqueues) a held row
  whose heartbeat is older than ``SROS_STALE_SECONDS``.
- ``reap_stale``: the reaper's sweep shared by runs, export jobs and uploads;
- ``publish``: send a task, turning a broker that does not answer into ``BrokerUnavailable``
  (the views answer 503) instead of a bare connection error.

Generic infrastructure with no model of its own (its home in the new layout: ``core/``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

#: What a page answers (503) when the broker does not take a task.
UNAVAILABLE = _("Service de calcul indisponible, réessayez dans quelques instants.")


class BrokerUnavailable(Exception):
    """The broker (Redis) did not take a task: nothing will run it."""


def broker_errors() -> tuple[type[BaseException], ...]:
    """What a publish raises when the broker is down or does not answer."""
    from kombu.exceptions import OperationalError as KombuOperationalError

    errors: list[type[BaseException]] = [KombuOperationalError, ConnectionError, TimeoutError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis comes with celery[redis]
        pass
    return tuple(errors)


def publish(send: Callable[[], object]) -> None:
    """Call ``send`` (e.g. ``lambda: task.delay(pk)``); a broker error becomes
    ``BrokerUnavailable``."""
    try:
        send()
    except broker_errors() as error:
        logger.warning("broker unavailable: %s", error)
        raise BrokerUnavailable(str(error)) from error


def _eager() -> bool:
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


@contextmanager
def heartbeat(rows: QuerySet, *, every: float | None = None) -> Iterator[None]:
    """Stamp ``heartbeat_at = now`` on ``rows`` every ``every`` seconds (default
    ``SROS_HEARTBEAT_SECONDS``) from a thread, while the block runs.

    The thread has its own database connection, so a beat is written even while the block
    computes for minutes in one call; it is closed when the block ends. Filter ``rows`` on
    what makes the row still held (its status, its attempt): a late beat then writes nothing.
    Tasks run in-process (eager, the demo) have no reaper, hence no heartbeat.
    """
    if _eager():
        yield
        return
    interval = float(every if every is not None else settings.SROS_HEARTBEAT_SECONDS)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    rows.update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # a lost connection: try again next beat
                    logger.warning("heartbeat not written: %s", error)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's connections only (they are per thread)

    thread = threading.Thread(target=beat, name="sros-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 30)


def reap_stale(
    held: QuerySet,
    reap_one: Callable[[object, dt.datetime], str | None],
    fail_expired: Callable[[dt.datetime], int],
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """The reaper's sweep: each row of ``held`` (rows a worker holds) whose heartbeat is older
    than ``SROS_STALE_SECONDS`` goes to ``reap_one(pk, limit)``, which locks it, checks it is
    still stale and answers ``"requeued"``, ``"failed"`` or None (skipped); then
    ``fail_expired(now)`` fails the rows past their expiry. Returns how many of each."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.SROS_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    for pk in list(held.filter(heartbeat_at__lt=limit).values_list("pk", flat=True)):
        outcome = reap_one(pk, limit)
        if outcome:
            counts[outcome] += 1
    counts["failed"] += fail_expired(now)
    return counts
