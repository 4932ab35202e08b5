"""Our 403 and 404 pages in headless Chromium, as the demo's director opens them (issue 12,
"Done when": French 403/404 pages): the French page with the site's navigation and what to do
next, no serious or critical axe-core violation, and its links lead somewhere; English once
chosen in the header. tests/test_error_pages.py checks the same pages without a
browser, in DEBUG and not, and the 500 page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sros.models import SchemaVersion
from tests.browser import axe_violations, open_browser, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def director_and_urls():
    """The demo director's session and two URLs: the draft's objectives grid, which only the
    region's planners may open (403 for a director), and a page that does not exist."""
    call_command("load_demo", verbosity=0)
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    director = get_user_model().objects.get(username="directeur")
    forbidden = reverse("schema:objective_grid", args=[draft.pk])
    return session_cookie(Client(), director), forbidden, "/tableau-de-bord/nulle-part/"


def _open(session, base_url: str, path: str, status: int) -> None:
    response = session.page.goto(base_url + path)
    assert response.status == status, (path, response.status)
    session.page.wait_for_selector("#error-title")


def test_the_director_meets_our_403_and_404_pages_in_french_and_in_english(
    live_server, director_and_urls
):
    cookie, forbidden, missing = director_and_urls
    with open_browser() as session:
        session.sign_in(live_server.url, cookie)
        page = session.page

        _open(session, live_server.url, forbidden, 403)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.inner_text("#error-title") == "Accès refusé"
        assert "Erreur 403" in page.inner_text("main")
        assert "Demandez le rôle qui convient" in page.inner_text(".error-next")
        assert page.locator("header nav a[href='/tableau-de-bord/']").count() >= 1
        assert axe_violations(page, live_server.url) == []

        _open(session, live_server.url, missing, 404)
        assert page.inner_text("#error-title") == "Page introuvable"
        assert "Erreur 404" in page.inner_text("main")
        assert axe_violations(page, live_server.url) == []

        # What to do next leads somewhere: the dashboard opens for the director.
        page.click(".error-next a[href='/tableau-de-bord/']")
        page.wait_for_load_state("load")
        assert page.url == live_server.url + "/tableau-de-bord/"
        assert page.locator("#error-title").count() == 0
        # Chromium logs the 403 and 404 responses themselves; no script failed.
        assert session.page_errors == []

    # The language is the user's choice, not the browser's (core.middleware): an English
    # browser still gets French, until English is chosen in the header, on the error page itself.
    with open_browser(locale="en-GB") as session:
        session.sign_in(live_server.url, cookie)
        page = session.page
        _open(session, live_server.url, missing, 404)
        assert page.inner_text("#error-title") == "Page introuvable"
        page.select_option("#language-select", "en")
        with page.expect_navigation():
            page.click(".language-switch button")
        page.wait_for_selector("#error-title")
        assert page.url == live_server.url + missing
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.inner_text("#error-title") == "Page not found"
        assert axe_violations(page, live_server.url) == []
