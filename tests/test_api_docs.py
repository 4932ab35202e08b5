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


def test_the_schema_describes_what_the_api_answers(reader):
    document = yaml.safe_load(reader.get("/api/schema/").content)
    schemas = document["components"]["schemas"]
    # A GeoJSON page is a FeatureCollection: ``features``, never DRF's ``results``.
    page = schemas["PaginatedCommuneList"]["allOf"]
    assert page[0] == {"$ref": "#/components/schemas/CommuneList"}
    assert set(page[1]["required"]) == {"type", "count", "next", "previous", "features"}
    assert schemas["CommuneList"]["properties"]["features"]["type"] == "array"
    assert schemas["Commune"]["properties"]["geometry"]["nullable"] is True
    change = schemas["ScenarioChange"]["properties"]
    assert change["lat"]["nullable"] is True and change["lon"]["nullable"] is True
    communes = document["paths"]["/api/communes/"]["get"]
    page_size = next(p for p in communes["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["minimum"] == 1 and page_size["schema"]["maximum"] == 1000
    assert {"400", "401", "404"} <= set(communes["responses"])
    update = document["paths"]["/api/objectifs/{id}/"]["put"]["responses"]
    assert {"400", "401", "403", "404", "409", "413"} <= set(update)
    conflict = update["409"]["content"]["application/json"]["schema"]
    assert conflict["properties"]["current"] == {"$ref": "#/components/schemas/Objective"}
