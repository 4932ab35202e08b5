"""Adopting a version in headless Chromium, from the version page: the button leads to a
confirmation page that says which version the adoption archives; confirming with the keyboard
adopts it and archives the other one. No JavaScript is involved (plain forms)."""

from pathlib import Path

import pytest
from django.conf import settings

from sros import workflow
from sros.models import SchemaVersion
from tests.browser import open_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest_plugins = ["tests.personas"]

PASSWORD = "workflow-browser-1"
SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "schema-adopt-confirm-test.png"


@pytest.fixture
def v1_adopted_v2_in_consultation(world):
    """Built before the browser starts (Playwright's loop forbids ORM calls)."""
    planner = world.users["planner"]
    planner.set_password(PASSWORD)
    planner.save()
    workflow.version_transition(world.draft, "submit", user=planner)
    v1 = workflow.version_transition(world.draft, "adopt", user=planner)
    v2 = workflow.version_new_draft(world.schema, user=planner)
    workflow.version_transition(v2, "submit", user=planner)
    return v1, v2


def test_a_planner_adopts_from_the_version_page_after_reading_what_it_archives(
    live_server, v1_adopted_v2_in_consultation
):
    v1, v2 = v1_adopted_v2_in_consultation

    with open_browser() as session:
        page = session.page
        page.goto(live_server.url + "/connexion/")
        page.fill("#id_username", "planner")
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{live_server.url}/schema/")
        page.goto(f"{live_server.url}/schema/versions/{v2.pk}/")
        page.click("#workflow-actions button:has-text('Adopter')")
        effects = page.inner_text("#transition-effects")
        session.screenshot(SCREENSHOT)
        page.fill("#id_comment", "Arrêté du DG")
        page.focus("button[name=confirm]")
        page.keyboard.press("Enter")
        page.wait_for_selector(".messages .success")
        heading = page.inner_text("h1")
        url = page.url

    assert "Adopter la version 2 archivera la version 1" in effects
    assert url == f"{live_server.url}/schema/versions/{v2.pk}/"
    assert "Adopté" in heading
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    states = dict(SchemaVersion.objects.values_list("number", "state"))
    assert states == {1: "archived", 2: "adopted"}
    assert SchemaVersion.objects.get(pk=v2.pk).transitions.last().comment == "Arrêté du DG"
