"""A run started from the indicators page in headless Chromium and computed by a real Celery
worker: its progress bar follows the run's progress endpoint up to 100 %, and the page then
shows the run done; no console error, no request to any host but the test server."""

import pytest
from django.core.management import call_command

from indicators.models import IndicatorRun
from tests.browser import open_browser, session_cookie
from tests.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chief(django_user_model):
    call_command("load_demo", verbosity=0)
    return django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")


def follow(route, polled: list[dict]) -> None:
    """Pass a progress poll through, keeping what it answered (read here: the page reloads
    right after the last one, and its body is gone by the time a listener would read it)."""
    response = route.fetch()
    polled.append(response.json())
    route.fulfill(response=response)


def test_the_progress_bar_of_a_run_reaches_100_on_a_real_worker(live_server, chief, client):
    cookie = session_cookie(client, chief)
    polled: list[dict] = []
    with celery_worker(pool="prefork", concurrency=2), open_browser() as session:
        page = session.page
        page.route("**/progress.json", lambda route: follow(route, polled))
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/indicateurs/")
        page.click("section.region-runs:has-text('99') button[type=submit]")
        page.wait_for_selector(
            "tr[data-status='queued'] progress, tr[data-status='running'] progress"
        )
        page.wait_for_selector("tr[data-status='done']", timeout=120_000)
        bar = page.locator("tr[data-status='done'] progress").first.evaluate("p => p.value")
        percent = page.locator("tr[data-status='done'] .run-percent").first.inner_text()

    run = IndicatorRun.objects.get()
    assert run.status == IndicatorRun.Status.DONE and run.values.exists()
    assert polled, "the bar never polled the run's progress"
    assert polled[-1]["status"] == "done" and polled[-1]["progress"] == 100
    assert [p["progress"] for p in polled] == sorted(p["progress"] for p in polled)
    assert (bar, percent) == (100, "100 %")
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
