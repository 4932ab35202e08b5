"""/api/schema/ and /api/docs/: a valid OpenAPI document, and Swagger UI served from our own
static files (drf-spectacular-sidecar), never from another host."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

from tests.api_helpers import api_client
from tests.personas import make_user


@pytest.fixture
def reader(db):
    return api_client(make_user("reader"))


def test_the_openapi_schema_is_valid_and_lists_every_endpoint(reader):
    response = reader.get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    validate(document)
    paths = set(document["paths"])
    for endpoint in [
        "regions",
        "departements",
        "communes",
        "zonages",
        "zones",
        "etablissements",
        "autorisations",
        "groupements",
        "filieres",
        "niveaux",
        "calculs",
        "indicateurs",
        "versions",
        "volets",
        "objectifs",
        "projets-pilotes",
        "initiatives",
    ]:
        assert f"/api/{endpoint}/" in paths, endpoint
    names = {p["name"] for p in document["paths"]["/api/etablissements/"]["get"]["parameters"]}
    assert {"department", "zone", "kind", "level", "status", "search", "in_bbox"} <= names
    assert "tokenAuth" in document["components"]["securitySchemes"]
    enums = document["components"]["schemas"]
    assert enums["ScenarioChangeKindEnum"]["enum"] == ["open", "close", "authorise", "withdraw"]
    assert "ch" in enums["FacilityKindEnum"]["enum"]


def test_schema_generation_raises_no_warning(db):
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


def test_the_docs_page_loads_swagger_ui_from_our_static_files(reader):
    response = reader.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("swagger-ui" in url for url in urls)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "http://" not in html and "https://" not in html
    script = next(url for url in urls if url.endswith("swagger-ui-bundle.js"))
    assert reader.get(script).status_code == 200


def test_the_schema_and_docs_need_a_signed_in_user(db):
    assert api_client().get("/api/schema/").status_code == 401
    assert api_client().get("/api/docs/").status_code == 401
