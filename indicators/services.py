"""Indicator runs: create one, compute it (in chunks per département), mark runs stale.

A run is computed in three steps, so that Celery can share the middle one among workers:

1. ``run_start``: lock the run, load the inputs, record their fingerprint and summary, mark it
   running and return its chunks (the départements of the region);
2. ``run_compute_chunk``: for the units of one département and every level (one process) or
   one level (Celery: a chunk per level and département), the k nearest
   facilities and the unit–facility pairs within the 2SFCA cut-off (the provider calls, the
   costly part), returned as compact JSON;
3. ``run_finish``: under the run's row lock, the aggregates per zone, département and region,
   2SFCA, and every value written in one transaction, then the run marked done.

Every step checks the run's state first, so a duplicate delivery is harmless; any error marks
the run failed with its message and leaves the values of every other run untouched. Transient
errors (database or broker connection) propagate instead, for the task to retry.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import provenance
from core.workers import BrokerUnavailable, heartbeat, publish, reap_stale
from pathways.models import Level
from pathways.selectors import MISSING, LevelState, level_states
from territories.models import Region
from territories.selectors import region_is_empty

from . import inputs, road_networks
from .aggregates import (
    UNDERSERVED_FRACTION,
    Code,
    Kind,
    group_rows,
    group_sets,
    underserved_threshold,
    value_or_none,
)
from .engine import (
    APL_BANDS,
    StepWeights,
    nearest_access,
    two_step_fca,
)
from .engine.travel import Pairs, TravelTimeProvider
from .filters import VALUE_ORDER
from .models import IndicatorRun, IndicatorValue

logger = logging.getLogger(__name__)

#: Nearest facilities kept per unit (the 2nd and 3rd serve what-if closures).
K_NEAREST = 3
#: The progress bar by steps of real work: the inputs recorded (``run_start``) reach
#: START_PROGRESS; each level of each département's block of communes moves it towards
#: CHUNKS_PROGRESS; the finish's computations (assembly, 2SFCA, aggregates) each move it by
#: a step, and the values written end it at 100.
START_PROGRESS = 5
CHUNKS_PROGRESS = 85
FINISH_STEPS = {"assemble": 88, "two_sfca": 91, "aggregates": 95}


def transient_errors() -> tuple[type[BaseException], ...]:
    """Errors worth retrying: a lost database or broker connection, not a bad input."""
    errors: list[type[BaseException]] = [OperationalError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError

        errors.append(RedisConnectionError)
    except ImportError:  # pragma: no cover - redis is a dependency of celery[redis]
        pass
    return tuple(errors)


# --- creating a run -----------------------------------------------------------------------


def default_provider_parameters() -> dict[str, Any]:
    from .engine.travel.crowfly import CrowFly

    return CrowFly().parameters()


def build_provider(parameters: dict[str, Any]) -> TravelTimeProvider:
    """The run's provider. A road network is kept in this process once read (every chunk of
    a run, one per level and département, would read it again): the parameters hold its
    graph's hash, so a network loaded again under its name is a new entry."""
    if parameters.get("provider") == "road":
        return _road_provider(json.dumps(parameters, sort_keys=True), road_networks.cache_dir())
    from .engine.travel import provider_from_parameters

    return provider_from_parameters(parameters, road_cache_dir=road_networks.cache_dir())


@functools.lru_cache(maxsize=2)
def _road_provider(parameters: str, cache_dir) -> TravelTimeProvider:
    from .engine.travel import provider_from_parameters

    return provider_from_parameters(json.loads(parameters), road_cache_dir=cache_dir)


def run_parameters(
    provider: TravelTimeProvider, *, bands: Sequence[tuple[float, float]] = APL_BANDS
) -> dict[str, Any]:
    """Everything a run's figures depend on besides the data, stored with the run."""
    weight = StepWeights(tuple(bands))
    return {
        "provider": provider.parameters(),
        "k": K_NEAREST,
        "two_sfca": {"weight": weight.parameters(), "max_minutes": weight.max_minutes},
        "capacity": {
            "value": inputs.FACILITY_CAPACITY,
            "note": "every facility counts 1: beds and FTE are not in the open data loaded",
        },
        "underserved": {
            "fraction": UNDERSERVED_FRACTION,
            "definition": "2SFCA access zero, or below fraction × the region's "
            "population-weighted mean access for the level",
        },
        "beyond_target": "T > target (strictly); unreachable counts as beyond",
    }


class RunRefused(ValueError):
    """A run that would only fail in the worker, refused before any row is written; its
    message (French) says why and what to import."""


def check_region_loaded(region: Region) -> None:
    """Refuse a run for a region without a single commune loaded: the worker would fail on
    it (no unit to compute), so every entry point (page, admin, command) says so at once."""
    if region_is_empty(region):
        raise RunRefused(
            _(
                "aucune commune chargée pour la région %(region)s (%(code)s) : importez ses "
                "communes (import_open_data communes FICHIER) avant de lancer un calcul."
            )
            % {"region": region.name, "code": region.code}
        )


@transaction.atomic
def run_create(
    *,
    region: Region,
    levels: Iterable[Level] | None = None,
    provider_parameters: dict[str, Any] | None = None,
    requested_by=None,
    enqueue: bool = True,
) -> IndicatorRun:
    """A queued run of ``levels`` (all levels by default) for ``region``, enqueued once the
    transaction commits (so the worker finds the row); ``enqueue=False`` leaves it for the
    caller to compute in-process (``run_compute``).

    The provider is built now, so bad parameters (unknown network, unreadable matrix) fail
    here, before anything is queued. If the broker does not take the task, the run is deleted
    again and ``BrokerUnavailable`` raised when the transaction commits: no queued row is left
    that nothing would ever run. A region with no commune loaded raises ``RunRefused``.
    """
    check_region_loaded(region)
    provider = build_provider(provider_parameters or default_provider_parameters())
    runs_fail_expired()
    chosen = list(levels) if levels is not None else list(Level.current.all())
    if not chosen:
        raise ValueError("no pathway level to compute")
    retired = [level for level in chosen if not level.active]
    if retired:
        raise RunRefused(
            _("niveau retiré, qui n'est plus calculé : %(levels)s")
            % {"levels": ", ".join(str(level) for level in retired)}
        )
    run = IndicatorRun.objects.create(
        region=region,
        provider=provider.name,
        parameters=run_parameters(provider),
        requested_by=requested_by,
    )
    run.levels.set(chosen)
    if enqueue:
        transaction.on_commit(lambda: _enqueue_or_withdraw(run.pk))
    return run


def _enqueue(run_id: int, attempt: int = 1) -> None:
    from .tasks import compute_run

    # No result wanted: the web never waits for it, so the publish touches the broker only.
    publish(lambda: compute_run.apply_async((run_id, attempt), ignore_result=True))


def _enqueue_or_withdraw(run_id: int) -> None:
    try:
        _enqueue(run_id)
    except BrokerUnavailable:
        IndicatorRun.objects.filter(pk=run_id, status=IndicatorRun.Status.QUEUED).delete()
        raise


def run_restart(run: IndicatorRun, *, requested_by=None) -> IndicatorRun:
    """A new run with the levels and provider of ``run`` (a failed one, from its page); a
    level retired since is left out (pathways 0005)."""
    return run_create(
        region=run.region,
        levels=list(run.levels.filter(active=True)),
        provider_parameters=run.parameters.get("provider"),
        requested_by=requested_by,
    )


# --- state changes ------------------------------------------------------------------------


def _locked(run_id: int) -> IndicatorRun:
    return IndicatorRun.objects.select_for_update().get(pk=run_id)


def _current(run: IndicatorRun, status: str, attempt: int | None) -> bool:
    """Whether ``run`` is in ``status`` and, if given, at ``attempt``: else a message is a
    duplicate, or a late delivery of an earlier attempt, and changes nothing."""
    return run.status == status and (attempt is None or run.attempt == attempt)


def run_fail(run_id: int, message: str, *, attempt: int | None = None) -> bool:
    """Mark a queued or running run failed; False if it had already ended (done or failed), or
    if ``attempt`` is given and the run has been re-enqueued since."""
    with transaction.atomic():
        run = _locked(run_id)
        if run.status not in (IndicatorRun.Status.QUEUED, IndicatorRun.Status.RUNNING):
            return False
        if attempt is not None and run.attempt != attempt:
            return False
        run.status = IndicatorRun.Status.FAILED
        run.error = message[:10_000]
        run.finished_at = timezone.now()
        run.held = []
        run.save(update_fields=["status", "error", "finished_at", "held"])
    logger.warning("indicator run %s failed: %s", run_id, message)
    return True


def runs_fail_expired(now: dt.datetime | None = None) -> int:
    """Fail the runs queued or running for longer than ``SROS_RUN_EXPIRY_SECONDS``.

    A worker killed between two tasks (machine restart, OOM) leaves its run unfinished with
    no task left to end it; without this it would show a progress bar forever. Called before
    a new run is created. Returns the number of runs failed.
    """
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.SROS_RUN_EXPIRY_SECONDS)
    expired = IndicatorRun.objects.filter(
        status__in=[IndicatorRun.Status.QUEUED, IndicatorRun.Status.RUNNING],
        created_at__lt=limit,
    ).values_list("pk", flat=True)
    message = _("abandonné : aucun worker ne l'a terminé dans le délai imparti")
    return sum(run_fail(run_id, str(message)) for run_id in list(expired))


def _fail_from(run_id: int, where: str, exc: BaseException, attempt: int | None = None) -> None:
    logger.exception("indicator run %s: %s", run_id, where)
    message = f"{where}: {type(exc).__name__}: {exc}" if where else f"{type(exc).__name__}: {exc}"
    run_fail(run_id, message, attempt=attempt)


# --- workers holding a run, and the reaper -------------------------------------------------


def _take(run_id: int, part: str, attempt: int | None, status: str) -> bool:
    """Record that a worker holds ``part`` of the run (if the run is in ``status`` and at
    ``attempt``), with a first heartbeat; False means a duplicate or late delivery."""
    with transaction.atomic():
        run = IndicatorRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or not _current(run, status, attempt):
            return False
        run.held = [*[p for p in run.held if p != part], part]
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["held", "heartbeat_at"])
    return True


def _release(run: IndicatorRun, part: str) -> None:
    """Forget that a worker holds ``part`` (the caller saves ``held`` under the row lock)."""
    run.held = [p for p in run.held if p != part]
    run.heartbeat_at = timezone.now()


def _beating(run_id: int, attempt: int | None):
    rows = IndicatorRun.objects.filter(
        pk=run_id, status__in=[IndicatorRun.Status.QUEUED, IndicatorRun.Status.RUNNING]
    )
    return heartbeat(rows if attempt is None else rows.filter(attempt=attempt))


def runs_reap(now: dt.datetime | None = None) -> dict[str, int]:
    """Re-enqueue once, then fail, the runs a worker holds with no heartbeat for
    ``SROS_STALE_SECONDS`` (its worker was killed, or lost its machine); and fail the runs
    expired (``runs_fail_expired``). Run by celery beat every ``SROS_REAPER_SECONDS``.

    A run whose row is locked is skipped: the transaction holding it is alive (a dead worker's
    connection, and its locks, are gone). Returns the number of runs re-enqueued and failed.
    """
    held = IndicatorRun.objects.filter(
        status__in=[IndicatorRun.Status.QUEUED, IndicatorRun.Status.RUNNING]
    ).exclude(held=[])
    return reap_stale(held, _reap, runs_fail_expired, now)


def _reap(run_id: int, limit: dt.datetime) -> str | None:
    with transaction.atomic():
        run = IndicatorRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        if (
            run is None
            or run.status not in (IndicatorRun.Status.QUEUED, IndicatorRun.Status.RUNNING)
            or not run.held
            or run.heartbeat_at is None
            or run.heartbeat_at >= limit
        ):
            return None
        lost = ", ".join(run.held)
        if run.attempt >= settings.SROS_MAX_ATTEMPTS:
            run.status = IndicatorRun.Status.FAILED
            run.error = _(
                "abandonné : le worker qui le calculait ne répond plus (%(parts)s, "
                "tentative %(attempt)s sur %(attempts)s). Relancez le calcul."
            ) % {"parts": lost, "attempt": run.attempt, "attempts": settings.SROS_MAX_ATTEMPTS}
            run.finished_at = timezone.now()
            run.held = []
            run.save(update_fields=["status", "error", "finished_at", "held"])
            logger.warning("indicator run %s failed: its worker is gone (%s)", run_id, lost)
            return "failed"
        run.attempt += 1
        run.status = IndicatorRun.Status.QUEUED
        run.held, run.chunks_done, run.progress = [], [], 0
        run.work = {**run.work, "done": {}}
        run.heartbeat_at = None
        run.timings = {**run.timings, f"lost (attempt {run.attempt - 1})": lost}
        run.save()
        attempt = run.attempt
        transaction.on_commit(lambda: _requeue(run_id, attempt))
    logger.warning("indicator run %s re-enqueued: its worker is gone (%s)", run_id, lost)
    return "requeued"


def _requeue(run_id: int, attempt: int) -> None:
    try:
        _enqueue(run_id, attempt)
    except BrokerUnavailable as error:
        run_fail(run_id, f"{_('service de calcul indisponible')}: {error}", attempt=attempt)


def runs_mark_stale(region: Region | None = None) -> int:
    """Flag the done runs (of ``region``, or all) whose data has changed since; returns how
    many. Stale runs are still shown, with a warning, until a new run replaces them."""
    runs = IndicatorRun.objects.filter(status=IndicatorRun.Status.DONE, stale=False)
    if region is not None:
        runs = runs.filter(region=region)
    return runs.update(stale=True)


# --- step 1: start ------------------------------------------------------------------------


def _levels_of(run: IndicatorRun) -> list[Level]:
    return list(
        run.levels.select_related("pathway").order_by("pathway__order", "pathway__code", "rank")
    )


def record_level_states(run: IndicatorRun) -> None:
    """Set ``run.level_states`` from the data loaded now (not saved): each level computed,
    approximated by facility kind, or missing an input (``pathways.selectors.level_state``)."""
    states = level_states(run.region, run.levels.prefetch_related("requirements"))
    run.level_states = {str(pk): state.as_json() for pk, state in states.items()}


def _level_facilities(run: IndicatorRun) -> list[inputs.LevelFacilities]:
    """The facilities of each level of ``run`` that is not missing an input, served as its
    recorded state says (a run without recorded states computes every level as written).
    Read once per process while the registry stays as it is (``inputs.registry_stamp``)."""
    stamp = inputs.registry_stamp()
    result = []
    for level in _levels_of(run):
        state = LevelState.from_json(run.level_state_of(level.pk))
        if state.state == MISSING:
            continue
        result.append(inputs.load_level_facilities(level, absent=state.absent, stamp=stamp))
    return result


def _load_all(run: IndicatorRun) -> tuple[inputs.Units, list[inputs.LevelFacilities]]:
    units = inputs.load_units(run.region)
    return units, _level_facilities(run)


def chunk_code(department: str, level_id: int | None = None) -> str:
    """A chunk: every level of a département's communes (``"01"``), or one level of them
    (``"01/7"``, level id 7)."""
    return department if level_id is None else f"{department}/{level_id}"


def chunk_parts(chunk: str) -> tuple[str, int | None]:
    """The département and level id (None: every level) of a chunk code."""
    department, _, level = chunk.partition("/")
    return department, (int(level) if level else None)


def run_start(run_id: int, attempt: int | None = None, *, by_level: bool = False) -> list[str]:
    """Lock a queued run, record its inputs and mark it running; returns its chunks, or [] if
    the run is not queued (a duplicate delivery), not at ``attempt`` (a late delivery of an
    earlier attempt) or failed.

    A chunk is a département's communes for every level, or with ``by_level`` for one level
    (``chunk_code``): the workers then share the levels too, and the bar moves as each level
    of each block of communes is done. In one process (``run_compute``) a chunk per
    département reads each département's communes once."""
    if not _take(run_id, "start", attempt, IndicatorRun.Status.QUEUED):
        return []
    with _beating(run_id, attempt):
        return _start(run_id, attempt, by_level)


def _start(run_id: int, attempt: int | None, by_level: bool) -> list[str]:
    try:
        with transaction.atomic():
            run = _locked(run_id)
            if not _current(run, IndicatorRun.Status.QUEUED, attempt):
                return []
            started = time.perf_counter()
            record_level_states(run)
            units, facilities = _load_all(run)
            if len(units) == 0:
                raise ValueError(f"region {run.region.code} has no commune with a point")
            run.fingerprint = inputs.fingerprint(units, facilities)
            run.inputs_summary = inputs.summary(units, facilities)
            run.inputs_provenance = provenance.collect(region_id=run.region_id)
            communes = dict(
                zip(
                    units.department_codes,
                    np.bincount(units.department, minlength=len(units.department_codes)).tolist(),
                    strict=True,
                )
            )
            if by_level and facilities:
                run.chunks = [
                    chunk_code(department, level.level_id)
                    for department in units.department_codes
                    for level in facilities
                ]
            else:
                run.chunks = list(units.department_codes)
            run.chunks_done = []
            run.work = {
                "units": {chunk: communes[chunk_parts(chunk)[0]] for chunk in run.chunks},
                "levels": 1 if by_level and facilities else len(facilities),
                "done": {},
            }
            run.progress = START_PROGRESS
            run.error = ""
            run.status = IndicatorRun.Status.RUNNING
            run.started_at = timezone.now()
            run.timings = {
                **{k: v for k, v in run.timings.items() if k.startswith("lost ")},
                "inputs": round(time.perf_counter() - started, 3),
            }
            _release(run, "start")
            run.save()
            return list(run.chunks)
    except transient_errors():
        raise
    except Exception as exc:
        _fail_from(run_id, "inputs", exc, attempt)
        return []


# --- step 2: one chunk --------------------------------------------------------------------


def _finite_or_none(values: np.ndarray) -> list[float | None]:
    """``value_or_none`` of each value, vectorised (a chunk holds k × units × levels)."""
    array = np.asarray(values, dtype=np.float64)
    out = array.astype(object)
    out[~np.isfinite(array)] = None
    return out.tolist()


def _facilities_digest(facilities: list[inputs.LevelFacilities]) -> str:
    digest = hashlib.sha256()
    for level in facilities:
        digest.update(str(level.level_id).encode())
        digest.update("\x1f".join(level.places.ids.tolist()).encode())
        digest.update(level.places.lon.tobytes() + level.places.lat.tobytes())
    return digest.hexdigest()


def run_compute_chunk(run_id: int, chunk: str, attempt: int | None = None) -> dict[str, Any] | None:
    """Nearest facilities and 2SFCA pairs of one chunk: a département's units for every level
    or for one (``chunk_code``).

    Returns plain lists (JSON for a Celery chord): unit codes, per level the k nearest minutes
    (None = unreachable) and facility indices, and the pairs within the cut-off. None if the
    run is not running (failed meanwhile, or already done) or not at ``attempt`` (a late
    delivery), or if this chunk failed.
    """
    part = f"chunk {chunk}"
    if not _take(run_id, part, attempt, IndicatorRun.Status.RUNNING):
        return None
    with _beating(run_id, attempt):
        return _compute_chunk(run_id, chunk, attempt)


def _compute_chunk(run_id: int, chunk: str, attempt: int | None) -> dict[str, Any] | None:
    department, level_id = chunk_parts(chunk)
    try:
        run = IndicatorRun.objects.select_related("region").get(pk=run_id)
        started = time.perf_counter()
        provider = build_provider(run.parameters["provider"])
        max_minutes = float(run.parameters["two_sfca"]["max_minutes"])
        units = inputs.load_units(run.region, departments=[department], with_zonings=False)
        facilities = _level_facilities(run)
        result: dict[str, Any] = {
            "chunk": chunk,
            "department": department,
            "units": units.places.ids.tolist(),
            "facilities": _facilities_digest(facilities),
            "levels": {},
        }
        levels = [f for f in facilities if level_id is None or f.level_id == level_id]
        if level_id is not None and not levels:
            raise ValueError(f"level {level_id} is not computed by this run")
        for done, level in enumerate(levels):
            if done:
                _level_done(run_id, chunk, done, attempt)
            nearest = nearest_access(provider, units.places, level.places, k=run.parameters["k"])
            if len(level):
                pairs = provider.within(units.places, level.places, max_minutes)
            else:
                pairs = Pairs(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
            result["levels"][str(level.level_id)] = {
                "minutes": [_finite_or_none(row) for row in nearest.minutes],
                "facility": nearest.facility.tolist(),
                "pairs": [
                    np.asarray(pairs.origin).tolist(),
                    np.asarray(pairs.destination).tolist(),
                    np.asarray(pairs.minutes, dtype=np.float64).tolist(),
                ],
            }
        result["seconds"] = round(time.perf_counter() - started, 3)
    except transient_errors():
        raise
    except Exception as exc:
        where = f"département {department}" + (f", {_level_name(level_id)}" if level_id else "")
        _fail_from(run_id, where, exc, attempt)
        return None
    if not _chunk_done(run_id, chunk, result["seconds"], attempt):
        return None
    return result


def work_progress(work: dict[str, Any], chunks: Sequence[str], chunks_done: Sequence[str]) -> int:
    """The progress bar once the chunks have made ``work`` (START_PROGRESS..CHUNKS_PROGRESS),
    by units of real work: each level of each département's block of communes, weighted by
    its number of communes. A run recorded without ``work`` (before it existed) counts whole
    chunks."""
    units, levels = work.get("units") or {}, work.get("levels") or 0
    span = CHUNKS_PROGRESS - START_PROGRESS
    if not units or not levels:
        return START_PROGRESS + span * len(chunks_done) // max(len(chunks), 1)
    done = work.get("done") or {}
    finished = set(chunks_done)
    total = sum(units.values()) * levels
    made = sum(
        n * (levels if c in finished else min(done.get(c, 0), levels)) for c, n in units.items()
    )
    return START_PROGRESS + span * made // max(total, 1)


def _level_name(level_id: int) -> str:
    """A level as the pages name it (« Urgences – 1. … »), for a chunk's error message."""
    level = Level.objects.select_related("pathway").filter(pk=level_id).first()
    return str(level) if level else f"niveau {level_id}"


def _level_done(run_id: int, chunk: str, levels: int, attempt: int | None) -> None:
    """Record that ``levels`` levels of a chunk are computed, so the bar moves within a chunk.
    A short transaction of its own (the chunk's result is only kept once whole); a count never
    goes down, so a duplicate delivery of the chunk does not move the bar back."""
    with transaction.atomic():
        run = _locked(run_id)
        if not _current(run, IndicatorRun.Status.RUNNING, attempt):
            return
        done = dict(run.work.get("done") or {})
        if levels <= done.get(chunk, 0):
            return
        done[chunk] = levels
        run.work = {**run.work, "done": done}
        run.progress = max(run.progress, work_progress(run.work, run.chunks, run.chunks_done))
        run.save(update_fields=["work", "progress"])


def _chunk_done(run_id: int, chunk: str, seconds: float, attempt: int | None) -> bool:
    """Record a finished chunk; progress is recomputed from the set of finished chunks, so a
    duplicate delivery of a chunk does not move the bar twice. False if the run has ended or
    been re-enqueued meanwhile."""
    with transaction.atomic():
        run = _locked(run_id)
        if not _current(run, IndicatorRun.Status.RUNNING, attempt):
            return False
        if chunk not in run.chunks_done:
            run.chunks_done = [*run.chunks_done, chunk]
        run.progress = max(run.progress, work_progress(run.work, run.chunks, run.chunks_done))
        run.timings = {**run.timings, f"chunk {chunk}": seconds}
        _release(run, f"chunk {chunk}")
        run.save(update_fields=["chunks_done", "progress", "timings", "held", "heartbeat_at"])
    return True


# --- step 3: finish -----------------------------------------------------------------------


def run_finish(
    run_id: int, results: Sequence[dict[str, Any] | None], attempt: int | None = None
) -> IndicatorRun:
    """Aggregates, 2SFCA and every value of the run written in one transaction, under the
    run's row lock; the run is then done. A run not running, or not at ``attempt``, is
    returned as it is."""
    if _take(run_id, "finish", attempt, IndicatorRun.Status.RUNNING):
        with _beating(run_id, attempt):
            _finish_locked(run_id, results, attempt)
    return IndicatorRun.objects.get(pk=run_id)


def _finish_locked(
    run_id: int, results: Sequence[dict[str, Any] | None], attempt: int | None
) -> None:
    """The computations first, outside any transaction, so that the progress they report is
    seen; then, under the run's row lock, the inputs checked once more against the run's
    fingerprint and every value written in one transaction."""
    try:
        run = IndicatorRun.objects.select_related("region").get(pk=run_id)
        if not _current(run, IndicatorRun.Status.RUNNING, attempt):
            return
        finished = _finish_compute(run, results, attempt)
        with transaction.atomic():
            run = _locked(run_id)
            if not _current(run, IndicatorRun.Status.RUNNING, attempt):
                return
            _finish_write(run, finished)
    except transient_errors():
        raise
    except Exception as exc:
        _fail_from(run_id, "aggregates", exc, attempt)


def _check_inputs(run: IndicatorRun, results: Sequence[dict[str, Any] | None]):
    """The inputs as loaded now, refused if they are not those the run started from."""
    units, facilities = _load_all(run)
    if inputs.fingerprint(units, facilities) != run.fingerprint:
        raise RuntimeError("the data changed during the run; start a new run")
    digest = _facilities_digest(facilities)
    if any(r["facilities"] != digest for r in results if r):
        raise RuntimeError("the facilities changed during the run; start a new run")
    return units, facilities


def _step_progress(run_id: int, step: str, attempt: int | None) -> None:
    """Move the bar to the finish ``step``'s value (never back), in a short transaction."""
    rows = IndicatorRun.objects.filter(
        pk=run_id, status=IndicatorRun.Status.RUNNING, progress__lt=FINISH_STEPS[step]
    )
    if attempt is not None:
        rows = rows.filter(attempt=attempt)
    with transaction.atomic():
        rows.update(progress=FINISH_STEPS[step])


def _finish_compute(
    run: IndicatorRun, results: Sequence[dict[str, Any] | None], attempt: int | None
) -> dict[str, Any]:
    """Every value of the run (rows), from the chunks' results and the inputs, with the
    timings and thresholds; nothing is written but the progress."""
    timings = dict(run.timings)
    missing = sorted(set(run.chunks) - {r.get("chunk", r["department"]) for r in results if r})
    if missing:
        raise RuntimeError(f"chunks without a result: {', '.join(missing)}")
    with _timed(timings, "inputs (finish)"):
        units, facilities = _check_inputs(run, results)
    with _timed(timings, "assemble"):
        nearest, pairs = _assemble(run, units, facilities, results)
    _step_progress(run.pk, "assemble", attempt)
    rows: list[tuple] = []
    weight = StepWeights(tuple(tuple(b) for b in run.parameters["two_sfca"]["weight"]["bands"]))
    with _timed(timings, "two_sfca"):
        access = {
            f.level_id: two_step_fca(
                pairs[f.level_id], inputs.level_population(units, f), f.capacity, weight
            ).access
            for f in facilities
        }
    _step_progress(run.pk, "two_sfca", attempt)
    with _timed(timings, "aggregates"):
        rows += _commune_rows(units, facilities, nearest, access)
        thresholds = {}
        for f in facilities:
            thresholds[str(f.level_id)] = underserved_threshold(
                access[f.level_id], inputs.level_population(units, f)
            )
        for kind, zoning_id, codes, groups, of_commune in group_sets(run.region, units):
            rows += group_rows(
                kind,
                zoning_id,
                codes,
                groups,
                of_commune,
                units,
                facilities,
                nearest,
                access,
                thresholds,
            )
    _step_progress(run.pk, "aggregates", attempt)
    return {"rows": rows, "timings": timings, "thresholds": thresholds, "results": results}


def _finish_write(run: IndicatorRun, finished: dict[str, Any]) -> None:
    """Under the run's row lock: the inputs checked again (a change since the computations
    fails the run), the values written, the run done."""
    timings, rows = finished["timings"], finished["rows"]
    with _timed(timings, "inputs (check)"):
        _check_inputs(run, finished["results"])
    with _timed(timings, "write"):
        IndicatorValue.objects.filter(run=run).delete()
        write_values(run.pk, rows)
    transaction.on_commit(analyze_values)
    timings["values"] = len(rows)
    timings["total"] = round((timezone.now() - run.started_at).total_seconds(), 3)
    run.inputs_summary = {**run.inputs_summary, "underserved_threshold": finished["thresholds"]}
    run.timings = timings
    run.status = IndicatorRun.Status.DONE
    run.progress = 100
    run.finished_at = timezone.now()
    run.held = []
    run.save()


class _timed:
    def __init__(self, timings: dict[str, float], label: str) -> None:
        self.timings, self.label = timings, label

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.label] = round(time.perf_counter() - self.start, 3)


def _assemble(
    run: IndicatorRun,
    units: inputs.Units,
    facilities: list[inputs.LevelFacilities],
    results: Sequence[dict[str, Any]],
) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], dict[int, Pairs]]:
    """The chunks' lists back into arrays in the order of ``units``."""
    position = {code: i for i, code in enumerate(units.places.ids.tolist())}
    k = run.parameters["k"]
    nearest: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    pairs: dict[int, Pairs] = {}
    for level in facilities:
        minutes = np.full((len(units), k), np.inf)
        index = np.full((len(units), k), -1, dtype=np.int64)
        origins, destinations, times = [], [], []
        for result in results:
            rows = np.array([position[code] for code in result["units"]], dtype=np.int64)
            data = result["levels"].get(str(level.level_id))
            if data is None:  # a chunk of another level
                continue
            if len(rows):
                chunk_minutes = np.array(data["minutes"], dtype=np.float64).reshape(len(rows), k)
                minutes[rows] = np.nan_to_num(chunk_minutes, nan=np.inf)
                index[rows] = np.array(data["facility"], dtype=np.int64).reshape(len(rows), k)
            origin, destination, time_ = data["pairs"]
            origins.append(rows[np.asarray(origin, dtype=np.int64)])
            destinations.append(np.asarray(destination, dtype=np.int64))
            times.append(np.asarray(time_, dtype=np.float64))
        nearest[level.level_id] = (minutes[:, 0], index[:, 0])
        pairs[level.level_id] = Pairs(
            np.concatenate(origins) if origins else np.empty(0, np.int64),
            np.concatenate(destinations) if destinations else np.empty(0, np.int64),
            np.concatenate(times) if times else np.empty(0),
        )
    return nearest, pairs


def _commune_rows(units, facilities, nearest, access) -> list[tuple]:
    codes = units.places.ids.tolist()
    rows = [
        (Kind.COMMUNE, code, None, Code.POPULATION, None, None, float(p))
        for code, p in zip(codes, units.population.tolist(), strict=True)
    ]
    for level in facilities:
        minutes, index = nearest[level.level_id]
        nearest_ids = np.append(level.facility_ids, -1)[index]  # NO_DESTINATION -> -1
        for code, t, fid, a in zip(
            codes,
            minutes.tolist(),
            nearest_ids.tolist(),
            access[level.level_id].tolist(),
            strict=True,
        ):
            rows.append(
                (Kind.COMMUNE, code, None, Code.NEAREST_MINUTES, level.level_id,
                 fid if fid >= 0 else None, value_or_none(t))
            )  # fmt: skip
            rows.append(
                (
                    Kind.COMMUNE,
                    code,
                    None,
                    Code.ACCESS_2SFCA,
                    level.level_id,
                    None,
                    value_or_none(a),
                )
            )
    return rows


# --- writing values -----------------------------------------------------------------------

_COLUMNS = ("run_id", "unit_kind", "unit_code", "zoning_id", "indicator", "level_id",
            "facility_id", "value")  # fmt: skip


def write_values(run_id: int, rows: Sequence[tuple], *, method: str | None = None) -> None:
    """Insert the rows (unit kind, code, zoning, indicator, level, facility, value) of a run.

    PostgreSQL COPY (psycopg 3) where available, the rows numbered in the list's order
    (``IndicatorValue.position``, ``_copy_numbered``); else ``bulk_create`` in batches
    (SpatiaLite), unnumbered: such a run's list pages with ``OFFSET``. ``method`` forces one
    ("copy" or "bulk") for the benchmark.
    """
    method = method or ("copy" if connection.vendor == "postgresql" else "bulk")
    if method == "copy":
        _copy_numbered(run_id, rows)
        return
    IndicatorValue.objects.bulk_create(
        (
            IndicatorValue(
                run_id=run_id, unit_kind=kind, unit_code=code, zoning_id=zoning,
                indicator=indicator, level_id=level, facility_id=facility, value=value,
            )
            for kind, code, zoning, indicator, level, facility, value in rows
        ),
        batch_size=getattr(settings, "SROS_INDICATOR_BATCH_SIZE", 2000),
    )  # fmt: skip


_STAGE = "sros_indicator_values_in"


def _copy_numbered(run_id: int, rows: Sequence[tuple]) -> None:
    """COPY the rows into a temporary table made from the values table's own columns (their
    types and collations: the numbering sorts as the list's ``ORDER BY`` does), then one
    ``INSERT … SELECT`` numbers them in the list's order (``filters.VALUE_ORDER``; the run is
    one value of its first key). The rows are written once; the temporary table is not
    logged. Rows equal on every key of the order (none in a run the engine writes) are
    numbered in any order between them, as ``OFFSET`` would page them."""
    table, columns = IndicatorValue._meta.db_table, ", ".join(_COLUMNS)
    order = ", ".join(VALUE_ORDER[1:])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGE} AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((run_id, *row))
        cursor.execute(
            f"INSERT INTO {table} ({columns}, position) "
            f"SELECT {columns}, row_number() OVER (ORDER BY {order}) - 1 FROM {_STAGE}"
        )
        cursor.execute(f"DROP TABLE {_STAGE}")


def analyze_values() -> None:
    """``ANALYZE`` the values table once a run's values are committed (PostgreSQL).

    Autovacuum analyses a table only after a share of it changed and then within its naptime
    (and had not, minutes after, in bench_load's database): until then the planner has no
    statistics for the new run's 69,000 values of region 84 and pages far into the API's
    values list took 500-580 ms each, 35-47 ms once analysed (0.24 s of ANALYZE on 277,000
    rows; measured on the loaded 2-core machine). A failure is logged, never the run's."""
    if connection.vendor != "postgresql":
        return
    try:  # a savepoint when called inside a transaction (a test's), so a failure stays here
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {IndicatorValue._meta.db_table}")
    except DatabaseError:
        logger.warning("ANALYZE of the indicator values failed", exc_info=True)


# --- all steps in-process -----------------------------------------------------------------


def run_compute(run_id: int) -> IndicatorRun:
    """The whole run in this process, chunk after chunk (``compute_indicators --sync``)."""
    chunks = run_start(run_id)
    results = []
    for chunk in chunks:
        result = run_compute_chunk(run_id, chunk)
        if result is None:
            break
        results.append(result)
    else:
        if chunks:
            return run_finish(run_id, results)
    return IndicatorRun.objects.get(pk=run_id)
