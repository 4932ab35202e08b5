"""A suggestion whose worker is killed with ``kill -9`` while it computes ends by itself: the
beat reaper of a live worker fails it (a suggestion is asked again, not re-enqueued), the
scenario keeps its changes, and the dead worker's message delivered again does nothing. Real
processes, as in tests/test_faults_worker.py: the job blocks where a worker would (the
communes' table locked by the test), the worker is killed, nothing is mocked. With Redis
stopped, asking a suggestion answers 503 at once and leaves no queued job."""

from __future__ import annotations

import pytest
import redis
from django.urls import reverse

from access.services import membership_grant
from sros import scenarios, services, suggestion_jobs, workflow
from sros.models import Scenario, SuggestionJob
from tests.factories import make_emergency_region
from tests.personas import make_user
from tests.test_faults_worker import (
    celery_pointed_at,
    fault_worker,
    handled,
    kill_9,
    own_redis,
    restore_unacked,
    table_locked,
    unacked,
)
from tests.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scenario():
    world = make_emergency_region((3, 2), (0, 3))
    planner = make_user("planner")
    membership_grant(user=planner, region=world["region"], role="planner")
    schema = services.schema_create(region=world["region"])
    draft = workflow.version_new_draft(schema, user=planner)
    scenario = scenarios.scenario_create(
        version=draft, name="Suggestion", user=planner,
        changes=[{"kind": "close", "finess": "010000001"}],
    )  # fmt: skip
    return {"scenario": scenario, "level": world["level"], "planner": planner}


def test_a_suggestion_whose_worker_is_killed_is_failed_by_the_reaper(scenario, tmp_path):
    s = scenario
    with table_locked("territories_commune"), fault_worker(tmp_path, "first") as first:
        job = suggestion_jobs.suggestion_create(
            scenario=s["scenario"], user=s["planner"], level=s["level"], model="mclp",
            target_minutes=30, p=1, points=None,
        )  # fmt: skip
        running = wait_until(
            lambda: SuggestionJob.objects.filter(pk=job.pk, status="running").first(),
            what="job taken",
        )
        wait_until(
            lambda: SuggestionJob.objects.get(pk=job.pk).heartbeat_at > running.heartbeat_at,
            what="a heartbeat beaten while the job blocks",
        )
        kill_9(first)
    assert SuggestionJob.objects.get(pk=job.pk).status == "running"
    [message] = unacked("sros.tasks.run_suggestion", job.pk)

    with fault_worker(tmp_path, "second", purge=False):
        ended = wait_until(
            lambda: SuggestionJob.objects.filter(pk=job.pk, status="failed").first(),
            what="the reaper failed the job",
        )
        restore_unacked()
        wait_until(lambda: handled(message), what="the dead worker's message delivered again")

    assert "ne répond plus" in ended.error
    again = SuggestionJob.objects.get(pk=job.pk)
    assert (again.status, again.finished_at) == ("failed", ended.finished_at)  # not run again
    kept = Scenario.objects.get(pk=s["scenario"].pk)
    assert list(kept.changes.values_list("kind", flat=True)) == ["close"]
    assert kept.lock_version == 0


def test_with_redis_down_asking_a_suggestion_answers_503_and_leaves_no_job(scenario, client):
    s = scenario
    client.force_login(s["planner"])
    url = reverse("schema:scenario_suggest", args=[s["scenario"].pk])
    data = {"level": s["level"].pk, "model": "mclp", "p": "1", "candidates": "communes"}
    with own_redis() as (server, broker), celery_pointed_at(broker):
        up = client.post(url, data)
        assert up.status_code == 302 and redis.Redis.from_url(broker).llen("celery") == 1
        SuggestionJob.objects.all().delete()
        server.terminate()
        server.wait(timeout=30)
        down = client.post(url, data)

    assert down.status_code == 503
    assert "service de calcul indisponible, réessayez" in down.content.decode().lower()
    assert not SuggestionJob.objects.exists()  # no orphan queued job
    assert not Scenario.objects.get(pk=s["scenario"].pk).changes.exclude(kind="close").exists()
