"""Our 403/404/500 pages (core/errors.py, templates/40x.html, 500.html): French by default,
English when chosen, with the navigation and what to do next, in DEBUG and not; the 500 page
renders without the database; /api/ keeps its JSON errors."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from core.errors import server_error
from tests.personas import make_user

pytestmark = pytest.mark.urls("tests.error_urls")

CASES = [
    ("/nulle-part/", 404, "Page introuvable", "Page not found"),
    ("/essai/absent/", 404, "Page introuvable", "Page not found"),
    ("/essai/interdit/", 403, "Accès refusé", "Access denied"),
    ("/essai/panne/", 500, "Erreur du serveur", "Server error"),
]


def client_for(user=None, language=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path, status, french, english", CASES)
def test_error_pages_are_ours_in_french_and_english(db, settings, debug, path, status, french,
                                                    english):  # fmt: skip
    if debug and status == 500:
        pytest.skip("with DEBUG=1 a server error shows Django's traceback, for the developer")
    settings.DEBUG = debug
    user = make_user("lecteur")

    page = client_for(user).get(path)
    text = page.content.decode()
    assert page.status_code == status
    assert f'<h1 id="error-title">{french}</h1>' in text
    assert '<html lang="fr">' in text
    assert "Que faire ?" in text and "Revenir à l'accueil" in text
    assert 'href="/tableau-de-bord/"' in text  # the navigation
    assert "Django" not in text and "Traceback" not in text

    english_page = client_for(user, "en").get(path).content.decode()
    assert f">{english}</h1>" in english_page and '<html lang="en">' in english_page


def test_the_500_page_needs_no_database_and_no_user(db, django_assert_num_queries):
    with django_assert_num_queries(0), translation.override("fr"):
        response = server_error(None)
    text = response.content.decode()
    assert response.status_code == 500
    assert "Erreur du serveur" in text and 'href="/tableau-de-bord/"' in text
    assert "Se déconnecter" not in text and "csrfmiddlewaretoken" not in text


@pytest.mark.parametrize("debug", [False, True])
def test_api_errors_stay_json(db, settings, debug):
    settings.DEBUG = debug
    response = client_for(make_user("script")).get("/api/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_missing_slash_still_redirects_in_debug(db, settings):
    settings.DEBUG = True
    response = client_for(make_user("lecteur")).get("/tableau-de-bord")
    assert response.status_code == 301
