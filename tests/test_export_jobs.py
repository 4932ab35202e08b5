"""Export jobs on the demo region: an export link posted to the job endpoint becomes a job that
the worker's service builds into the very file the link downloads; its progress is stored on the
way; only its owner sees it; bad requests are refused at once; a failing build leaves a failed
job with its reason; abandoned jobs are failed and old ones purged. The worker process itself is
exercised in ``test_export_jobs_worker`` and in the browser test."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from dashboard.exports import build, jobs, writers
from dashboard.exports.tables import Column, ExportError, Table
from dashboard.models import ExportJob
from indicators.models import IndicatorRun
from tests.export_fixtures import facilities_url, values_url, zone_report_url

pytest_plugins = ["tests.api_fixtures", "tests.export_fixtures"]

START = "dashboard:export_job_start"


def start(client, url: str):
    return client.post(reverse(START), {"url": url}, HTTP_ACCEPT="application/json")


def built(job_id) -> ExportJob:
    """Build the job as a worker does (the task calls this one service)."""
    return jobs.export_job_run(job_id)


def test_a_job_builds_the_file_the_link_downloads(analyst, run, level):
    url = values_url("csv", units="communes", indicator="nearest_minutes", level=level.pk)
    direct = analyst.get(url)

    response = start(analyst, url)

    assert response.status_code == 202
    state = response.json()
    assert state["status"] == "queued" and state["progress"] == 0
    job = built(state["id"])
    assert job.status == "done" and job.progress == 100 and job.error == ""
    progress = analyst.get(state["progress_url"]).json()
    assert progress["status"] == "done" and progress["filename"] == job.filename
    download = analyst.get(state["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == direct["Content-Type"]
    assert download["Content-Disposition"] == direct["Content-Disposition"]
    assert download.content == direct.content
    assert job.size == len(direct.content)


def test_an_excel_job_carries_the_same_data_sheet_as_the_direct_build(analyst, run, demo):
    url = values_url("xlsx", units="communes")
    built_here = build.indicator_export(
        run.region, demo.users["analyst"], "xlsx", QueryDict("units=communes")
    )
    direct = openpyxl.load_workbook(io.BytesIO(built_here.body))

    job = built(start(analyst, url).json()["id"])
    file = analyst.get(reverse("dashboard:export_job_file", args=[job.pk]))

    book = openpyxl.load_workbook(io.BytesIO(file.content))
    rows = list(book["Données"].iter_rows(values_only=True))
    assert rows == list(direct["Données"].iter_rows(values_only=True))
    assert len(rows) > 5_000  # every indicator of every commune
    meta = {r[0]: r[1] for r in book["Métadonnées"].iter_rows(values_only=True) if r[0]}
    assert meta["Calcul n°"] == run.pk and meta["Exporté par"] == "demo_analyst"


def test_a_pdf_report_and_a_facility_export_run_as_jobs(analyst, run, demo):
    zoning = demo.region.zonings.first()
    zone = zoning.zones.order_by("code").first()
    report = built(start(analyst, zone_report_url(zoning, zone.code)).json()["id"])
    table = built(start(analyst, facilities_url("csv", kind="ch")).json()["id"])

    pdf = analyst.get(reverse("dashboard:export_job_file", args=[report.pk]))
    assert report.status == "done" and report.filename.endswith(".pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert table.status == "done" and table.filename.startswith("etablissements-99-ch")
    assert table.parameters["query"] == {"kind": ["ch"]}


def test_the_writers_report_their_progress_up_to_the_end():
    table = Table("t", [Column("code", "Code")], [(str(i),) for i in range(5_000)])
    for write in (writers.to_csv, writers.to_xlsx):
        seen: list[float] = []
        write(table, progress=seen.append)
        assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0
        assert len(seen) == 4  # every PROGRESS_EVERY rows, then the end


def test_the_progress_is_stored_as_the_build_goes(run, demo):
    job = ExportJob.objects.create(
        user=demo.users["analyst"], region=run.region, target="indicators", extension="csv",
        status="running",
    )  # fmt: skip
    reporter = jobs._Reporter(job.pk, interval=0)

    reporter(0.42)
    reporter(1.0)

    job.refresh_from_db()
    assert job.progress == 99  # 100 only once the file is stored


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://ailleurs.example/tableau-de-bord/99/exports/indicateurs.csv", "invalide"),
        ("/tableau-de-bord/99/", "inconnue"),
        ("/pas/un/export", "inconnue"),
        ("/tableau-de-bord/99/exports/indicateurs.docx", "Format inconnu"),
        ("/tableau-de-bord/99/exports/indicateurs.csv?units=999999", "Unités inconnues"),
        ("/tableau-de-bord/99/exports/diagnostic/commune/00000.pdf", "Territoire inconnu"),
    ],
)
def test_a_bad_export_is_refused_at_once_and_creates_no_job(analyst, run, url, message):
    response = start(analyst, url)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not ExportJob.objects.exists()


def test_no_job_without_a_done_run(analyst, demo):
    IndicatorRun.objects.filter(region=demo.region).delete()  # the module's run, if computed
    response = start(analyst, values_url("csv"))

    assert response.status_code == 400
    assert "Aucun calcul" in response.json()["error"]


def test_a_job_is_its_owners_only(analyst, run, demo, client):
    job = built(start(analyst, values_url("csv")).json()["id"])
    client.force_login(demo.users["planner"])  # same region, another user

    for name in ("export_job", "export_job_progress", "export_job_file"):
        assert client.get(reverse(f"dashboard:{name}", args=[job.pk])).status_code == 404


def test_another_regions_analyst_cannot_start_an_export(client, run, demo):
    client.force_login(demo.users["outsider"])

    assert start(client, values_url("csv")).status_code == 403
    assert not ExportJob.objects.exists()


def test_the_file_of_an_unfinished_job_is_a_conflict(analyst, run):
    state = start(analyst, values_url("csv")).json()

    response = analyst.get(state["download_url"])

    assert response.status_code == 409


def test_a_failing_build_fails_the_job_with_its_reason_and_nothing_else(analyst, run):
    kept = built(start(analyst, values_url("csv")).json()["id"])
    state = start(analyst, values_url("csv", run=run.pk)).json()
    IndicatorRun.objects.filter(pk=run.pk).update(status=IndicatorRun.Status.FAILED)

    job = built(state["id"])

    assert job.status == "failed" and job.content is None
    assert job.error  # says why
    assert ExportJob.objects.get(pk=kept.pk).status == "done"
    assert analyst.get(state["progress_url"]).json()["error"] == job.error


def test_a_job_already_taken_is_not_built_twice(analyst, run):
    job = built(start(analyst, values_url("csv")).json()["id"])
    finished_at = job.finished_at

    again = built(job.pk)  # a duplicate delivery of the task

    assert again.status == "done" and again.finished_at == finished_at


def test_abandoned_jobs_fail_and_old_jobs_are_purged(analyst, run, settings):
    state = start(analyst, values_url("csv")).json()
    old = built(start(analyst, values_url("csv")).json()["id"])
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    ExportJob.objects.filter(pk=state["id"]).update(created_at=two_hours_ago, status="running")
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    progress = analyst.get(state["progress_url"]).json()  # the poll fails what is abandoned
    start(analyst, values_url("csv"))  # a new job purges the old ones

    assert progress["status"] == "failed" and "abandonné" in progress["error"]
    assert not ExportJob.objects.filter(pk=old.pk).exists()


def test_without_javascript_the_start_leads_to_the_jobs_page(analyst, run):
    response = analyst.post(reverse(START), {"url": values_url("xlsx")})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:export_job", args=[job.pk])
    built(job.pk)
    page = analyst.get(response["Location"], HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b'data-status="done"' in page.content and job.filename in page.content.decode()


def test_read_export_url_names_the_export_its_link_would_download():
    request = jobs.read_export_url("/tableau-de-bord/84/exports/indicateurs.xlsx?units=3&level=7")

    assert request == jobs.ExportRequest(
        "84", "indicators", "xlsx", {"query": {"units": ["3"], "level": ["7"]}}
    )
    with pytest.raises(ExportError):
        jobs.read_export_url("/api/indicator-values/")
    assert json.dumps(request.parameters)  # stored as JSON on the job
