"""Export buttons in headless Chromium on the demo region, built by a real Celery worker: after
the indicator selector changed the map without a reload, the map's CSV link starts a job whose
progress bar reaches 100 % and downloads the values now shown; the Excel link does the same
with a workbook; the territory page's link downloads its PDF; no console error, no request to
any host but the test server."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from dashboard.tasks import build_export
from tests.browser import open_browser, session_cookie
from tests.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def download(page, selector: str):
    """Click an export link and wait for its job's file: the bytes, the name and the job's
    line as the page shows it once done."""
    with page.expect_download(timeout=120_000) as started:
        page.click(selector)
    line = page.locator("#export-jobs .export-job").last
    return started.value.path().read_bytes(), started.value.suggested_filename, line


def test_the_export_buttons_build_on_a_worker_and_download_what_the_page_shows(
    live_server, demo_chief, client
):
    cookie = session_cookie(client, demo_chief)
    with celery_worker(), open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/tableau-de-bord/99/carte/?indicator=nearest_minutes")
        page.wait_for_selector("#map-legend[data-indicator='nearest_minutes'] li")
        page.select_option("#map-indicator", "access_2sfca")
        page.wait_for_selector("#map-legend[data-indicator='access_2sfca'] li")
        values, _, csv_line = download(page, "#map-exports a[data-export-values]:has-text('CSV')")
        csv_state = (
            csv_line.get_attribute("data-status"),
            csv_line.locator("progress").evaluate("p => p.value"),
        )
        workbook, workbook_name, _ = download(
            page, "#map-exports a[data-export-values]:has-text('Excel')"
        )

        page.goto(live_server.url + "/tableau-de-bord/99/territoires/departement/96/")
        pdf, name, pdf_line = download(page, "#report-pdf")
        pdf_text = pdf_line.inner_text()

    text = values.decode("utf-8")
    under_codes = text.removeprefix("\ufeff").split("\r\n", 1)[1]  # names, then codes
    rows = list(csv.DictReader(io.StringIO(under_codes), delimiter=";"))
    assert csv_state == ("done", 100)
    assert text.startswith("\ufeff")
    assert len(rows) == 540
    assert {r["indicator"] for r in rows} == {"access_2sfca"}  # the selection now shown
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    assert workbook_name.endswith(".xlsx") and book["Données"].max_row == 542  # two header rows
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert name.startswith("diagnostic-99-departement-96-") and name.endswith(".pdf")
    assert "100 %" in pdf_text and name in pdf_text
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)


def test_a_jobs_own_page_follows_it_to_the_download(live_server, demo_chief, client):
    """Without the page's link (a bookmarked or redirected job page), the job's line follows
    the worker too and downloads the file once it is built."""
    cookie = session_cookie(client, demo_chief)
    url = "/tableau-de-bord/99/exports/etablissements.xlsx?status=open"
    page_url = client.post(reverse("dashboard:export_job_start"), {"url": url})["Location"]
    job_id = page_url.rstrip("/").rsplit("/", 1)[1]
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + page_url)
        queued = page.locator("#export-job").get_attribute("data-status")
        with celery_worker(), page.expect_download(timeout=120_000) as started:
            build_export.delay(job_id)  # again: a worker starts by purging the queue
        line = page.locator("#export-job")
        line.locator("a[download]").wait_for()
        status, text = line.get_attribute("data-status"), line.inner_text()
        workbook = started.value.path().read_bytes()

    assert queued == "queued"
    assert status == "done" and "100 %" in text
    assert openpyxl.load_workbook(io.BytesIO(workbook))["Données"].max_row > 1
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)


def test_a_plain_link_to_a_heavy_export_lands_on_its_jobs_page(live_server, demo_chief, client):
    """A middle click (or a browser without the page's script) GETs the export URL itself: the
    303 leads to the job's page, not to a script's redirect loop, and the page downloads the
    file once the worker has built it."""
    cookie = session_cookie(client, demo_chief)
    with celery_worker(), open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        with page.expect_download(timeout=60_000) as started:
            page.goto(live_server.url + "/tableau-de-bord/99/exports/etablissements.xlsx")
        landed = page.url
        workbook = started.value.path().read_bytes()

    assert "/tableau-de-bord/exports/taches/" in landed
    assert openpyxl.load_workbook(io.BytesIO(workbook))["Données"].max_row > 1
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)


def test_the_map_export_links_follow_a_changed_selector_before_any_click(
    live_server, demo_chief, client
):
    """Issue 12 §1: after the level or the indicator changed without a reload, every export
    link's href already says the new selection (a copied link never keeps a former one); the
    facility links follow the level, and drop it for an indicator that has none."""
    from urllib.parse import parse_qs, urlsplit

    cookie = session_cookie(client, demo_chief)

    def queries(page, selector):
        hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
        assert hrefs
        return [parse_qs(urlsplit(href).query) for href in hrefs]

    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/tableau-de-bord/99/carte/?indicator=nearest_minutes")
        page.wait_for_selector("#map-legend[data-indicator='nearest_minutes'] li")
        options = page.eval_on_selector_all("#map-level option", "os => os.map(o => o.value)")
        first = page.eval_on_selector("#map-level", "s => s.value")
        second = next(value for value in options if value != first)
        before = queries(page, "#map-exports a[data-export-facilities]")
        page.select_option("#map-level", second)
        values = queries(page, "#map-exports a[data-export-values]")
        facilities = queries(page, "#map-exports a[data-export-facilities]")
        page.select_option("#map-indicator", "access_2sfca")
        indicators = queries(page, "#map-exports a[data-export-values]")
        page.select_option("#map-indicator", "population")  # an indicator of no level
        level_free = page.eval_on_selector("#map-level", "s => s.disabled")
        after = queries(page, "#map-exports a[data-export-facilities]")

    assert all(q["level"] == [first] and q["status"] == ["open"] for q in before)
    assert len(values) == 4 and all(q["level"] == [second] for q in values)
    assert len(facilities) == 3 and all(q["level"] == [second] for q in facilities)
    assert all(q["indicator"] == ["access_2sfca"] for q in indicators)
    assert level_free
    assert len(after) == 3 and all("level" not in q and q["status"] == ["open"] for q in after)
    session.assert_no_console_errors()
