"""The reaper and the late deliveries, in-process: a run or an export job held by a worker
whose heartbeat stopped is re-enqueued once, then failed; one still beating, or waiting in
the queue, is left alone; a message of an earlier attempt changes nothing; a failed run or job
can be started again by who may start it. The same code on killed worker processes:
``test_faults_worker``."""

import datetime as dt

import psycopg
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dashboard.exports import recovery
from dashboard.exports.job_views import job_state
from dashboard.models import ExportJob
from facilities.models import Facility
from indicators import services
from indicators.models import IndicatorRun
from pathways.models import Level, LevelRequirement, Pathway
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def region():
    """Région 84: département 01, two communes, one emergency service; a level of its own."""
    region = make_region("84")
    department = make_department("01", "Ain", region=region)
    communes = [make_commune(f"0100{i}", col=i, row=0, department=department) for i in (1, 2)]
    facility = Facility.objects.create(
        finess_et="010000001", name="CH", kind="ch", source="manual", commune=communes[0],
        point=Point(communes[0].point.x, communes[0].point.y, srid=4326),
    )  # fmt: skip
    facility.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    pathway = Pathway.objects.create(code="urgences-test", name="Urgences (test)")
    level = Level.objects.create(pathway=pathway, rank=1, code="su", name="SU")
    LevelRequirement.objects.create(
        level=level, activity="urgences", modality="su", access_target_minutes=30
    )
    return region


def running(region, **fields) -> IndicatorRun:
    """A started run whose worker holds chunk 01 (``fields`` override its state)."""
    run = services.run_create(region=region, enqueue=False)
    assert services.run_start(run.pk, 1) == ["01"]
    fields = {"held": ["chunk 01"], "heartbeat_at": LONG_AGO, **fields}
    IndicatorRun.objects.filter(pk=run.pk).update(**fields)
    return IndicatorRun.objects.get(pk=run.pk)


def test_a_held_run_without_heartbeat_is_re_enqueued_once_then_failed(
    region, django_capture_on_commit_callbacks
):
    run = running(region, chunks_done=["01"], progress=90)

    with django_capture_on_commit_callbacks() as published:
        assert services.runs_reap() == {"requeued": 1, "failed": 0}

    again = IndicatorRun.objects.get(pk=run.pk)
    assert (again.status, again.attempt, again.held, again.progress) == ("queued", 2, [], 0)
    assert again.chunks_done == [] and again.timings["lost (attempt 1)"] == "chunk 01"
    assert len(published) == 1  # compute_run(run, 2), sent once the transaction commits
    assert services.run_start(run.pk, 2) == ["01"]
    IndicatorRun.objects.filter(pk=run.pk).update(held=["chunk 01"], heartbeat_at=LONG_AGO)

    assert services.runs_reap() == {"requeued": 0, "failed": 1}

    failed = IndicatorRun.objects.get(pk=run.pk)
    assert failed.status == "failed" and failed.held == [] and failed.finished_at
    assert "abandonné" in failed.error and "tentative 2 sur 2" in failed.error


def test_a_run_beating_or_waiting_in_the_queue_is_left_alone(region):
    beating = running(region, heartbeat_at=timezone.now())
    waiting = running(region, held=[])  # its chunks queued behind other work: nobody holds it

    assert services.runs_reap() == {"requeued": 0, "failed": 0}

    for run in (beating, waiting):
        assert IndicatorRun.objects.get(pk=run.pk).status == "running"


def test_a_message_of_an_earlier_attempt_changes_nothing(region):
    run = running(region)
    services.runs_reap()  # attempt 2, queued
    assert services.run_start(run.pk, 1) == []  # compute_run of attempt 1, delivered again
    assert services.run_start(run.pk, 2) == ["01"]

    assert services.run_compute_chunk(run.pk, "01", 1) is None
    assert services.run_fail(run.pk, "errback of attempt 1", attempt=1) is False
    assert services.run_finish(run.pk, [], 1).status == "running"
    during = IndicatorRun.objects.get(pk=run.pk)
    assert during.chunks_done == [] and during.held == []

    chunk = services.run_compute_chunk(run.pk, "01", 2)
    done = services.run_finish(run.pk, [chunk], 2)
    assert done.status == "done", done.error
    assert services.run_compute_chunk(run.pk, "01", 1) is None
    assert services.run_finish(run.pk, [chunk], 1).finished_at == done.finished_at


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_row_is_locked_is_skipped(region):
    """A locked row belongs to a live transaction (a dead worker's locks die with its
    connection): the reaper does not wait for it, nor touch it."""
    run = running(region)
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"],
        password=params["PASSWORD"] or None,
    ) as other:  # fmt: skip
        other.execute("SELECT 1 FROM indicators_indicatorrun WHERE id = %s FOR UPDATE", [run.pk])
        assert services.runs_reap() == {"requeued": 0, "failed": 0}
        other.rollback()
    assert services.runs_reap() == {"requeued": 1, "failed": 0}


def job(user, region, **fields) -> ExportJob:
    return ExportJob.objects.create(
        user=user, region=region, target="indicators", extension="csv",
        parameters={"query": {"units": ["communes"]}}, **fields,
    )  # fmt: skip


def test_a_running_job_without_heartbeat_is_re_enqueued_once_then_failed(
    region, admin_user, django_capture_on_commit_callbacks
):
    dead = job(admin_user, region, status="running", heartbeat_at=LONG_AGO, progress=40)
    beating = job(admin_user, region, status="running", heartbeat_at=timezone.now())
    queued = job(admin_user, region)

    with django_capture_on_commit_callbacks() as published:
        assert recovery.export_jobs_reap() == {"requeued": 1, "failed": 0}

    again = ExportJob.objects.get(pk=dead.pk)
    assert (again.status, again.attempt, again.progress) == ("queued", 2, 0)
    assert len(published) == 1
    assert ExportJob.objects.get(pk=beating.pk).status == "running"
    assert ExportJob.objects.get(pk=queued.pk).status == "queued"
    ExportJob.objects.filter(pk=dead.pk).update(status="running", heartbeat_at=LONG_AGO)

    assert recovery.export_jobs_reap() == {"requeued": 0, "failed": 1}

    failed = ExportJob.objects.get(pk=dead.pk)
    assert failed.status == "failed" and "abandonné" in failed.error


def test_a_failed_run_can_be_started_again_from_the_runs_page(
    region, admin_client, django_capture_on_commit_callbacks
):
    run = running(region)
    services.run_fail(run.pk, "boom")
    alive = running(region, heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("indicators:run_restart", args=[run.pk]))

    assert response.status_code == 302
    new = IndicatorRun.objects.exclude(pk__in=[run.pk, alive.pk]).get()
    assert new.status == "queued" and new.region == region
    assert list(new.levels.all()) == list(run.levels.all())
    assert new.parameters["provider"] == run.parameters["provider"]
    assert admin_client.post(reverse("indicators:run_restart", args=[alive.pk])).status_code == 404
    page = admin_client.get(reverse("indicators:run_list")).content.decode()
    assert reverse("indicators:run_restart", args=[run.pk]) in page
    assert reverse("indicators:run_restart", args=[alive.pk]) not in page


def test_a_failed_export_can_be_started_again_by_its_owner_only(
    region, admin_user, admin_client, client, django_user_model, django_capture_on_commit_callbacks
):
    failed = job(admin_user, region, status="failed", error="abandonné : …")
    state = job_state(failed)
    assert state["restart_url"] == reverse("dashboard:export_job_restart", args=[failed.pk])
    assert job_state(job(admin_user, region))["restart_url"] is None
    page = admin_client.get(
        reverse("dashboard:export_job", args=[failed.pk]), HTTP_ACCEPT="text/html"
    ).content.decode()
    assert state["restart_url"] in page and "Relancer l’export" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(state["restart_url"], HTTP_ACCEPT="application/json")

    assert response.status_code == 202
    new = ExportJob.objects.get(pk=response.json()["id"])
    assert new.status == "queued" and new.parameters == failed.parameters
    assert (new.user, new.target, new.extension) == (admin_user, "indicators", "csv")
    other = django_user_model.objects.create_superuser("autre", "autre@example.org", "pw-autre-1")
    client.force_login(other)
    assert client.post(state["restart_url"]).status_code == 404  # not their job
    running_job = job(admin_user, region, status="running")
    restart = reverse("dashboard:export_job_restart", args=[running_job.pk])
    assert admin_client.post(restart).status_code == 409
