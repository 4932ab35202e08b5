"""The production set-up: a real Celery worker, fed through Redis, querying PostGIS."""

import pytest
from django.conf import settings

from config.celery import app
from territories.tasks import healthcheck
from tests.factories import make_commune, make_department
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    with celery_worker() as process:
        yield process


def test_the_settings_run_tasks_on_workers_when_redis_is_configured():
    assert settings.REDIS_URL
    assert app.conf.broker_url == settings.REDIS_URL
    assert app.conf.task_always_eager is False


def test_a_worker_runs_a_task_through_redis_against_the_database(worker):
    make_commune("42218", name="Saint-Étienne", department=make_department("42", "Loire"))

    result = healthcheck.delay().get(timeout=120)  # includes the worker's start

    assert result == {"database": "postgresql", "communes": 1}
