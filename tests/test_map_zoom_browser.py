"""The map page in headless Chromium asks for the commune layer at its zoom (issue 12 §4): the
coarse copy when the whole region shows, and after zooming in the map copy of a box around
the view; a pan within that box asks for nothing, a pan out of it asks for the next box; the
legend stays the same throughout (the whole region's classes)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from tests.browser import open_browser, session_cookie
from tests.waits import wait_for_map_still

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def layer_requests(session) -> list[dict[str, list[str]]]:
    """The query strings of the choropleth requests made so far, in order."""
    return [
        parse_qs(urlsplit(url).query)
        for url in session.requests
        if "/couches/choroplethe.geojson" in url
    ]


def test_zooming_in_asks_for_the_fine_copy_of_a_box_and_panning_out_of_it_for_another(
    live_server, demo_chief, client
):
    cookie = session_cookie(client, demo_chief)
    low_max = settings.SROS_LOW_ZOOM_MAX
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/tableau-de-bord/99/carte/?indicator=population")
        page.wait_for_selector("#map-legend[data-indicator='population'] li")
        wait_for_map_still(page)
        first = dict(page.eval_on_selector("#dashboard-map", "el => ({...el.dataset})"))
        legend = page.inner_text("#map-legend")
        # Shift and + zoom in by three steps (Leaflet's keyboard handler): from the whole
        # region to a view whose padded box no longer holds it.
        page.focus("#dashboard-map")
        page.keyboard.press("Shift+Equal")
        wait_for_map_still(page)
        page.wait_for_selector("#dashboard-map[data-band='fine']")
        page.wait_for_load_state("networkidle")
        fine = dict(page.eval_on_selector("#dashboard-map", "el => ({...el.dataset})"))
        fine_legend = page.inner_text("#map-legend")
        asked = len(layer_requests(session))

        # A small pan stays inside the box loaded: no request.
        page.mouse.move(640, 450)
        page.mouse.down()
        page.mouse.move(600, 430, steps=4)
        page.mouse.up()
        wait_for_map_still(page)
        page.wait_for_load_state("networkidle")
        after_small_pan = len(layer_requests(session))
        # A long pan leaves it: the next box is asked for.
        for _ in range(3):
            page.mouse.move(1100, 450)
            page.mouse.down()
            page.mouse.move(150, 450, steps=8)
            page.mouse.up()
            wait_for_map_still(page)
        page.wait_for_function(
            "box => document.getElementById('dashboard-map').dataset.bbox !== box",
            arg=fine["bbox"],
        )
        page.wait_for_load_state("networkidle")
        moved = dict(page.eval_on_selector("#dashboard-map", "el => ({...el.dataset})"))
        # Back to the whole region: the coarse copy again, without a box.
        page.focus("#dashboard-map")
        page.keyboard.press("Shift+Minus")
        wait_for_map_still(page)
        page.wait_for_selector("#dashboard-map[data-band='low']")
        back = dict(page.eval_on_selector("#dashboard-map", "el => ({...el.dataset})"))
        session.assert_no_console_errors()

    requests = layer_requests(session)
    assert first["band"] == "low" and first["bbox"] == ""  # the whole region, coarse
    assert int(requests[0]["zoom"][0]) <= low_max and "bbox" not in requests[0]
    fine_request = requests[asked - 1]
    assert int(fine_request["zoom"][0]) > low_max
    assert fine_request["bbox"] == [fine["bbox"]] and fine["bbox"]
    assert int(fine["features"]) < int(first["features"])  # only the communes of the box
    assert after_small_pan == asked
    assert moved["bbox"] != fine["bbox"] and len(requests) > asked
    assert legend == fine_legend  # the region's classes whatever the box
    assert back["bbox"] == "" and back["features"] == first["features"]
    assert int(requests[-1]["zoom"][0]) <= low_max and "bbox" not in requests[-1]
    assert page.url.endswith("?units=communes&indicator=population")  # no zoom nor box in it


def test_the_home_map_asks_for_its_communes_again_only_when_the_zoom_changes_band(
    live_server, demo_chief, client
):
    cookie = session_cookie(client, demo_chief)
    low_max = settings.SROS_LOW_ZOOM_MAX
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/")
        page.wait_for_selector("#home-map[data-band]")
        first_band = page.get_attribute("#home-map", "data-band")
        # Three steps (Shift and + or -) into the other band, then one more step in it.
        other, key = ("fine", "Equal") if first_band == "low" else ("low", "Minus")
        page.focus("#home-map .folium-map")
        page.keyboard.press(f"Shift+{key}")
        wait_for_map_still(page)
        page.wait_for_selector(f"#home-map[data-band='{other}']")
        page.wait_for_load_state("networkidle")
        page.keyboard.press(key)
        wait_for_map_still(page)
        page.wait_for_load_state("networkidle")
        session.assert_no_console_errors()

    zooms = [
        int(parse_qs(urlsplit(url).query)["zoom"][0])
        for url in session.requests
        if "/communes/99.geojson" in url
    ]
    assert len(zooms) == 2  # nothing asked for the step within the band
    assert (zooms[0] <= low_max) == (first_band == "low")
    assert (zooms[1] <= low_max) == (other == "low")
