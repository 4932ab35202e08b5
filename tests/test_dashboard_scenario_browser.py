"""The scenario comparison in headless Chromium on the demo region: two maps side by side draw
every commune and follow each other's pan and zoom, the difference mode repaints with its
diverging legend without a reload, a changed site opens its popup; no console error and no
request to any host but the test server."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from dashboard import comparison
from sros.models import Scenario
from territories.models import Commune
from tests.browser import open_browser, session_cookie
from tests.waits import wait_for_popup_shown

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "scenario-comparison-test.png"


@pytest.fixture
def demo(django_user_model):
    call_command("load_demo", verbosity=0)
    return {
        "scenario": Scenario.objects.get(version__schema__region__code="99"),
        "planner": django_user_model.objects.get(username="planificateur"),
        "communes": Commune.objects.filter(department__region__code="99").count(),
    }


def view_of(page, key: str) -> tuple[str, str]:
    element = page.locator(f"#comparison-map-{key}")
    return element.get_attribute("data-center"), element.get_attribute("data-zoom")


def paths(page, key: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#comparison-map-{key} .leaflet-overlay-pane path.leaflet-interactive",
        "els => els.map(e => e.getAttribute('fill'))",
    )


# Each map counts its "moveend" events into window.srosComparison.moveends (reset before an
# action): a pan's inertia and an animated zoom go on after the mouse is released or the
# button clicked, for longer on a loaded machine, and the other map follows each step.
COUNT_MOVEENDS = """() => { const c = window.srosComparison; c.moveends = {};
  Object.entries(c.maps).forEach(([key, map]) => {
    map.on("moveend", () => { c.moveends[key] = (c.moveends[key] || 0) + 1; }); }); }"""

MOVE_ENDED = """(mover) => { const c = window.srosComparison, map = c.maps[mover];
  const d = map.getContainer().dataset, p = map.getCenter();
  return Object.keys(c.maps).every(key => c.moveends[key] > 0)
    && d.center === p.lat.toFixed(6) + "," + p.lng.toFixed(6)
    && d.zoom === String(map.getZoom()); }"""


def wait_for_move_end(page, mover: str) -> None:
    """Wait until the move of map ``mover`` has ended (its own "moveend", after any inertia or
    animation: it records its view then) and the other map has moved too. Whether both show
    the same view is for the test to assert, not a condition of the wait."""
    page.wait_for_function(MOVE_ENDED, arg=mover)


def test_side_by_side_maps_move_together_and_the_difference_repaints(live_server, demo, client):
    cookie = session_cookie(client, demo["planner"])
    url = live_server.url + reverse("dashboard:scenario", args=["99", demo["scenario"].pk])
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(url)
        page.wait_for_selector("#scenario-comparison[data-loaded='1']")
        page.wait_for_selector("#comparison-legend[data-mode='cote-a-cote'] li")
        page.wait_for_load_state("networkidle")
        base_fills, scenario_fills = paths(page, "base"), paths(page, "scenario")
        first = view_of(page, "base")
        side_legend = page.inner_text("#comparison-legend")
        page.evaluate(COUNT_MOVEENDS)

        box = page.locator("#comparison-map-base").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.evaluate("() => { window.srosComparison.moveends = {}; }")
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 60, y + 40, steps=5)
        page.mouse.move(x - 120, y + 80, steps=5)
        page.mouse.up()
        wait_for_move_end(page, "base")
        panned = view_of(page, "base"), view_of(page, "scenario")

        page.evaluate("() => { window.srosComparison.moveends = {}; }")
        page.click("#comparison-map-scenario .leaflet-control-zoom-in")
        wait_for_move_end(page, "scenario")
        zoomed = view_of(page, "base"), view_of(page, "scenario")
        moved = page.evaluate(
            "() => { const m = window.srosComparison.maps;"
            " return [m.base.getCenter(), m.scenario.getCenter(), m.base.getZoom(),"
            " m.scenario.getZoom()]; }"
        )

        page.select_option("#comparison-mode", "difference")
        page.wait_for_selector("#comparison-legend[data-mode='difference'] li")
        page.wait_for_selector(
            "#comparison-map-difference .leaflet-overlay-pane path", state="attached"
        )
        difference_fills = paths(page, "difference")
        difference_legend = page.inner_text("#comparison-legend")
        difference_view = view_of(page, "difference")
        pair_hidden = page.locator("#comparison-pair").is_hidden()
        reloads = page.evaluate("performance.getEntriesByType('navigation').length")

        page.evaluate(  # bring the closed site into view (the pan above may have hidden it)
            "() => { const c = window.srosComparison, s = c.sites[0];"
            " c.maps.difference.setView([s.lat, s.lon], 9, {animate: false}); }"
        )
        page.locator("#comparison-map-difference .scenario-site-closed").first.click()
        popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
        wait_for_popup_shown(page)
        session.screenshot(SCREENSHOT)
        final_url = page.url

    assert len(base_fills) == len(scenario_fills) == demo["communes"]
    assert base_fills != scenario_fills  # the closure lengthens some trips
    assert "15 min" in side_legend.replace("\xa0", " ") and "ne dessert plus" in side_legend.lower()
    assert panned[0] == panned[1] and panned[0][0] != first[0]
    assert zoomed[0] == zoomed[1] and float(zoomed[0][1]) > float(first[1])
    assert moved[0] == moved[1] and moved[2] == moved[3]
    assert len(difference_fills) == demo["communes"]
    assert set(difference_fills) & set(comparison.LOSS_COLOURS)
    assert comparison.UNCHANGED_COLOUR in difference_fills
    assert "perte de" in difference_legend and "gain de" in difference_legend
    # The difference map opens where the pair was (to a pixel: its width differs).
    assert difference_view[1] == zoomed[0][1]
    assert [float(v) for v in difference_view[0].split(",")] == pytest.approx(
        [float(v) for v in zoomed[0][0].split(",")], abs=0.01
    )
    assert pair_hidden and reloads == 1 and "mode=difference" in final_url
    assert "FINESS ET" in popup and "Ne dessert plus ce niveau" in popup
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    assert SCREENSHOT.stat().st_size > 10_000
