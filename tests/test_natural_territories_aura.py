"""Natural territories (issue 13 §3) on the real Auvergne-Rhône-Alpes communes (4,021
polygons): the commune adjacency, zonings proposed from flows or from nearest-facility
catchments, and the catchments layer and exports."""

import json
import time

import numpy as np
import pytest
import shapely
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from access.services import membership_grant
from dashboard.catchment_layers import catchment_map
from facilities.models import Facility
from indicators.engine.regionalisation import adjacency_from_pairs, is_contiguous
from indicators.engine.travel.crowfly import haversine_km
from indicators.flows_models import PatientFlow, PmsiGeoCommune
from indicators.zoning_proposals import propose_zoning
from pathways.models import Level
from sros import services, workflow
from territories.models import Commune, ZoneMembership, Zoning
from territories.selectors import commune_adjacency
from territories.services import zoning_create
from tests.personas import make_user
from tests.test_schema_aura_pages import aura  # noqa: F401 (fixture)

pytestmark = [pytest.mark.open_data, pytest.mark.django_db]


def test_the_adjacency_of_aura_is_the_communes_sharing_a_boundary_line(aura, db):  # noqa: F811
    started = time.perf_counter()
    adjacency = commune_adjacency(aura)
    seconds = time.perf_counter() - started
    print(f"\ncommune_adjacency(AURA): {len(adjacency)} communes, {len(adjacency.pairs)} pairs, "
          f"{seconds:.2f} s")  # fmt: skip
    assert len(adjacency) == 4021
    assert adjacency.no_polygon == ["15031", "15035", "15047", "15171"]
    assert (adjacency.pairs[:, 0] < adjacency.pairs[:, 1]).all()
    codes = np.array(adjacency.codes)
    found = {tuple(sorted(p)) for p in codes[adjacency.pairs].tolist()}
    assert ("69123", "69266") in found  # Lyon – Villeurbanne
    assert seconds < 3
    # The same pairs as PostGIS's own DE-9IM on the spatial index.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.code, b.code FROM territories_commune a
            JOIN territories_department da ON da.id = a.department_id
            JOIN territories_commune b ON a.code < b.code AND a.geometry && b.geometry
            JOIN territories_department db ON db.id = b.department_id
            WHERE da.region_id = %s AND db.region_id = %s
              AND ST_Relate(a.geometry, b.geometry, '****1****')
            """,
            [aura.pk, aura.pk],
        )
        assert set(cursor.fetchall()) == found


# --- proposals --------------------------------------------------------------------------------


@pytest.fixture
def psychiatry():
    return Level.objects.get(pathway__code="sante-mentale", rank=1)


@pytest.fixture
def departments_zoning(aura):  # noqa: F811
    zones = {
        d.code: (d.name, list(d.communes.values_list("code", flat=True)))
        for d in aura.departments.order_by("code")
    }
    return zoning_create(region=aura, name="Départements", kind="schema", zones=zones)


def assert_partition(zoning, adjacency, minimum=0):
    """Every commune with a polygon in exactly one zone, each zone contiguous and at least
    ``minimum`` inhabitants."""
    members = list(
        ZoneMembership.objects.filter(zoning=zoning).values_list("commune__code", "zone_id")
    )
    codes = [code for code, _zone in members]
    assert len(codes) == len(set(codes)) == len(adjacency)
    assert set(codes) == set(adjacency.codes)
    zone_of = dict(members)
    zone_ids = sorted(set(zone_of.values()))
    labels = np.array([zone_ids.index(zone_of[code]) for code in adjacency.codes])
    graph = adjacency_from_pairs(len(adjacency), adjacency.pairs)
    assert is_contiguous(labels, graph)
    for zone in zoning.zones.all():
        assert zone.population >= minimum, zone
    return labels


def test_a_proposal_with_a_minimum_population_is_a_partition_of_contiguous_zones(
    aura,  # noqa: F811
    psychiatry,
    departments_zoning,
):
    started = time.perf_counter()
    zoning = propose_zoning(
        aura, min_population=150_000, level=psychiatry, compare_with=departments_zoning
    )
    seconds = time.perf_counter() - started
    print(f"\npropose_zoning(AURA, min 150,000, surrogate): {seconds:.2f} s "
          f"{zoning.proposal['timings']}, {zoning.zones.count()} zones")  # fmt: skip
    assert zoning.status == Zoning.Status.DRAFT and zoning.kind == Zoning.Kind.SCHEMA
    adjacency = commune_adjacency(aura)
    assert_partition(zoning, adjacency, minimum=150_000)
    proposal = Zoning.objects.get(pk=zoning.pk).proposal
    assert proposal["source"]["kind"] == "catchments"  # no flows loaded: the surrogate
    assert proposal["parameters"]["min_population"] == 150_000
    assert proposal["no_polygon"] == ["15031", "15035", "15047", "15171"]
    assert set(proposal["zones"]) == set(zoning.zones.values_list("code", flat=True))
    for zone in zoning.zones.all():  # named after its most populous commune
        top = zone.communes.order_by("-population").first()
        assert zone.name == top.name
        assert proposal["zones"][zone.code]["population"] == zone.population
        assert 0 <= proposal["zones"][zone.code]["internal_share"] <= 1
    compared = proposal["compared_with"]
    assert compared["name"] == "Départements" and len(compared["zones"]) == 12
    assert all(0 <= z["internal_share"] <= 1 for z in compared["zones"])
    assert seconds < 5


def test_a_number_of_zones_gives_exactly_that_many_contiguous_zones(aura, psychiatry):  # noqa: F811
    adjacency = commune_adjacency(aura)
    for n in (1, 12, 40):
        zoning = propose_zoning(aura, n_zones=n, level=psychiatry)
        assert zoning.zones.count() == n
        assert_partition(zoning, adjacency)


def test_without_flows_and_without_a_level_nothing_is_proposed(aura):  # noqa: F811
    with pytest.raises(ValidationError) as error:
        propose_zoning(aura, min_population=100_000)
    assert error.value.code == "no_flows"
    assert not Zoning.objects.exists()


def test_flows_when_loaded_are_used_and_kept_inside_their_departments(
    aura,  # noqa: F811
    departments_zoning,
):
    """Synthetic stays on the real geography: every commune's residents treated at one
    hospital of their own département; the proposal reads the flows (not the surrogate) and
    the départements keep all their stays."""
    hospital_of = {}
    for facility in Facility.objects.filter(commune__department__region=aura).order_by("finess_et"):
        hospital_of.setdefault(facility.commune.department_id, facility)
    communes = list(Commune.objects.filter(department__region=aura).exclude(population=None))
    PmsiGeoCommune.objects.bulk_create(
        PmsiGeoCommune(year=2023, pmsi_code=c.code, commune=c, share=1.0) for c in communes
    )
    PatientFlow.objects.bulk_create(
        PatientFlow(
            year=2023, activity="MCO", pmsi_code=c.code, level="et",
            finess=hospital_of[c.department_id].finess_et,
            facility=hospital_of[c.department_id], stays=max(c.population // 10, 1),
        )
        for c in communes if c.department_id in hospital_of
    )  # fmt: skip
    zoning = propose_zoning(aura, min_population=200_000, compare_with=departments_zoning)
    proposal = zoning.proposal
    assert proposal["source"]["kind"] == "flows"
    assert (proposal["source"]["year"], proposal["source"]["activity"]) == (2023, "MCO")
    assert_partition(zoning, commune_adjacency(aura), minimum=200_000)
    assert {z["internal_share"] for z in proposal["compared_with"]["zones"]} == {1.0}
    assert proposal["compared_with"]["overall_share"] == 1.0
    assert proposal["overall_share"] > 0.8


# --- the page, the catchments layer and exports -------------------------------------------------


@pytest.fixture
def people(aura):  # noqa: F811
    planner, director = make_user("nt-planner"), make_user("nt-director")
    membership_grant(user=planner, region=aura, role="planner")
    membership_grant(user=director, region=aura, role="director")
    return planner, director


def test_a_planner_proposes_on_the_page_and_a_director_reads_it(
    aura,  # noqa: F811
    psychiatry,
    departments_zoning,
    people,
    client,
):
    planner, director = people
    schema = services.schema_create(region=aura)
    draft = workflow.version_new_draft(schema, user=planner)
    services.version_set_zoning(version=draft, zoning=departments_zoning, user=planner)
    client.force_login(planner)
    page = reverse("dashboard:natural_territories", args=["84"])
    started = time.perf_counter()
    response = client.post(
        reverse("dashboard:natural_territories_propose", args=["84"]),
        {"criterion": "zones", "n_zones": "15", "level": psychiatry.pk},
    )
    print(f"\nPOST proposer (AURA, 15 zones): {time.perf_counter() - started:.2f} s")
    assert response.status_code == 302
    zoning = Zoning.objects.get(status=Zoning.Status.DRAFT)
    assert zoning.zones.count() == 15
    html = client.get(response["Location"]).content.decode()
    assert "Substitut, faute de flux de patients" in html
    assert 'id="current-zones"' in html and "Départements" in html
    assert html.count("<tr data-zone=") == 15 + 12
    # Put into the version in draft: the schema's zoning picker accepts a draft zoning.
    response = client.post(reverse("dashboard:natural_territories_use", args=["84", zoning.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.default_zoning == zoning

    client.force_login(director)
    html = client.get(page + f"?zonage={zoning.pk}").content.decode()
    assert zoning.name in html and 'id="proposal-form"' not in html
    assert 'id="read-only"' in html
    # The first level (maternities) has no authorisation loaded from GISCO: no catchment, said.
    assert 'id="catchments-note"' in html and "données manquantes" in html
    html = client.get(page + f"?zonage={zoning.pk}&niveau={psychiatry.pk}").content.decode()
    assert "approximation par type d" in html
    response = client.post(
        reverse("dashboard:natural_territories_propose", args=["84"]),
        {"criterion": "zones", "n_zones": "3", "level": psychiatry.pk},
    )
    assert response.status_code == 403
    assert Zoning.objects.filter(status=Zoning.Status.DRAFT).count() == 1


def test_a_proposal_without_flows_nor_level_is_refused_on_the_page(aura, people, client):  # noqa: F811
    client.force_login(people[0])
    response = client.post(
        reverse("dashboard:natural_territories_propose", args=["84"]),
        {"criterion": "population", "min_population": "100000"},
    )
    assert response.status_code == 422
    assert 'id="proposal-error"' in response.content.decode()
    assert not Zoning.objects.exists()


def test_catchments_cover_every_commune_exactly_once(aura, psychiatry, people, client):  # noqa: F811
    client.force_login(people[1])
    started = time.perf_counter()
    response = client.get(
        reverse("dashboard:catchments_layer", args=["84"]), {"niveau": psychiatry.pk}
    )
    print(f"\ncatchments layer (AURA, psychiatry): {time.perf_counter() - started:.2f} s, "
          f"{len(response.content) // 1024} KB")  # fmt: skip
    layer = json.loads(response.content)
    assert layer["features"] and layer["provider"]["provider"] == "crowfly"
    result = catchment_map(aura, psychiatry)
    codes = [code for area in result.areas for code in area.codes]
    placed = set(Commune.objects.filter(department__region=aura).exclude(point=None).values_list(
        "code", flat=True
    ))  # fmt: skip
    assert len(codes) == len(set(codes)) == len(placed) and set(codes) == placed
    assert sum(f["properties"]["k"] for f in layer["features"]) == len(placed)
    # Each commune is in the catchment of its nearest facility (brute force, crow-fly).
    catchments = result.catchments
    units, sites = catchments.units.places, catchments.facilities.places
    km = haversine_km(
        units.lon[:, None], units.lat[:, None], sites.lon[None, :], sites.lat[None, :]
    )
    assigned = km[np.arange(len(units)), catchments.facility]
    assert np.allclose(assigned, km.min(axis=1), atol=1e-6)  # ties: any of the nearest
    # The dissolved areas do not overlap: their areas add up to the communes' area.
    union = shapely.union_all([a.geometry for a in result.areas])
    assert union.area == pytest.approx(sum(a.geometry.area for a in result.areas), rel=1e-3)

    csv = client.get(
        reverse("dashboard:export_catchments", args=["84", "csv"]), {"niveau": psychiatry.pk}
    )
    assert csv.status_code == 200
    rows = [line.split(";") for line in csv.content.decode("utf-8-sig").splitlines()]
    commune_rows = [r for r in rows if len(r) > 4 and r[0][:2].isdigit() and len(r[0]) == 5]
    in_csv = [r[0] for r in commune_rows]
    assert len(in_csv) == len(set(in_csv)) == 4025  # every commune, those without a point too
    for fmt in ("geojson", "gpkg"):
        response = client.get(
            reverse("dashboard:export_catchments", args=["84", fmt]), {"niveau": psychiatry.pk}
        )
        assert response.status_code == 200
        if fmt == "geojson":
            data = json.loads(response.content)
            assert len(data["features"]) == len(result.areas)
            assert data["sros_metadata"]
