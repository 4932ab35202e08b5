"""A planner edits ten objectives of the demo draft in the objectives grid, in headless
Chromium; another planner saves one of them meanwhile. Nine are saved, the stale one is shown
in conflict with the other planner's values (nothing overwritten), the page passes axe-core;
the planner re-applies their change with the keyboard and saves."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from access.models import RegionMembership
from access.services import membership_grant
from sros import services
from sros.models import Objective, SchemaVersion
from tests.browser import axe_violations, open_browser, session_cookie
from tests.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_grid(django_user_model):
    """The demo's draft and its first ten objectives; the planner's session and a second
    planner of the region (built before the browser starts)."""
    call_command("load_demo", stdout=StringIO())
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    objectives = list(draft.objectives.all()[:10])
    other = make_user("planificateur-bis")
    membership_grant(user=other, region=draft.schema.region, role=RegionMembership.Role.PLANNER)
    cookie = session_cookie(Client(), django_user_model.objects.get(username="planificateur"))
    return draft, objectives, other, cookie


def maximum_input(objective) -> str:
    return f"#grid-row-{objective.pk} input[type=number][name$='-maximum']"


def test_a_planner_edits_ten_objectives_one_of_them_stale(live_server, demo_grid, monkeypatch):
    draft, objectives, other, cookie = demo_grid
    stale = objectives[4]
    mine = {o.pk: (o.maximum or 0) + 2 for o in objectives}
    url = f"{live_server.url}/schema/versions/{draft.pk}/objectives/grid/"
    # The other planner's save happens while the page is open: the ORM from the test's thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(f"{live_server.url}/schema/versions/{draft.pk}/")
        page.click("#objective-grid-link")
        page.wait_for_url(url)
        for objective in objectives:
            page.fill(maximum_input(objective), str(mine[objective.pk]))
        services.objective_update(
            stale.pk, lock_version=stale.lock_version, user=other, maximum=40,
            justification="Révisé par l'autre planificateur",
        )  # fmt: skip
        page.click("#objective-grid button[type=submit]")
        page.wait_for_selector("#grid-summary")
        summary = page.inner_text("#grid-summary")
        conflict = page.inner_text(f"#grid-conflict-{stale.pk}")
        kept = page.input_value(maximum_input(stale))
        violations = axe_violations(page, live_server.url)
        saved_meanwhile = {o.pk: Objective.objects.get(pk=o.pk).maximum for o in objectives}

        # Re-apply mine, with the keyboard: the radio, then Enter on the save button.
        page.focus(f"#grid-conflict-{stale.pk} input[value=mine]")
        page.keyboard.press("Space")
        page.focus("#objective-grid button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector(".messages .success")
        message = page.inner_text(".messages .success")
        again = page.input_value(maximum_input(stale))

    assert "9 objectifs enregistrés." in summary
    assert "1 ligne a été modifiée entre-temps" in summary
    assert "maximum 40" in conflict and "Révisé par l'autre planificateur" in conflict
    assert "planificateur-bis" in conflict
    assert kept == str(mine[stale.pk])  # the planner's input kept
    assert violations == []
    # nine saved, the stale one left as the other planner saved it
    assert saved_meanwhile == {o.pk: 40 if o.pk == stale.pk else mine[o.pk] for o in objectives}
    assert message == "1 objectif enregistré."
    assert again == str(mine[stale.pk])
    final = {o.pk: o for o in Objective.objects.filter(pk__in=mine)}
    assert {pk: o.maximum for pk, o in final.items()} == mine
    assert final[stale.pk].justification == "Révisé par l'autre planificateur"  # theirs kept
    assert final[stale.pk].lock_version == stale.lock_version + 2
    assert [h.history_user.username for h in final[stale.pk].history.all()[:2]] == [
        "planificateur", "planificateur-bis",
    ]  # fmt: skip
    # the grid answered its partial save with 409 (a stale row), by design: Chromium logs it
    assert session.console_errors() == [
        "Failed to load resource: the server responded with a status of 409 (Conflict)"
    ]
    assert session.failed_requests == [f"{url} (HTTP 409)"]
    session.failed_requests.clear()
    session.assert_all_requests_to(live_server.url)
