"""A planner's walk through the demo schema in headless Chromium: log in at /connexion/, open
the draft, change an objective so that its compliance badge changes, submit the draft to
consultation; nothing fails in the console and nothing is requested from another host."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from demo.schema import DEMO_PASSWORD
from sros.models import Objective, SchemaVersion
from tests.browser import open_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "schema-draft-test.png"


@pytest.fixture
def demo_draft():
    """The demo loaded, and the draft's objective for urgences SU in zone Z4 (0 site, min 1:
    below); built before the browser starts (Playwright's loop forbids ORM calls)."""
    call_command("load_demo", stdout=StringIO())
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    objective = draft.objectives.get(zone__code="Z4", activity__code="urgences")
    return draft, objective


def test_a_planner_changes_an_objective_and_submits_the_draft(live_server, demo_draft):
    draft, objective = demo_draft
    badge = f"#objective-{objective.pk} .badge"
    region = draft.schema.region.code

    with open_browser() as session:
        page = session.page
        page.goto(live_server.url + "/connexion/")
        page.fill("#id_username", "planificateur")
        page.fill("#id_password", DEMO_PASSWORD)
        page.press("#id_password", "Enter")  # keyboard only
        page.wait_for_url(f"{live_server.url}/schema/")
        page.click(f'a[href="/schema/region/{region}/"]')
        page.click(f'a[href="/schema/versions/{draft.pk}/"]')
        page.wait_for_selector(badge)
        before = page.get_attribute(badge, "data-status")

        page.click(f"#objective-{objective.pk} a")
        page.fill("#id_minimum", "0")
        page.click("button[type=submit]:has-text('Enregistrer')")
        page.wait_for_selector(badge)
        after = page.get_attribute(badge, "data-status")
        after_label = page.inner_text(badge)
        page.locator(badge).scroll_into_view_if_needed()
        session.screenshot(SCREENSHOT)

        page.click(f'a[href="/schema/region/{region}/"]')
        row = page.locator("tr", has=page.locator(f'a[href="/schema/versions/{draft.pk}/"]'))
        submit = row.locator("form", has=page.locator("button:has-text('Soumettre')"))
        submit.locator("input[name=comment]").fill("Prêt pour l'avis des établissements")
        submit.locator("button").click()
        page.wait_for_selector(".messages .success")
        state = row.locator(".state").inner_text()

    assert (before, after) == ("below", "within")
    assert after_label == "conforme"
    assert state == "En consultation"
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    assert SCREENSHOT.stat().st_size > 10_000
    assert Objective.objects.get(pk=objective.pk).minimum == 0
    submitted = SchemaVersion.objects.get(pk=draft.pk)
    assert submitted.state == "consultation"
    assert submitted.transitions.last().comment == "Prêt pour l'avis des établissements"
