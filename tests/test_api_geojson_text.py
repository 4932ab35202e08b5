"""Communes and facilities lists carry the GeoJSON PostGIS wrote (core.geojson.with_geojson and
GeoJSONTextRenderer): the same answer as drf-gis rounding the geometries in Python."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.test import RequestFactory
from rest_framework.request import Request

from facilities.api import FacilitySerializer
from facilities.filters import facility_list
from facilities.models import Facility
from territories import filters
from territories.api import CommuneMapSerializer, CommuneSerializer
from tests.api_helpers import api_client
from tests.factories import make_commune, make_commune_grid, make_department
from tests.personas import make_user


@pytest.fixture
def reader(db):
    department = make_department("69", "Rhône")
    communes = make_commune_grid(3, 2, department=department)
    make_commune("69999", department=department, with_geometry=False, name="Sans contour")
    # a name shaped like the renderer's placeholder, without its secret token
    make_commune("69998", col=5, department=department, name="deadbeef:0")
    Facility.objects.create(
        finess_et="690000001", name="CH fictif", kind="ch", status="open", source="manual",
        commune=communes[0], point=Point(4.8312345678, 45.7612345678, srid=4326),
    )  # fmt: skip
    Facility.objects.create(
        finess_et="690000002", name="Sans point", kind="ch", status="open", source="manual"
    )
    return api_client(make_user("reader"))


def plain(serializer_class, queryset, url: str) -> dict:
    """What drf-gis writes for ``queryset`` (geometries rounded in Python), as JSON."""
    request = Request(RequestFactory().get(url))
    data = serializer_class(queryset, many=True, context={"request": request}).data
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("simplified", [False, True])
def test_communes_are_the_same_as_drf_gis_writes(reader, simplified):
    url = "/api/communes/?page_size=100" + ("&simplified=1" if simplified else "")
    served = reader.get(url)
    assert served.status_code == 200
    serializer = CommuneMapSerializer if simplified else CommuneSerializer
    expected = plain(serializer, filters.commune_list(simplified=simplified), url)
    assert served.json()["features"] == expected["features"]
    names = {f["properties"]["name"]: f for f in served.json()["features"]}
    assert names["Sans contour"]["geometry"] is None and names["deadbeef:0"]["geometry"]


def test_facilities_are_the_same_as_drf_gis_writes(reader):
    served = reader.get("/api/etablissements/")
    expected = plain(FacilitySerializer, facility_list(), "/api/etablissements/")
    assert served.json()["features"] == expected["features"]
    assert served.json()["features"][0]["geometry"]["coordinates"] == [4.831235, 45.761235]


def test_a_single_commune_and_the_browsable_api(reader):
    commune = reader.get("/api/communes/?search=69001").json()["features"][0]
    one = reader.get(f"/api/communes/{commune['id']}/").json()
    assert one["geometry"] == commune["geometry"]
    page = reader.get("/api/communes/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"MultiPolygon" in page.content
