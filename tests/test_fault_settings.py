"""The timings of fault handling: production defaults (heartbeat 15 s, stale 90 s, reaper 30 s),
a dead worker's run ended within 2 minutes, the reaper on celery beat, the broker settings that
keep a message until a live worker acknowledges it, and the fault tests' one scaling factor."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.celery import app
from tests.test_faults_worker import FACTOR, FAULT_ENV

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("SROS_HEARTBEAT_SECONDS", "SROS_STALE_SECONDS", "SROS_REAPER_SECONDS")


def settings_in_subprocess(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process, with none of the fault variables set but ``env``."""
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    code = (
        "import json, config.settings as s; print(json.dumps([s.SROS_HEARTBEAT_SECONDS, "
        "s.SROS_STALE_SECONDS, s.SROS_REAPER_SECONDS]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_the_production_defaults_end_a_dead_workers_run_within_two_minutes():
    done = settings_in_subprocess()

    assert done.returncode == 0, done.stderr
    heartbeat, stale, reaper = json.loads(done.stdout)
    assert (heartbeat, stale, reaper) == (15, 90, 30)
    assert stale + reaper <= 120  # the worst case: stale just after a reaper pass
    assert heartbeat * 3 <= stale  # two late beats do not fail a live run


def test_a_stale_delay_too_close_to_the_heartbeat_stops_the_start():
    done = settings_in_subprocess(SROS_HEARTBEAT_SECONDS="15", SROS_STALE_SECONDS="20")

    assert done.returncode != 0
    assert "SROS_STALE_SECONDS must be at least 3 × SROS_HEARTBEAT_SECONDS" in done.stderr


def test_the_fault_tests_run_the_defaults_divided_by_one_factor():
    defaults = {"SROS_HEARTBEAT_SECONDS": 15, "SROS_STALE_SECONDS": 90, "SROS_REAPER_SECONDS": 30}

    assert {name: int(value) * FACTOR for name, value in FAULT_ENV.items()} == defaults


def test_the_reaper_runs_on_celery_beat_every_reaper_period():
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the tasks
    schedule = app.conf.beat_schedule

    assert {entry["task"] for entry in schedule.values()} == {
        "indicators.tasks.reap_runs",
        "dashboard.tasks.reap_export_jobs",
        "opendata.tasks.reap_uploads",
        "sros.tasks.reap_suggestions",
    }
    for entry in schedule.values():
        assert entry["schedule"] == settings.SROS_REAPER_SECONDS
        assert entry["task"] in app.tasks  # registered: beat sends a name a worker knows


def test_a_message_stays_with_the_broker_until_a_live_worker_has_done_it():
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1  # a dead worker holds one message only
    assert app.conf.task_reject_on_worker_lost is False  # no redelivery loop of a killer task
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > settings.CELERY_TASK_TIME_LIMIT  # never redelivered while running
    assert visibility > settings.SROS_STALE_SECONDS + settings.SROS_REAPER_SECONDS
