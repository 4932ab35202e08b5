"""A planner suggests two sites on the demo in headless Chromium, computed by a real Celery
worker: the two points clicked on the suggest page's map are the candidates, the job page
follows the worker to the end, and the scenario page then shows the two new sites with their
reason and its evaluation; no console error, no request to any host but the test server."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from pathways.models import Level
from sros.models import Scenario, ScenarioChange, SuggestionJob
from tests.browser import open_browser, session_cookie
from tests.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


@pytest.fixture
def demo(django_user_model):
    call_command("load_demo", verbosity=0)
    scenario = Scenario.objects.get(version__schema__region__code="99")
    return {
        "scenario": scenario,
        "changes": scenario.changes.count(),
        "planner": django_user_model.objects.get(username="planificateur"),
        "level": Level.objects.get(pathway__code="urgences", rank=1),
    }


def test_a_planner_suggests_two_clicked_sites_on_a_real_worker(live_server, demo, client):
    cookie = session_cookie(client, demo["planner"])
    scenario = demo["scenario"]
    url = live_server.url + reverse("schema:scenario_suggest", args=[scenario.pk])
    with celery_worker(), open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(url)
        page.wait_for_selector("#suggest-map[data-loaded='1']")
        page.select_option("#id_level", str(demo["level"].pk))
        page.select_option("#id_model", "mclp")
        page.fill("#id_p", "2")
        page.locator("#suggest-map").scroll_into_view_if_needed()
        box = page.locator("#suggest-map").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((-40, -20), (40, 20), (0, 40)):
            page.mouse.click(x + dx, y + dy)
        page.wait_for_selector("#suggest-map[data-points='3']")
        points = page.input_value("#id_points").splitlines()
        chosen = page.is_checked("input[name=candidates][value=points]")
        session.screenshot(SCREENSHOTS / "suggest-form-test.png")
        page.click("#suggest-form button[type=submit]")
        page.wait_for_selector("#suggestion-job")
        page.wait_for_selector("#suggestion-job[data-status='done']", timeout=120_000)
        answer = page.inner_text("#suggestion-answer")
        session.screenshot(SCREENSHOTS / "suggestion-job-test.png")
        page.click("text=Voir le scénario et son évaluation")
        page.wait_for_selector("#changes")
        changes = page.inner_text("#changes")
        level = page.inner_text(f"#level-{demo['level'].pk}")
        session.screenshot(SCREENSHOTS / "suggestion-scenario-test.png")

    job = SuggestionJob.objects.get()
    assert job.status == SuggestionJob.Status.DONE, job.error
    assert len(points) == 3 and chosen
    assert "2 sites ajoutés aux changements du scénario." in answer
    opened = ScenarioChange.objects.filter(scenario=scenario).exclude(reason="")
    assert opened.count() == 2
    clicked = {tuple(round(float(v), 5) for v in line.split(" ; ")) for line in points}
    assert {(round(c.point.x, 5), round(c.point.y, 5)) for c in opened} <= clicked
    assert scenario.changes.count() == demo["changes"] + 2  # the planner's changes kept
    assert changes.count("suggéré par MCLP : +") == 2
    assert "Site suggéré 1" in changes and "Site suggéré 2" in changes
    assert "Desservent ce niveau" in level  # the evaluation counts the new sites
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)


def test_a_planner_closes_the_most_harmful_site_from_the_closures_table(live_server, demo, client):
    cookie = session_cookie(client, demo["planner"])
    version = demo["scenario"].version
    url = live_server.url + reverse("schema:closures", args=[version.pk])
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(f"{url}?niveau={demo['level'].pk}")
        first = page.locator("#closures tbody tr").first
        finess = first.get_attribute("data-finess")
        session.screenshot(SCREENSHOTS / "closures-test.png")
        first.locator("button").click()
        page.wait_for_selector("#changes")
        changes = page.inner_text("#changes")

    closing = Scenario.objects.exclude(pk=demo["scenario"].pk).get(version=version)
    assert closing.name.startswith("Fermeture : ") and finess in closing.name
    assert list(closing.changes.values_list("kind", "facility__finess_et")) == [("close", finess)]
    assert "Fermer un établissement" in changes and finess in changes
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)


def test_a_planner_asks_a_coverage_goal_typed_with_a_decimal_comma(live_server, demo, client):
    cookie = session_cookie(client, demo["planner"])
    scenario = demo["scenario"]
    url = live_server.url + reverse("schema:scenario_suggest", args=[scenario.pk])
    with celery_worker(), open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(url)
        page.wait_for_selector("#suggest-map[data-loaded='1']")
        page.select_option("#id_level", str(demo["level"].pk))
        page.select_option("#id_model", "mclp")
        shown_for_mclp = (page.is_visible("#id_p"), page.is_visible("#id_goal"))
        page.select_option("#id_model", "goal")
        shown_for_goal = (page.is_visible("#id_p"), page.is_visible("#id_goal"))
        page.fill("#id_goal", "99,5")
        page.click("#suggest-form button[type=submit]")
        page.wait_for_selector("#suggestion-job[data-status='done']", timeout=120_000)
        answer = page.inner_text("#suggestion-answer")
        facts = page.inner_text("dl.facts")
        session.screenshot(SCREENSHOTS / "suggestion-goal-test.png")

    assert shown_for_mclp == (True, False) and shown_for_goal == (False, True)
    job = SuggestionJob.objects.get()
    assert job.status == SuggestionJob.Status.DONE, job.error
    assert job.model == "goal" and job.parameters["goal"] == 99.5 and job.result["goal_met"]
    assert "99,5 %" in facts.replace("\xa0", " ")
    assert "Objectif atteint : " in answer and "pour un objectif de 99,5" in answer
    opened = ScenarioChange.objects.filter(scenario=scenario).exclude(reason="")
    assert opened.count() == job.result["opened"] > 0
    assert all(c.reason.startswith("suggéré par l'objectif de couverture : +") for c in opened)
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
