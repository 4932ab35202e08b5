"""Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
from one address, that pair is locked for the cool-off, even with the right password, on the
login page (the French lock-out page) and on POST /api/token/ (a JSON error); other users and
other addresses are not affected."""

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.personas import make_user

PASSWORD = "right-password-42"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def planner(db):
    return make_user("planificatrice", password=PASSWORD)


def log_in(client: Client, username: str, password: str):
    return client.post("/connexion/", {"username": username, "password": password})


def test_the_limit_is_ten_failures_and_the_cool_off_a_quarter_of_an_hour():
    assert LIMIT == 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_wrong_passwords_lock_the_account_from_that_address(planner):
    client = Client()
    statuses = [log_in(client, "planificatrice", f"wrong-{i}").status_code for i in range(LIMIT)]
    assert statuses[:-1] == [200] * (LIMIT - 1)  # the form again, with its error
    assert statuses[-1] == 429

    response = log_in(client, "planificatrice", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Connexion bloquée" in page
    assert "Après 10 mots de passe erronés" in page and "Réessayez dans 15 minutes" in page
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_only_for_that_username_and_address(planner):
    make_user("directeur", password=PASSWORD)
    client = Client()
    for i in range(LIMIT):
        log_in(client, "planificatrice", f"wrong-{i}")

    assert log_in(Client(), "directeur", PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert log_in(elsewhere, "planificatrice", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(planner):
    client = Client()
    for i in range(LIMIT - 1):
        log_in(client, "planificatrice", f"wrong-{i}")
    assert log_in(client, "planificatrice", PASSWORD).status_code == 302
    client.logout()
    for i in range(LIMIT - 1):
        assert log_in(client, "planificatrice", f"wrong-again-{i}").status_code == 200
    assert log_in(client, "planificatrice", PASSWORD).status_code == 302


def test_the_token_endpoint_is_throttled_too(planner):
    client = APIClient()
    body = {"username": "planificatrice", "password": PASSWORD}
    for i in range(LIMIT - 1):
        wrong = client.post("/api/token/", {**body, "password": f"wrong-{i}"}, format="json")
        assert wrong.status_code == 400
    client.post("/api/token/", {**body, "password": "wrong-last"}, format="json")

    response = client.post("/api/token/", body, format="json")
    assert response.status_code == 429
    assert "bloqué" in response.json()["detail"]
    assert "token" not in response.json()


def test_the_admin_login_shares_the_lock(planner):
    client = Client()
    for i in range(LIMIT):
        log_in(client, "planificatrice", f"wrong-{i}")
    response = client.post(
        "/admin/login/", {"username": "planificatrice", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 429
