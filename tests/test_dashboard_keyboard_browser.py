"""The dashboard by keyboard and at 1280×800 in headless Chromium (issue 5 §1): every main page
fits the width without a horizontal scroll bar; on the map, Tab reaches the selectors, the
arrow keys change the indicator and repaint the choropleth, and Enter on an export link starts
its job (on a real Celery worker) and downloads the file."""

import pytest

from tests.browser import VIEWPORT, open_browser, session_cookie
from tests.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/tableau-de-bord/99/",
    "/tableau-de-bord/99/carte/",
    "/tableau-de-bord/99/filieres/urgences/",
    "/tableau-de-bord/99/territoires/departement/96/",
    "/indicateurs/",
]


def tab_to(page, selector: str, limit: int = 60) -> int:
    """Press Tab until ``selector`` has the focus; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def test_the_main_pages_fit_1280_by_800(live_server, demo_chief, client):
    cookie = session_cookie(client, demo_chief)
    widths = {}
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        for path in PAGES:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            widths[path] = page.evaluate("document.documentElement.scrollWidth")

    assert page.viewport_size == VIEWPORT
    assert widths == dict.fromkeys(PAGES, VIEWPORT["width"])
    session.assert_no_console_errors()


def test_the_map_is_usable_by_keyboard(live_server, demo_chief, client):
    cookie = session_cookie(client, demo_chief)
    with celery_worker(), open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/tableau-de-bord/99/carte/?indicator=nearest_minutes")
        page.wait_for_selector("#map-legend[data-indicator='nearest_minutes'] li")

        tab_to(page, "#map-indicator")
        page.keyboard.press("ArrowDown")
        page.wait_for_selector("#map-legend:not([data-indicator='nearest_minutes']) li")
        shown = page.eval_on_selector("#map-legend", "e => e.dataset.indicator")
        chosen = page.eval_on_selector("#map-indicator", "e => e.value")

        tab_to(page, "#map-exports a[data-export-values]")  # the values as CSV
        with page.expect_download(timeout=120_000) as started:
            page.keyboard.press("Enter")
        body = started.value.path().read_bytes().decode("utf-8")

    assert shown == chosen != "nearest_minutes"
    assert f";{chosen};" in body.splitlines()[2]  # the indicator shown, after two header rows
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
