"""/api/regions, /api/departements, /api/communes, /api/zonages, /api/zones: GeoJSON,
filters, simplified geometries, pagination, permissions and fixed query counts."""

import json

import pytest
from shapely.geometry import shape

from territories.models import Commune, Zone, Zoning
from tests.api_helpers import api_client, decimals, query_count

pytest_plugins = ["tests.api_fixtures"]


@pytest.fixture
def analyst(demo):
    return api_client(demo.users["analyst"])


def test_it_lists_regions_and_departements_as_geojson(analyst):
    regions = analyst.get("/api/regions/").json()
    assert regions["type"] == "FeatureCollection"
    assert "99" in [f["properties"]["code"] for f in regions["features"]]

    departments = analyst.get("/api/departements/?region=99").json()
    assert [f["properties"]["code"] for f in departments["features"]] == ["96"]
    assert departments["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_it_filters_communes_by_department_and_pages_them(analyst):
    first = analyst.get("/api/communes/?department=96&page_size=10").json()
    assert first["count"] == 540
    assert len(first["features"]) == 10
    assert "page=2" in first["next"]
    second = analyst.get(first["next"]).json()
    codes = [f["properties"]["code"] for f in first["features"] + second["features"]]
    assert codes == sorted(codes) and len(set(codes)) == 20


def test_it_refuses_a_page_size_above_the_cap(analyst, monkeypatch):
    from core.pagination import FeaturePagination

    monkeypatch.setattr(FeaturePagination, "max_page_size", 50)
    assert len(analyst.get("/api/communes/?page_size=50").json()["features"]) == 50
    refused = analyst.get("/api/communes/?page_size=400")
    assert refused.status_code == 400 and "50" in refused.json()["page_size"][0]


def test_it_serves_full_geometries_unless_simplified_ones_are_asked(analyst):
    commune = Commune.objects.filter(department__code="96").order_by("code").first()
    full = analyst.get(f"/api/communes/{commune.pk}/").json()
    simplified = analyst.get(f"/api/communes/{commune.pk}/?simplified=1").json()

    assert decimals(full["geometry"]["coordinates"]) <= 6
    assert decimals(simplified["geometry"]["coordinates"]) <= 4
    stored = shape(json.loads(commune.geometry.geojson))
    assert shape(full["geometry"]).equals_exact(stored, 1e-6)
    assert shape(simplified["geometry"]).equals_exact(
        shape(json.loads(commune.map_geometry.geojson)), 1e-4
    )


def test_it_simplifies_department_outlines_on_request(analyst):
    full = analyst.get("/api/departements/?region=99").json()["features"][0]["geometry"]
    light = analyst.get("/api/departements/?region=99&simplified=1").json()
    light = light["features"][0]["geometry"]
    assert decimals(light["coordinates"]) <= 4
    assert len(repr(light)) < len(repr(full))
    assert shape(light).symmetric_difference(shape(full)).area < 0.01 * shape(full).area


def test_it_finds_the_communes_of_a_zone_by_search_and_in_a_bounding_box(analyst):
    zone = Zone.objects.filter(zoning__region__code="99").first()
    members = set(zone.communes.values_list("code", flat=True))
    found = analyst.get(f"/api/communes/?zone={zone.pk}&page_size=1000").json()
    assert {f["properties"]["code"] for f in found["features"]} == members

    commune = Commune.objects.filter(department__code="96").order_by("code")[5]
    by_name = analyst.get("/api/communes/", {"search": commune.name}).json()
    assert commune.code in [f["properties"]["code"] for f in by_name["features"]]

    x, y = commune.point.coords
    box = f"{x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}"
    in_box = analyst.get(f"/api/communes/?in_bbox={box}").json()
    assert [f["properties"]["code"] for f in in_box["features"]] == [commune.code]


def test_it_shows_zonings_and_zones_of_the_users_regions_only(demo, analyst):
    zoning = Zoning.objects.filter(region=demo.region).first()
    listed = {z["id"]: z for z in analyst.get("/api/zonages/").json()["results"]}
    assert listed[zoning.pk]["status"] == "in_use"  # a proposed zoning says "draft"
    zones = analyst.get(f"/api/zones/?zoning={zoning.pk}&simplified=1").json()
    assert zones["count"] == zoning.zones.count() > 0
    assert decimals(zones["features"][0]["geometry"]["coordinates"]) <= 4

    outsider = api_client(demo.users["outsider"])
    assert outsider.get("/api/zonages/").json()["count"] == 0
    assert outsider.get("/api/zones/").json()["count"] == 0
    assert outsider.get(f"/api/zonages/{zoning.pk}/").status_code == 403
    zone = zoning.zones.first()
    assert outsider.get(f"/api/zones/{zone.pk}/").status_code == 403
    admin = api_client(demo.users["admin"])
    assert admin.get(f"/api/zones/{zone.pk}/").status_code == 200


def test_anonymous_visitors_get_401(demo):
    for url in ["/api/regions/", "/api/communes/", "/api/zonages/", "/api/zones/"]:
        response = api_client().get(url)
        assert response.status_code == 401, url
        assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "url",
    [
        "/api/regions/?page_size={n}",
        "/api/departements/?page_size={n}",
        "/api/communes/?page_size={n}",
        "/api/communes/?page_size={n}&simplified=1",
        "/api/zonages/?page_size={n}",
        "/api/zones/?page_size={n}&simplified=1",
    ],
)
def test_lists_cost_the_same_queries_whatever_the_page_size(
    analyst, url, django_assert_num_queries
):
    expected = query_count(analyst, url.format(n=2))
    with django_assert_num_queries(expected):
        analyst.get(url.format(n=200))
    # session, user, count, page (+ the user's regions for region-scoped lists)
    assert expected <= 6


@pytest.mark.open_data
def test_real_aura_communes_and_departements(db, open_data):
    from territories.importers import import_communes, import_departments, import_regions
    from tests.personas import make_user

    import_regions(open_data / "population" / "regions-cog2026.json")
    import_departments(open_data / "population" / "departements-cog2026.json")
    import_departments(open_data / "geo" / "departements-france-2018.geojson")
    import_communes(open_data / "geo" / "communes-aura-cog2026.geojson")
    client = api_client(make_user("reader"))

    rhone = client.get("/api/communes/?department=69&page_size=1").json()
    assert rhone["count"] == Commune.objects.filter(department__code="69").count() > 200
    lyon = client.get("/api/communes/?search=69123").json()["features"]
    assert [f["properties"]["name"] for f in lyon] == ["Lyon"]
    pk = lyon[0]["id"]
    full = client.get(f"/api/communes/{pk}/").json()["geometry"]
    light = client.get(f"/api/communes/{pk}/?simplified=1").json()["geometry"]
    assert len(json.dumps(light)) < len(json.dumps(full)) / 2
    aura = client.get("/api/departements/?region=84&simplified=1").json()
    assert aura["count"] == 12
