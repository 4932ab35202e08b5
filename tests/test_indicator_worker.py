"""Indicator runs on a real Celery worker process fed through Redis, on the test database:
a run fans out per département, goes queued → running → done, and a run whose chunk fails
for a real reason is marked failed without touching the previous run's values."""

import pytest

from indicators import selectors, services
from indicators.models import IndicatorRun
from tests.factories import make_emergency_region
from tests.waits import wait_until
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    """A prefork worker of 2 processes: chunks of one run share them."""
    with celery_worker(pool="prefork", concurrency=2) as process:
        yield process


@pytest.fixture
def two_departments():
    """Région 84 with départements 01 (4 communes) and 02 (3 communes), two emergency
    services, and a level of its own (the seeded ones may have been flushed)."""
    return make_emergency_region((4, 3), (0, 5))


def wait_for_end(run_id: int, timeout: float = 120) -> tuple[IndicatorRun, list[str]]:
    """Poll the run until it is done or failed; returns it and the states seen on the way
    (some may pass between two polls on a loaded machine: its timestamps tell the whole
    story)."""
    seen: list[str] = []

    def ended() -> IndicatorRun | None:
        run = IndicatorRun.objects.get(pk=run_id)
        if not seen or seen[-1] != run.status:
            seen.append(run.status)
        return run if run.status in (IndicatorRun.Status.DONE, IndicatorRun.Status.FAILED) else None

    run = wait_until(ended, timeout=timeout, what=lambda: f"run {run_id} to end (seen {seen})")
    return run, seen


def test_a_run_goes_from_queued_to_done_on_a_worker_with_every_value_stored(
    worker, two_departments
):
    run = services.run_create(region=two_departments["region"], levels=[two_departments["level"]])
    assert run.status == IndicatorRun.Status.QUEUED  # enqueued on commit, not computed here

    run, seen = wait_for_end(run.pk)

    assert run.status == IndicatorRun.Status.DONE, (run.error, worker.poll())
    # The polls see some of queued → running → done, in that order (a loaded machine may let
    # a state pass between two of them); the timestamps show the run went through all three.
    assert seen[-1] == "done" and seen == [s for s in ("queued", "running", "done") if s in seen]
    assert run.created_at <= run.started_at <= run.finished_at
    assert run.progress == 100
    # One chunk per level and département, each shared among the worker's processes.
    level = two_departments["level"].pk
    assert sorted(run.chunks_done) == [f"01/{level}", f"02/{level}"]
    assert {f"chunk 01/{level}", f"chunk 02/{level}"} <= set(run.timings)
    nearest = selectors.run_values(run, indicator="nearest_minutes", unit_kind="commune")
    assert nearest.count() == 7 and not nearest.filter(value=None).exists()
    assert selectors.run_values(run, unit_kind="department", indicator="share_beyond").count() == 2
    assert selectors.latest_run(two_departments["region"]) == run


def test_a_run_failing_midway_is_marked_failed_and_the_previous_values_stay(
    worker, two_departments, tmp_path
):
    region, level = two_departments["region"], two_departments["level"]
    good, _seen = wait_for_end(services.run_create(region=region, levels=[level]).pk)
    assert good.status == IndicatorRun.Status.DONE, good.error
    before = sorted(good.values.values_list("unit_code", "indicator", "level_id", "value"))
    # An external matrix computed for département 01 only: the chunk of 02 cannot be timed.
    lines = ["origin_id,destination_id,minutes"] + [
        f"{c.code},{finess},{12 + i}"
        for i, c in enumerate(two_departments["communes"][:4])
        for finess in ("010000001", "020000001")
    ]
    matrix = tmp_path / "matrix-01.csv"
    matrix.write_text("\n".join(lines) + "\n")

    bad = services.run_create(
        region=region,
        levels=[level],
        provider_parameters={"provider": "matrix", "path": str(matrix)},
    )
    bad, _seen = wait_for_end(bad.pk)

    assert bad.status == IndicatorRun.Status.FAILED
    assert bad.error.startswith(f"département 02, {level}: MatrixError"), bad.error
    assert "absent from the matrix" in bad.error and "02001" in bad.error
    assert not bad.values.exists()
    after = sorted(good.values.values_list("unit_code", "indicator", "level_id", "value"))
    assert after == before
    assert selectors.latest_run(region) == good
