"""The production set-up: a real Celery worker, fed through Redis, querying PostGIS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from sros.celery import app
from sros.tasks import healthcheck
from tests.factories import make_commune, make_department

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    """A worker process on the test database and the suite's Redis (scripts/test.sh sets it)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker")
    env = dict(os.environ)
    env["DATABASE_URL"] = "postgis://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sros", "worker", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_the_settings_run_tasks_on_workers_when_redis_is_configured():
    assert settings.REDIS_URL
    assert app.conf.broker_url == settings.REDIS_URL
    assert app.conf.task_always_eager is False


def test_a_worker_runs_a_task_through_redis_against_the_database(worker):
    make_commune("42218", name="Saint-Étienne", department=make_department("42", "Loire"))

    result = healthcheck.delay().get(timeout=60)

    assert result == {"database": "postgresql", "communes": 1}
