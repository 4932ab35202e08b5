"""The scenario builder on a map, in headless Chromium (issue 12 §2 and its "Done when": the
planner "builds a scenario by clicking two facilities and placing a new site with a comma in
its coordinates"): one site picked with the mouse, one with the keyboard (Tab to its marker,
Enter), a row added, a new site placed by a click on the map then typed with a comma; the
scenario saved with exactly those changes and its page showing the evaluation; the FINESS
field searchable by name in the browser's list; the evaluation updated under the rows as they
change, before anything is saved; axe-clean; no request to another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from facilities.models import Facility
from facilities.selectors import region_sites_for_picking
from sros.models import Scenario, SchemaVersion
from territories.models import Commune, Region
from tests.browser import axe_violations, open_browser, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


@pytest.fixture
def demo(django_user_model):
    call_command("load_demo", verbosity=0)
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    # The sites the builder offers: open, holding an authorisation, in the region.
    region = Region.objects.get(code="99")
    sites = [site for site in region_sites_for_picking(region.pk) if site["x"] is not None]
    assert len(sites) > 10
    assert len(sites) < Facility.objects.filter(commune__department__region=region).count()
    first, second = (
        Facility.objects.select_related("commune").get(finess_et=site["f"])
        for site in (sites[0], sites[len(sites) // 2])
    )
    commune = Commune.objects.filter(department__region__code="99").order_by("-population")[0]
    return {
        "draft": draft,
        "first": first,
        "second": second,
        "commune": commune,
        "planner": django_user_model.objects.get(username="planificateur"),
    }


def test_a_planner_builds_a_scenario_on_the_map(live_server, demo, client):
    cookie = session_cookie(client, demo["planner"])
    first, second, commune = demo["first"], demo["second"], demo["commune"]
    lon = f"{commune.point.x:.5f}".replace(".", ",")
    lat = f"{commune.point.y:.5f}".replace(".", ",")
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + reverse("schema:scenario_create", args=[demo["draft"].pk]))
        page.wait_for_selector("#scenario-map[data-loaded='1']")
        page.fill("#id_name", "Deux fermetures et une MSP")

        # The first facility by a click on its marker (dispatched on the marker itself: at
        # the region's zoom, neighbouring markers overlap): row 1, « fermer ».
        page.locator(f"[data-finess='{first.finess_et}']").dispatch_event("click")
        assert page.input_value("#id_changes-0-finess") == first.finess_et
        assert page.input_value("#id_changes-0-kind") == "close"
        assert first.finess_et in page.inner_text("#scenario-map-status")
        # The second by the keyboard: focus its marker, Enter: the next free row.
        page.locator(f"[data-finess='{second.finess_et}']").focus()
        page.keyboard.press("Enter")
        assert session.console_errors() == []
        assert page.input_value("#id_changes-1-finess") == second.finess_et
        assert page.input_value("#id_changes-1-kind") == "close"

        # A third row; a click on the map places its new site there, with a decimal comma.
        page.click("#add-change")
        assert page.input_value("#id_changes-TOTAL_FORMS") == "3"
        box = page.locator("#scenario-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
        assert page.input_value("#id_changes-2-kind") == "open"
        assert "," in page.input_value("#id_changes-2-lon")
        # Typed instead, with commas: the commune's point.
        page.fill("#id_changes-2-lon", lon)
        page.fill("#id_changes-2-lat", lat)
        page.fill("#id_changes-2-label", "MSP de test")
        page.select_option("#id_changes-2-facility_kind", "msp")
        # The FINESS field offers the region's sites by name (the browser's list).
        options = page.eval_on_selector_all(
            "#facility-options option", "nodes => nodes.map(n => [n.value, n.textContent])"
        )
        assert [first.finess_et, f"{first.name} – {first.commune.name}"] in options
        assert page.get_attribute("#id_changes-0-finess", "list") == "facility-options"
        # The evaluation follows the rows without saving nor reloading (its last request
        # holds the three rows): the closed sites are named, the figures compared.
        page.wait_for_selector("#scenario-preview:has-text('Évaluation des 3 changements saisis')")
        preview = page.inner_text("#scenario-preview")
        assert "Indicateurs par niveau de filière" in preview
        assert "Ne desservent plus ce niveau" in preview and first.finess_et in preview
        # People as the other pages show them: whole, grouped by thousands (not 293 548,00).
        assert re.search("Population au-delà de la cible\t[0-9\u202f\u00a0]+\t", preview)
        assert page.locator("#scenario-preview .scenario-map-link").count() == 0
        assert "mise à jour" in page.inner_text("#scenario-preview-status")
        violations = axe_violations(page, live_server.url)
        session.screenshot(SCREENSHOTS / "scenario-builder-test.png")

        with page.expect_navigation():
            page.click("form.stacked button[type=submit]")
        page.wait_for_selector("main h1")
        detail = page.inner_text("main")
        session.assert_no_console_errors()
        session.assert_all_requests_to(live_server.url)

    assert violations == [], violations
    # The previews saved nothing: the demo's scenario and this one.
    assert Scenario.objects.count() == 2 and not Scenario.objects.filter(name__startswith="aperçu")
    scenario = Scenario.objects.get(name="Deux fermetures et une MSP")
    changes = list(scenario.changes.order_by("order", "pk"))
    assert [(c.kind, c.facility.finess_et if c.facility else "") for c in changes[:2]] == [
        ("close", first.finess_et),
        ("close", second.finess_et),
    ]
    opened = changes[2]
    assert opened.kind == "open" and opened.label == "MSP de test"
    assert opened.point.x == pytest.approx(commune.point.x, abs=1e-5)
    assert opened.point.y == pytest.approx(commune.point.y, abs=1e-5)
    assert "MSP de test" in detail
