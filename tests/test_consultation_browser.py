"""The consultation in headless Chromium (issue 12 §2, « Done when »): a director comments on an
objective from the version page, for their establishment named by its FINESS EJ number; the
planner finds it in the version's list of open comments, replies and resolves it; the list
then shows it among the resolved ones. Plain forms, no JavaScript; both pages pass axe."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from facilities.models import LegalEntity
from sros import services, workflow
from sros.models import Comment
from tests.browser import axe_violations, open_browser, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest_plugins = ["tests.personas"]

SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "consultation-test.png"
FORM_SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "consultation-form-test.png"
VERSION_SCREENSHOT = Path(settings.VAR_DIR) / "screenshots" / "consultation-version-test.png"


@pytest.fixture
def in_consultation(world):
    """A version in consultation with one objective; the sessions of a director and a planner
    (built before the browser starts: Playwright's loop forbids ORM calls)."""
    planner = world.users["planner"]
    objective = services.objective_create(
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities["urgences"], modality="su", minimum=1, maximum=2,
    )  # fmt: skip
    workflow.version_transition(world.draft, "submit", user=planner)
    LegalEntity.objects.create(finess_ej="690781810", name="Hospices civils de Lyon")
    cookies = {
        persona: session_cookie(Client(), world.users[persona])
        for persona in ("director", "planner")
    }
    return world.draft, objective, cookies


def test_a_director_comments_on_an_objective_and_the_planner_resolves_it(
    live_server, in_consultation
):
    version, objective, cookies = in_consultation
    base = live_server.url
    found = {}

    with open_browser() as session:
        page = session.page
        session.sign_in(base, cookies["director"])
        page.goto(f"{base}/schema/versions/{version.pk}/")
        page.click(f"#objective-{objective.pk} a.comment-objective")
        session.screenshot(FORM_SCREENSHOT)
        heading = page.inner_text("h1")
        found["comment form"] = axe_violations(page, base)
        page.fill("#id_organisation_finess", "690781810")
        page.fill("#id_text", "Une seule implantation ne suffit pas en zone A.")
        page.click("#comment-form button[type=submit]")
        page.wait_for_selector(".messages .success")
        found["director list"] = axe_violations(page, base)
        director_sees_resolve = page.locator("button:has-text('Marquer résolu')").count()

        page.context.clear_cookies()
        session.sign_in(base, cookies["planner"])
        page.goto(f"{base}/schema/versions/{version.pk}/")
        counted = page.inner_text("#consultation-link")
        page.locator("#consultation").scroll_into_view_if_needed()
        session.screenshot(VERSION_SCREENSHOT)
        page.click("#consultation-link")
        card = page.locator("article.comment").first
        card.locator("summary").click()
        card.locator("textarea").fill("Objectif porté à deux implantations dans la v2.")
        card.locator("button:has-text('Envoyer la réponse')").click()
        page.wait_for_selector(".messages .success")
        page.locator("article.comment").first.locator("button:has-text('Marquer résolu')").click()
        page.wait_for_selector("#no-comment")
        page.select_option("#id_etat", "resolved")
        page.click("#consultation-filter button")
        page.wait_for_selector("article.comment .badge-success")
        resolved = page.inner_text("article.comment")
        found["planner list"] = axe_violations(page, base)
        session.screenshot(SCREENSHOT)

    assert "objectif" in heading and "Zone A" in heading
    assert director_sees_resolve == 0
    assert counted == "1 commentaire ouvert"
    assert "Hospices civils de Lyon" in resolved and "Résolu par planner" in resolved
    assert "Objectif porté à deux implantations" in resolved
    assert found == {"comment form": [], "director list": [], "planner list": []}
    session.assert_no_console_errors()
    session.assert_all_requests_to(base)
    comment = Comment.objects.get(parent__isnull=True)
    assert comment.objective == objective and comment.organisation.finess_ej == "690781810"
    assert comment.resolved_by.username == "planner"
    assert comment.replies.get().author.username == "planner"
