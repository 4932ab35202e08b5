"""Exports never run long in a web worker: a plain GET of an XLSX, GeoPackage or PDF, or of a
CSV/GeoJSON of more rows than ``SROS_EXPORT_INLINE_MAX_ROWS``, answers 303 to a job; the job's
URL leads a script to the file (303 to itself while it runs, 303 to the file once done, 409 when
it failed), while a browser still gets the job's page; a bad filter is a 400 at once and makes
no job. (The whole chain against a live server and a real worker: test_export_redirects_worker.)"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import openpyxl
from django.http import QueryDict
from django.urls import reverse

from dashboard.exports import build, jobs
from dashboard.models import ExportJob
from tests.export_fixtures import facilities_url, follow, values_url, zone_report_url

pytest_plugins = ["tests.api_fixtures", "tests.export_fixtures"]


def job_of(response) -> ExportJob:
    assert response.status_code == 303, response.content[:300]
    path = urlsplit(response["Location"]).path
    assert path.startswith("/tableau-de-bord/exports/taches/")
    return ExportJob.objects.get(pk=path.rstrip("/").rsplit("/", 1)[1])


def test_heavy_formats_answer_303_to_a_job_of_the_same_export(analyst, run, level, demo):
    zoning = demo.region.zonings.first()
    code = zoning.zones.order_by("code").first().code
    xlsx = job_of(analyst.get(values_url("xlsx", level=level.pk)))
    gpkg = job_of(analyst.get(facilities_url("gpkg", kind="ch")))
    pdf = job_of(analyst.get(zone_report_url(zoning, code)))

    assert (xlsx.target, xlsx.extension, xlsx.status) == ("indicators", "xlsx", "queued")
    assert xlsx.parameters["query"] == {"level": [str(level.pk)]}
    assert (gpkg.target, gpkg.extension, gpkg.parameters["query"]) == (
        "facilities", "gpkg", {"kind": ["ch"]}
    )  # fmt: skip
    assert (pdf.target, pdf.parameters["unit"]["code"]) == ("report", code)
    assert {job.user for job in (xlsx, gpkg, pdf)} == {demo.users["analyst"]}


def test_csv_and_geojson_run_in_the_request_up_to_the_row_threshold(analyst, run, settings):
    settings.SROS_EXPORT_INLINE_MAX_ROWS = 540  # the demo's communes
    small = analyst.get(values_url("csv", indicator="population"))  # one value per commune
    layer = analyst.get(values_url("geojson"))  # one feature per commune
    settings.SROS_EXPORT_INLINE_MAX_ROWS = 539
    big = analyst.get(values_url("csv", indicator="population"))
    big_layer = analyst.get(values_url("geojson"))

    assert small.status_code == layer.status_code == 200
    assert job_of(big).extension == "csv" and job_of(big_layer).extension == "geojson"
    assert small["Content-Type"] == "text/csv; charset=utf-8"


def test_a_bad_filter_is_a_400_at_once_and_makes_no_job(analyst, run):
    responses = [
        analyst.get(values_url("xlsx", indicator="beauty")),
        analyst.get(values_url("gpkg", crs=3857)),
        analyst.get(values_url("gpkg", units="region")),
        analyst.get(facilities_url("xlsx", in_bbox="1,2,x")),
    ]
    missing = analyst.get("/tableau-de-bord/99/exports/diagnostic/commune/00000.pdf")

    assert [r.status_code for r in responses] == [400] * 4
    assert missing.status_code == 404
    assert not ExportJob.objects.exists()


def test_a_scripts_request_to_a_running_job_redirects_to_itself(analyst, run, settings):
    settings.SROS_EXPORT_WAIT_SECONDS = 0  # nobody builds the job here: do not wait for it
    job = job_of(analyst.get(values_url("xlsx")))
    page = reverse("dashboard:export_job", args=[job.pk])

    first = analyst.get(page, HTTP_ACCEPT="*/*")
    second = analyst.get(first["Location"], HTTP_ACCEPT="*/*")

    assert first.status_code == second.status_code == 303
    assert first["Location"] == f"{page}?wait=0&n=1"
    assert second["Location"] == f"{page}?wait=0&n=2"  # a new URL: no client sees a loop
    assert first["Retry-After"] == "1"
    assert first.json()["status"] == "queued" and first.json()["progress"] == 0


def test_a_done_job_redirects_a_script_to_its_file_and_shows_a_browser_its_page(analyst, run):
    job = job_of(analyst.get(values_url("xlsx")))
    jobs.export_job_run(job.pk)
    page = reverse("dashboard:export_job", args=[job.pk])

    script = analyst.get(page, HTTP_ACCEPT="*/*")
    headerless = analyst.get(page)
    browser = analyst.get(page, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    state = analyst.get(page, HTTP_ACCEPT="application/json")
    file = analyst.get(script["Location"])

    assert script.status_code == headerless.status_code == 303
    assert script["Location"] == reverse("dashboard:export_job_file", args=[job.pk])
    assert browser.status_code == 200 and b'data-status="done"' in browser.content
    assert state.json()["status"] == "done"
    assert file.status_code == 200 and file["Content-Disposition"].endswith('.xlsx"')


def test_a_failed_job_is_a_409_with_its_reason(analyst, run):
    job = job_of(analyst.get(values_url("xlsx")))
    jobs.export_job_fail(job.pk, "le worker a disparu")

    response = analyst.get(reverse("dashboard:export_job", args=[job.pk]), HTTP_ACCEPT="*/*")

    assert response.status_code == 409
    assert response.content.decode() == "le worker a disparu"


def test_following_the_redirects_gives_the_file_the_direct_build_gives(analyst, run, demo):
    params = "units=communes&indicator=nearest_minutes"
    response = follow(analyst, values_url("xlsx") + params)

    direct = build.indicator_export(run.region, demo.users["analyst"], "xlsx", QueryDict(params))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    expected = openpyxl.load_workbook(io.BytesIO(direct.body))
    assert response["Content-Disposition"] == f'attachment; filename="{direct.filename}"'
    assert list(book["Données"].values) == list(expected["Données"].values)


# --- through a live server and a real worker ------------------------------------------------
