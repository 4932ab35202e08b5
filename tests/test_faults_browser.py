"""The polling pages when a worker dies, in headless Chromium: the runs page and an export
job's page follow a run (a job) that the reaper fails, show the failure with its reason, and
offer to start it again; the restart queues a new one. The reaper is run here as celery beat
runs it on a worker (``test_faults_worker`` runs it there, on killed workers)."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.gis.geos import Point
from django.db import connections

from dashboard.exports import recovery
from dashboard.models import ExportJob
from facilities.models import Facility
from indicators import services
from indicators.models import IndicatorRun
from pathways.models import Level, LevelRequirement, Pathway
from tests.browser import open_browser, session_cookie
from tests.factories import make_commune, make_department, make_region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
TIMEOUT = 60_000  # ms: a generous bound on a loaded machine


def reaper_pass(reap):
    """Run ``reap`` while the browser runs: in a thread of its own, as Playwright's event loop
    makes this one async-unsafe for Django; the thread's connection is closed after it."""

    def call():
        try:
            return reap()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=60)


@pytest.fixture
def region():
    region = make_region("84")
    department = make_department("01", "Ain", region=region)
    commune = make_commune("01001", department=department)
    facility = Facility.objects.create(
        finess_et="010000001", name="CH", kind="ch", source="manual", commune=commune,
        point=Point(commune.point.x, commune.point.y, srid=4326),
    )  # fmt: skip
    facility.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    pathway = Pathway.objects.create(code="urgences-test", name="Urgences (test)")
    level = Level.objects.create(pathway=pathway, rank=1, code="su", name="SU")
    LevelRequirement.objects.create(
        level=level, activity="urgences", modality="su", access_target_minutes=30
    )
    return region


@pytest.fixture
def chief(django_user_model):
    return django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")


def test_the_runs_page_shows_a_run_failed_by_the_reaper_and_restarts_it(
    live_server, region, chief, client
):
    run = services.run_create(region=region, enqueue=False)
    services.run_start(run.pk)
    # Its worker died on its second attempt: the reaper's next pass fails it.
    IndicatorRun.objects.filter(pk=run.pk).update(
        attempt=2, held=["chunk 01"], heartbeat_at=LONG_AGO, progress=45
    )
    cookie = session_cookie(client, chief)
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/indicateurs/")
        page.wait_for_selector(f"tr[data-run='{run.pk}'][data-status='running']")

        assert reaper_pass(services.runs_reap)["failed"] == 1

        row = f"tr[data-run='{run.pk}'][data-status='failed']"
        page.wait_for_selector(f"{row} form.run-restart button", timeout=TIMEOUT)
        error = page.locator(f"{row} .run-error").inner_text()
        page.click(f"{row} form.run-restart button")
        page.wait_for_selector("tr[data-status='queued']", timeout=TIMEOUT)
        notice = page.locator(".messages").inner_text()

    assert "abandonné" in error and "chunk 01" in error
    new = IndicatorRun.objects.exclude(pk=run.pk).get()
    assert new.status == "queued" and new.requested_by == chief
    assert f"n° {run.pk} relancé" in notice
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)


def test_an_export_jobs_page_shows_the_failure_and_restarts_the_job(
    live_server, region, chief, client
):
    job = ExportJob.objects.create(
        user=chief, region=region, target="facilities", extension="csv",
        parameters={"query": {}}, status="running", attempt=2, heartbeat_at=LONG_AGO,
    )  # fmt: skip
    cookie = session_cookie(client, chief)
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(f"{live_server.url}/tableau-de-bord/exports/taches/{job.pk}/")
        page.wait_for_selector("#export-job[data-status='running']")

        assert reaper_pass(recovery.export_jobs_reap)["failed"] == 1

        page.wait_for_selector(
            "#export-job.export-job-failed button.export-job-restart", timeout=TIMEOUT
        )
        failure = page.locator("#export-job .export-job-name").inner_text()
        page.click("#export-job button.export-job-restart")
        page.wait_for_function(
            "() => !document.querySelector('#export-job').classList.contains('export-job-failed')",
            timeout=TIMEOUT,
        )
        line = page.locator("#export-job .export-job-name").inner_text()

    assert "Échec de l’export" in failure and "abandonné" in failure
    new = ExportJob.objects.exclude(pk=job.pk).get()
    assert new.status == "queued" and new.user == chief and new.target == "facilities"
    assert line.startswith("Préparation de l’export")
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
