"""Errors under /api/ answer JSON (``{"detail": ...}``) whoever makes them: an unknown URL, a
body over DATA_UPLOAD_MAX_MEMORY_SIZE, a server error; and ``page_size`` is validated."""

import pytest
from django.test import Client

from territories import api as territories_api
from tests.api_helpers import api_client
from tests.personas import make_user


@pytest.fixture
def reader(db):
    return api_client(make_user("reader"))


def test_an_unknown_api_url_answers_404_in_json(reader):
    response = reader.get("/api/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_unknown_page_url_still_answers_html(reader):
    response = reader.get("/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_an_oversized_body_answers_413_in_json(reader, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    if content_type != "application/json":
        body = "name=" + "x" * 2000
    response = reader.generic("POST", "/api/scenarios/", body, content_type=content_type)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "1000" in response.json()["detail"]


def test_a_server_error_answers_500_in_json(db, monkeypatch):
    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(territories_api.RegionViewSet, "list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(make_user("reader"))
    response = client.get("/api/regions/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "a bug" not in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/communes/", "/api/filieres/"])
@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "1001", "2.5"])
def test_a_page_size_out_of_bounds_answers_400_naming_the_limit(reader, url, page_size):
    response = reader.get(f"{url}?page_size={page_size}")
    assert response.status_code == 400
    assert "1000" in response.json()["page_size"][0]


def test_a_page_size_within_bounds_is_served(reader):
    assert reader.get("/api/filieres/?page_size=1").json()["count"] >= 1
    assert len(reader.get("/api/filieres/?page_size=1").json()["results"]) == 1
    assert reader.get("/api/communes/?page_size=1000").status_code == 200
