"""The dashboard map in headless Chromium on the demo region: its layers draw, changing the
indicator selector repaints the choropleth without a page reload, a facility opens its popup,
with no console error and no request to any host but the test server."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import open_browser, session_cookie
from tests.waits import wait_for_map_still, wait_for_popup_shown

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "dashboard-map-test.png"


def fills(page) -> list[str]:
    return page.eval_on_selector_all(
        ".leaflet-overlay-pane path.leaflet-interactive",
        "els => els.map(e => e.getAttribute('fill'))",
    )


def test_the_map_draws_reloads_on_a_new_indicator_and_opens_a_facility_popup(
    live_server, demo_chief, client
):
    cookie = session_cookie(client, demo_chief)
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/tableau-de-bord/99/carte/?indicator=nearest_minutes")
        page.wait_for_selector("#map-legend[data-indicator='nearest_minutes'] li")
        page.wait_for_selector(
            ".leaflet-marker-pane .sros-marker, .leaflet-marker-pane .sros-cluster"
        )
        page.wait_for_selector("#dashboard-map[data-facilities]")  # every cluster layer added
        page.wait_for_selector(".leaflet-outlines-pane path")
        page.wait_for_load_state("networkidle")
        before_fills, before_legend = fills(page), page.inner_text("#map-legend")
        outlines = page.locator(".leaflet-outlines-pane path").count()
        first_url = page.url

        page.select_option("#map-indicator", "access_2sfca")
        page.wait_for_selector("#map-legend[data-indicator='access_2sfca'] li")
        page.wait_for_load_state("networkidle")
        after_fills, after_legend = fills(page), page.inner_text("#map-legend")
        reloaded = page.evaluate("performance.getEntriesByType('navigation').length")

        for _ in range(10):  # zoom into clusters until a single marker shows
            if page.locator(".leaflet-marker-pane .sros-marker").count():
                break
            clicked = page.locator(".leaflet-marker-pane .sros-cluster").first.element_handle()
            clicked.click()
            # The map zooms (or the cluster spiderfies) after the click, animated: wait until
            # the clicked cluster has been replaced by its children, or a marker shows, and
            # the animations are over.
            page.wait_for_function(
                "el => !el.isConnected || document.querySelector("
                "'.leaflet-marker-pane .sros-marker') !== null",
                arg=clicked,
            )
            wait_for_map_still(page)
        # Markers of different kinds may sit on one point: the one on top takes the click.
        page.locator(".leaflet-marker-pane .sros-marker").first.click(force=True)
        popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
        finess = re.search(r"FINESS ET (\d{9})", popup)
        known = page.eval_on_selector_all("[data-finess]", "els => els.map(e => e.dataset.finess)")
        wait_for_popup_shown(page)
        session.screenshot(SCREENSHOT)

    assert len(before_fills) == 540
    assert outlines >= 1
    assert "15 min" in before_legend.replace("\xa0", " ")
    assert after_legend != before_legend
    assert after_fills != before_fills
    assert "access_2sfca" in page.url and first_url != page.url  # the URL follows the selector
    assert reloaded == 1  # no page reload
    assert finess and finess.group(1) in known
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    assert SCREENSHOT.stat().st_size > 10_000
