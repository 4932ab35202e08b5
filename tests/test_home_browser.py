"""The home page in headless Chromium: the map draws its communes and markers, a marker opens
its popup, nothing fails in the console and nothing is requested from another host."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from facilities.models import Authorisation, Facility
from tests.browser import open_browser, session_cookie
from tests.factories import make_commune_grid, make_department, make_region
from tests.test_home_page import make_facility
from tests.waits import wait_for_popup_shown

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Under var/ (ignored by git): a test run must not rewrite the README's screenshot.
SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "home-test.png"


@pytest.fixture
def region_with_facilities():
    region = make_region(code="84", name="Région de test")
    communes = make_commune_grid(6, 4, department=make_department("69", "Rhône", region))
    far_apart = [communes[0], communes[5], communes[18], communes[23]]
    kinds = [Facility.Kind.CHU, Facility.Kind.CH, Facility.Kind.MSP, Facility.Kind.EHPAD]
    facilities = [
        make_facility(f"69000{index:03d}1", kind, commune)
        for index, (kind, commune) in enumerate(zip(kinds, far_apart, strict=True))
    ]
    Authorisation.objects.create(
        facility=facilities[0], activity="urgences", modality="su", start_date=dt.date(2020, 1, 1)
    )
    return communes, facilities


def test_the_map_draws_communes_and_markers_with_no_foreign_request(
    live_server, region_with_facilities, client, django_user_model
):
    communes, facilities = region_with_facilities
    chu = facilities[0]
    reader = django_user_model.objects.create_user("lecteur", password="pw-lecteur-123")
    cookie = session_cookie(client, reader)

    with open_browser() as session:
        session.sign_in(live_server.url, cookie)
        page = session.page
        page.goto(live_server.url + "/")
        page.wait_for_selector(".folium-map.leaflet-container")
        page.wait_for_selector("#home-map[data-communes]")  # the layer came by its request
        page.wait_for_selector(".leaflet-overlay-pane svg path")
        page.wait_for_selector(".sros-marker, .sros-cluster")
        page.wait_for_load_state("networkidle")

        commune_paths = page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").count()
        markers = page.locator(".leaflet-marker-pane .sros-marker").count()
        clusters = page.locator(".leaflet-marker-pane .sros-cluster").count()
        page.locator(f'[data-finess="{chu.finess_et}"]').click()
        popup = page.wait_for_selector(".leaflet-popup-content")
        popup_text = popup.inner_text()
        legend_text = page.locator("#population-legend").inner_text()
        loaded = page.locator("#home-map").get_attribute("data-communes")
        status_text = page.locator("#home-map-status").inner_text()
        page.mouse.move(900, 100)  # away from the marker: its tooltip closes
        wait_for_popup_shown(page)
        session.screenshot(SCREENSHOT)

    assert commune_paths >= len(communes)
    assert loaded == str(len(communes))
    assert "24 communes" in status_text
    assert markers + clusters >= 1
    assert markers == len(facilities)  # far apart: none of them clustered
    assert chu.finess_et in popup_text
    assert chu.name in popup_text
    assert "Structure des urgences" in popup_text
    assert "Population" in legend_text
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    requested = " ".join(session.requests)
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in requested
    assert "/communes/84.geojson" in requested
    assert "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" in requested
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_click_on_a_region_of_the_national_map_opens_it_with_its_communes(
    live_server, client, django_user_model
):
    from tests.factories import square

    region = make_region(code="84", name="Région de test", geometry=square(0, 0, side=0.3))
    communes = make_commune_grid(4, 3, department=make_department("69", "Rhône", region))
    other = make_region(code="93", name="Autre région")
    make_commune_grid(2, 2, department=make_department("06", "Alpes", other))
    reader = django_user_model.objects.create_user("lecteur", password="pw-lecteur-123")
    cookie = session_cookie(client, reader)

    with open_browser() as session:
        session.sign_in(live_server.url, cookie)
        page = session.page
        page.goto(live_server.url + "/")
        page.wait_for_selector(".leaflet-overlay-pane svg path.leaflet-interactive")
        national_paths = page.locator(".leaflet-overlay-pane svg path").count()
        communes_attribute = page.locator("#home-map").get_attribute("data-communes-url")
        page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").first.click()
        page.wait_for_url("**/?region=84")
        page.wait_for_selector("#home-map[data-communes]")
        loaded = page.locator("#home-map").get_attribute("data-communes")
        heading = page.locator("h1.region-name").inner_text()

    assert national_paths == 1  # the one region with a polygon; no commune inline
    assert communes_attribute is None
    assert loaded == str(len(communes))
    assert "Région de test" in heading
    session.assert_no_console_errors()
    assert any("/communes/84.geojson" in url for url in session.requests)
    assert not any("/communes/93.geojson" in url for url in session.requests)
