"""Faults end cleanly and nothing is lost, tried on real processes: a Celery worker killed with
``kill -9`` in the middle of a run or of an export job, and a Redis that stops.

The workers run the production code with the production timings divided by ``FACTOR``
(heartbeat 15 s → 1 s, stale 90 s → 6 s, reaper 30 s → 2 s), so that a dead worker's run is
noticed in seconds. Each test makes its work block deterministically where a worker would hold
it: a travel-time matrix on a named pipe nobody writes to (a hung network share), or the
values table locked by the test. Nothing is mocked: the worker is killed, the message it held
stays unacknowledged in Redis, and the broker's own restore sweep delivers it again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from kombu import Connection

from config.celery import app
from dashboard.exports import jobs
from dashboard.models import ExportJob
from indicators import services
from indicators.models import IndicatorRun
from tests.factories import make_emergency_region
from tests.waits import TIMEOUT_S, wait_until
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)

#: Production timings (settings' defaults) are divided by this in the workers of these tests.
FACTOR = 15
FAULT_ENV = {
    "SROS_HEARTBEAT_SECONDS": str(15 // FACTOR),
    "SROS_STALE_SECONDS": str(90 // FACTOR),
    "SROS_REAPER_SECONDS": str(30 // FACTOR),
}
#: Upper bound of every wait (tests.waits' default): far above stale + reaper (8 s) plus a
#: worker's start.
BOUND = TIMEOUT_S


def kill_9(process: subprocess.Popen) -> None:
    """SIGKILL the worker and every process of its session (its beat, its pool)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@contextmanager
def fault_worker(tmp_path: Path, name: str, *, purge: bool = True) -> Iterator[subprocess.Popen]:
    with celery_worker(
        beat_schedule=tmp_path / f"beat-{name}", env=FAULT_ENV, purge=purge
    ) as process:
        try:
            yield process
        finally:  # a worker blocked on its test's lock or pipe would not stop when asked
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    kill_9(process)


@pytest.fixture
def region_84():
    """Région 84, départements 01 (3 communes) and 02 (2 communes), one emergency service in
    each, and a level of its own."""
    return make_emergency_region((3, 2), (0, 3))


def matrix_text(communes) -> str:
    lines = ["origin_id,destination_id,minutes"] + [
        f"{c.code},{finess},{10 + i}"
        for i, c in enumerate(communes)
        for finess in ("010000001", "020000001")
    ]
    return "\n".join(lines) + "\n"


def unacked(task: str, about: object = "") -> list[dict]:
    """The messages of ``task`` (with ``about`` in their arguments) delivered by Redis and not
    acknowledged (kombu's hash)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    messages = [json.loads(raw)[0] for raw in client.hvals("unacked")]
    return [
        m
        for m in messages
        if m["headers"]["task"] == task and str(about) in m["headers"]["argsrepr"]
    ]


def handled(message: dict) -> bool:
    """Whether ``message`` has been taken from its queue and acknowledged."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    task_id = message["headers"]["id"]
    queued = [json.loads(raw)["headers"]["id"] for raw in client.lrange("celery", 0, -1)]
    pending = [m["headers"]["id"] for m in unacked(message["headers"]["task"])]  # any args
    return task_id not in queued and task_id not in pending


def restore_unacked() -> None:
    """What the broker does once a message's visibility timeout has passed: kombu's own sweep
    (``restore_visible``) puts the unacknowledged messages back in their queue. Run now, with
    a visibility timeout of 0, instead of in two hours."""
    with Connection(settings.REDIS_URL, transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=1000)


def test_a_run_whose_worker_is_killed_is_re_enqueued_once_and_completes(region_84, tmp_path):
    region, level, communes = region_84["region"], region_84["level"], region_84["communes"]
    # A matrix on a named pipe: read once here (the provider is checked at creation), then the
    # worker's chunk blocks opening it, as on a hung network share.
    pipe = tmp_path / "matrix.csv"
    os.mkfifo(pipe)
    writer = threading.Thread(target=pipe.write_text, args=(matrix_text(communes),), daemon=True)
    writer.start()
    with fault_worker(tmp_path, "first") as first:
        run = services.run_create(
            region=region,
            levels=[level],
            provider_parameters={"provider": "matrix", "path": str(pipe)},
        )
        writer.join(timeout=BOUND)
        held = wait_until(
            lambda: IndicatorRun.objects.filter(pk=run.pk, held__0__startswith="chunk").first(),
            what="a chunk held by the worker",
        )
        wait_until(
            lambda: IndicatorRun.objects.get(pk=run.pk).heartbeat_at > held.heartbeat_at,
            what="a heartbeat beaten while the chunk blocks",
        )
        kill_9(first)
    killed = IndicatorRun.objects.get(pk=run.pk)
    assert (killed.status, killed.attempt, killed.held) == ("running", 1, held.held)
    # The dead worker's message, kept by Redis until its visibility timeout.
    [message] = unacked("indicators.tasks.compute_chunk", f"({run.pk}, ")
    pipe.unlink()
    pipe.write_text(matrix_text(communes))  # the share answers again

    with fault_worker(tmp_path, "second", purge=False):
        done = wait_until(
            lambda: IndicatorRun.objects.filter(pk=run.pk, status__in=["done", "failed"]).first(),
            what="the run ended",
        )
        assert done.status == "done", done.error
        assert done.attempt == 2 and done.held == [] and done.progress == 100
        assert done.timings["lost (attempt 1)"] == held.held[0]
        values = sorted(done.values.values_list("unit_code", "indicator", "level_id", "value"))
        assert len(values) > 10

        # The broker's later redelivery of the dead worker's message changes nothing.
        restore_unacked()
        wait_until(
            lambda: handled(message),
            what="the dead worker's message delivered again",
        )
        assert app.AsyncResult(message["headers"]["id"]).get(timeout=BOUND) is None  # no-op
        again = IndicatorRun.objects.get(pk=run.pk)
        assert (again.status, again.attempt, again.finished_at) == ("done", 2, done.finished_at)
        assert sorted(again.values.values_list("unit_code", "indicator", "level_id", "value")) == (
            values
        )


@contextmanager
def table_locked(table: str) -> Iterator[None]:
    """Hold an exclusive lock on ``table`` from another session, so that a job reading or
    writing it blocks; released when the block ends."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"],
        password=params["PASSWORD"] or None,
    ) as locker:  # fmt: skip
        locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            locker.rollback()


def test_an_export_whose_worker_is_killed_is_re_enqueued_once_and_built(
    region_84, tmp_path, django_user_model
):
    region, level = region_84["region"], region_84["level"]
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    run = services.run_create(region=region, levels=[level], enqueue=False)
    assert services.run_compute(run.pk).status == "done"
    export = jobs.read_export_url("/tableau-de-bord/84/exports/indicateurs.csv?units=communes")

    with table_locked("indicators_indicatorvalue"), fault_worker(tmp_path, "first") as first:
        job = jobs.export_job_create(user=user, region=region, request=export)
        running = wait_until(
            lambda: ExportJob.objects.filter(pk=job.pk, status="running").first(),
            what="job taken",
        )
        wait_until(
            lambda: ExportJob.objects.get(pk=job.pk).heartbeat_at > running.heartbeat_at,
            what="a heartbeat beaten while the build blocks",
        )
        kill_9(first)
    assert ExportJob.objects.get(pk=job.pk).status == "running"
    [message] = unacked("dashboard.tasks.build_export", job.pk)

    with fault_worker(tmp_path, "second", purge=False):
        built = wait_until(
            lambda: ExportJob.objects.filter(pk=job.pk, status__in=["done", "failed"]).first(),
            what="the job ended",
        )
        assert built.status == "done", built.error
        assert built.attempt == 2 and built.filename.endswith(".csv")
        assert bytes(built.content).startswith(b"\xef\xbb\xbf")  # the CSV, with its BOM

        restore_unacked()
        wait_until(
            lambda: handled(message),
            what="the dead worker's message delivered again",
        )
        again = ExportJob.objects.get(pk=job.pk)
        assert (again.attempt, again.finished_at) == (2, built.finished_at)  # not rebuilt


def test_a_run_whose_worker_dies_twice_ends_failed_and_offers_a_restart(
    region_84, tmp_path, admin_client
):
    """Second death: the reaper fails the run (no third attempt), and its row on the runs page
    says why and offers to start it again."""
    run = services.run_create(
        region=region_84["region"], levels=[region_84["level"]], enqueue=False
    )
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    IndicatorRun.objects.filter(pk=run.pk).update(
        status="running", attempt=2, held=["chunk 01"], heartbeat_at=long_ago
    )

    with fault_worker(tmp_path, "reaper"):
        failed = wait_until(
            lambda: IndicatorRun.objects.filter(pk=run.pk, status="failed").first(),
            what="the run failed by the reaper",
        )
    assert "abandonné" in failed.error and "chunk 01" in failed.error and failed.held == []
    page = admin_client.get(reverse("indicators:run_list")).content.decode()
    assert reverse("indicators:run_restart", args=[run.pk]) in page
    assert "Relancer ce calcul" in page


# --- Redis down ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def own_redis() -> Iterator[tuple[subprocess.Popen, str]]:
    """A redis-server of this test, on a free port, without persistence."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False

    try:
        wait_until(answers, what="redis-server answering", timeout=30)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def celery_pointed_at(url: str) -> Iterator[None]:
    """Point this process's Celery app (broker and results) at ``url``, then back. Celery keeps
    its broker pools and backend once made: they are dropped so that the next publish uses
    ``url`` (the same reset Celery does after a fork)."""

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    before = (app.conf.broker_url, app.conf.result_backend)
    app.conf.broker_url, app.conf.result_backend = url, url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.result_backend = before
        reset()


def test_with_redis_down_starting_a_run_or_an_export_answers_503_and_leaves_no_row(
    region_84, admin_client
):
    region, level = region_84["region"], region_84["level"]
    run = services.run_create(region=region, levels=[level], enqueue=False)
    services.run_compute(run.pk)
    export_url = "/tableau-de-bord/84/exports/indicateurs.csv?units=communes"
    start_export = reverse("dashboard:export_job_start")
    with own_redis() as (server, url), celery_pointed_at(url):
        # Up: the job is queued in this Redis.
        response = admin_client.post(
            start_export, {"url": export_url}, HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 202
        assert redis.Redis.from_url(url).llen("celery") == 1
        ExportJob.objects.all().delete()
        runs = IndicatorRun.objects.count()

        server.terminate()
        server.wait(timeout=30)
        started = time.monotonic()
        run_page = admin_client.post(reverse("indicators:run_start", args=["84"]))
        export_json = admin_client.post(
            start_export, {"url": export_url}, HTTP_ACCEPT="application/json"
        )
        export_plain = admin_client.post(start_export, {"url": export_url})
        elapsed = time.monotonic() - started
        with pytest.raises(CommandError, match="Service de calcul indisponible"):
            call_command("compute_indicators", "--region", "84")

    assert run_page.status_code == 503
    assert "service de calcul indisponible, réessayez" in run_page.content.decode().lower()
    assert export_json.status_code == 503
    assert "service de calcul indisponible, réessayez" in export_json.json()["error"].lower()
    assert export_plain.status_code == 503
    assert "service de calcul indisponible" in export_plain.content.decode().lower()
    assert IndicatorRun.objects.count() == runs  # no orphan queued run
    assert not ExportJob.objects.exists()  # no orphan queued job
    assert elapsed < 30  # the user is told at once, not after a long retry
