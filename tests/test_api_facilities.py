"""/api/etablissements, /api/autorisations, /api/groupements and /api/filieres, /api/niveaux:
filters (département, zone, kind, level, status, bounding box, search), GeoJSON points,
authentication and fixed query counts; on the demo and on the real AURA hospitals."""

import pytest
from django.contrib.gis.geos import Polygon
from rest_framework.authtoken.models import Token

from facilities.models import Authorisation, Facility, FacilityGroup
from pathways.models import Level, Pathway
from pathways.selectors import level_facilities
from territories.models import Zone
from tests.api_helpers import api_client, decimals, query_count

pytest_plugins = ["tests.api_fixtures"]


@pytest.fixture
def director(demo):
    return api_client(demo.users["director"])


def finess_of(collection) -> set[str]:
    return {feature["id"] for feature in collection["features"]}


def test_it_lists_facilities_as_geojson_points(director):
    page = director.get("/api/etablissements/?page_size=5").json()
    assert page["type"] == "FeatureCollection"
    assert page["count"] == Facility.objects.count()
    feature = page["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert decimals(feature["geometry"]["coordinates"]) <= 6
    facility = Facility.objects.get(finess_et=feature["id"])
    assert feature["properties"]["commune"] == facility.commune.code
    assert feature["properties"]["department"] == "96"


def test_it_filters_facilities_by_kind_status_department_and_zone(director):
    kinds = director.get("/api/etablissements/?kind=ch&kind=chu&page_size=1000").json()
    assert finess_of(kinds) == set(
        Facility.objects.filter(kind__in=["ch", "chu"]).values_list("finess_et", flat=True)
    )
    assert director.get("/api/etablissements/?department=01").json()["count"] == 0
    opened = director.get("/api/etablissements/?status=open").json()["count"]
    assert opened == Facility.objects.filter(status="open").count()

    zone = Zone.objects.filter(zoning__region__code="99").first()
    in_zone = director.get(f"/api/etablissements/?zone={zone.pk}&page_size=1000").json()
    expected = Facility.objects.filter(commune__zones=zone).values_list("finess_et", flat=True)
    assert finess_of(in_zone) == set(expected) != set()


def test_it_lists_the_facilities_serving_a_pathway_level(director):
    level = Level.objects.get(pathway__code="urgences", rank=1)
    found = director.get(f"/api/etablissements/?level={level.pk}&page_size=1000").json()
    expected = set(level_facilities(level).values_list("finess_et", flat=True))
    assert finess_of(found) == expected
    assert 0 < len(expected) < Facility.objects.count()


def test_it_finds_a_facility_by_finess_number_and_looks_it_up(director):
    facility = Facility.objects.order_by("finess_et")[3]
    found = director.get("/api/etablissements/", {"search": facility.finess_et}).json()
    assert finess_of(found) == {facility.finess_et}
    one = director.get(f"/api/etablissements/{facility.finess_et}/").json()
    assert one["properties"]["name"] == facility.name


def test_it_answers_400_on_an_unknown_kind(director):
    response = director.get("/api/etablissements/?kind=hospital")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_it_lists_authorisations_and_groups(director):
    authorisation = Authorisation.objects.select_related("facility").first()
    finess = authorisation.facility.finess_et
    listed = director.get(f"/api/autorisations/?facility={finess}").json()
    assert listed["count"] == authorisation.facility.authorisations.count()
    assert {row["facility"] for row in listed["results"]} == {finess}
    current = director.get("/api/autorisations/?current=true").json()["count"]
    assert 0 < current <= Authorisation.objects.count()

    group = FacilityGroup.objects.prefetch_related("members").first()
    row = director.get("/api/groupements/", {"search": group.code}).json()["results"][0]
    assert row["support"] == (group.support.finess_ej if group.support else None)
    assert set(row["members"]) == {m.finess_ej for m in group.members.all()}


def test_it_lists_pathways_with_their_levels_and_targets(director):
    pathways = director.get("/api/filieres/").json()["results"]
    assert [p["code"] for p in pathways] == list(Pathway.objects.values_list("code", flat=True))
    emergency = director.get("/api/filieres/urgences/").json()
    assert emergency["levels"][0]["access_target_minutes"] == 30
    levels = director.get("/api/niveaux/?pathway=urgences").json()
    # Current levels: the retired urgences levels (pathways 0005) are read by id only.
    assert levels["count"] == Level.current.filter(pathway__code="urgences").count() == 1


def test_a_token_opens_the_api_and_a_bad_one_does_not(demo):
    token = Token.objects.create(user=demo.users["analyst"])
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/etablissements/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert client.get("/api/etablissements/").status_code == 401
    assert api_client().get("/api/etablissements/").status_code == 401


def test_it_hands_a_token_for_a_username_and_password(demo):
    from tests.personas import make_user

    make_user("scripted", password="a-long-pass-phrase")
    response = api_client().post(
        "/api/token/", {"username": "scripted", "password": "a-long-pass-phrase"}
    )
    assert response.status_code == 200
    assert Token.objects.get(user__username="scripted").key == response.json()["token"]
    wrong = api_client().post("/api/token/", {"username": "scripted", "password": "nope"})
    assert wrong.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/etablissements/?page_size={n}",
        "/api/etablissements/?page_size={n}&level={level}",
        "/api/autorisations/?page_size={n}",
        "/api/groupements/?page_size={n}",
        "/api/filieres/?page_size={n}",
        "/api/niveaux/?page_size={n}",
    ],
)
def test_lists_cost_the_same_queries_whatever_the_page_size(
    director, url, django_assert_num_queries
):
    level = Level.objects.get(pathway__code="urgences", rank=1).pk
    expected = query_count(director, url.format(n=1, level=level))
    with django_assert_num_queries(expected):
        director.get(url.format(n=300, level=level))
    assert expected <= 6


@pytest.mark.open_data
def test_real_aura_hospitals_by_bounding_box_and_finess(db, open_data):
    from facilities.importers import import_gisco_hospitals
    from territories.importers import import_communes, import_departments, import_regions
    from tests.personas import make_user

    import_regions(open_data / "population" / "regions-cog2026.json")
    import_departments(open_data / "population" / "departements-cog2026.json")
    import_departments(open_data / "geo" / "departements-france-2018.geojson")
    import_communes(open_data / "geo" / "communes-aura-cog2026.geojson")
    import_gisco_hospitals(open_data / "facilities" / "eurostat-gisco-hospitals-aura-2020.csv")
    client = api_client(make_user("reader"))

    lyon_box = "4.77,45.70,4.90,45.81"
    found = client.get(f"/api/etablissements/?in_bbox={lyon_box}&page_size=1000").json()
    for feature in found["features"]:
        x, y = feature["geometry"]["coordinates"]
        assert 4.77 <= x <= 4.90 and 45.70 <= y <= 45.81
    box = Polygon.from_bbox((4.77, 45.70, 4.90, 45.81))
    inside = Facility.objects.filter(point__within=box).values_list("finess_et", flat=True)
    assert finess_of(found) == set(inside)
    lyon = Facility.objects.filter(commune__code="69123").values_list("finess_et", flat=True)
    assert set(lyon) <= finess_of(found)
    assert found["count"] > 20

    hospital = Facility.objects.filter(commune__code="69123").order_by("finess_et").first()
    by_number = client.get("/api/etablissements/", {"search": hospital.finess_et}).json()
    assert finess_of(by_number) == {hospital.finess_et}
    assert client.get("/api/etablissements/?department=69").json()["count"] == (
        Facility.objects.filter(commune__department__code="69").count()
    )
