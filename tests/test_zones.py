"""Zone services: a zone's population and geometry always follow its member communes."""

import pytest
import shapely
from django.core.exceptions import ValidationError

from territories.geometry import dissolve
from territories.models import Zone, ZoneMembership, Zoning
from territories.services import zone_refresh, zone_set_communes, zoning_create
from tests.factories import SIDE, make_commune, make_commune_grid, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid():
    """Six neighbouring square communes 69001…69006 in a 3×2 grid, populations 100…600."""
    return make_commune_grid(3, 2)


def codes(communes):
    return [c.code for c in communes]


def test_it_creates_a_zoning_with_population_and_geometry_from_its_communes(grid):
    zoning = zoning_create(
        region=make_region(),
        name="Zones du schéma",
        kind=Zoning.Kind.SCHEMA,
        zones={"west": ("Ouest", ["69001", "69004"]), "east": ("Est", ["69002", "69003"])},
    )

    west, east = zoning.zones.get(code="west"), zoning.zones.get(code="east")
    assert (west.population, east.population) == (100 + 400, 200 + 300)
    assert west.geometry.geom_type == "MultiPolygon"
    assert west.geometry.valid and west.map_geometry.valid
    assert west.geometry.area == pytest.approx(2 * SIDE * SIDE)
    # Two vertically adjacent squares dissolve into one rectangle, not two touching parts.
    assert len(west.geometry) == 1
    assert east.geometry.touches(west.geometry)
    memberships = ZoneMembership.objects.filter(zone=west)
    assert {m.zoning_id for m in memberships} == {zoning.id}


def test_it_refuses_an_unknown_commune_code_and_writes_nothing(grid):
    with pytest.raises(ValidationError, match="99999"):
        zoning_create(
            region=make_region(),
            name="Z",
            kind=Zoning.Kind.SCHEMA,
            zones={"a": ("A", ["69001", "99999"])},
        )
    assert not Zoning.objects.exists() and not Zone.objects.exists()


def test_it_refuses_a_commune_in_two_zones_and_writes_nothing(grid):
    with pytest.raises(ValidationError, match="69002"):
        zoning_create(
            region=make_region(),
            name="Z",
            kind=Zoning.Kind.GHT,
            zones={"a": ("A", ["69001", "69002"]), "b": ("B", ["69002", "69003"])},
        )
    assert not Zoning.objects.exists() and not ZoneMembership.objects.exists()


def test_it_refuses_a_second_zoning_of_the_same_name_in_a_region(grid):
    zones = {"a": ("A", ["69001"])}
    zoning_create(region=make_region(), name="Z", kind=Zoning.Kind.CPTS, zones=zones)
    with pytest.raises(ValidationError):
        zoning_create(region=make_region(), name="Z", kind=Zoning.Kind.CPTS, zones=zones)


def test_setting_communes_replaces_the_members_and_refreshes_the_zone(grid):
    zoning = zoning_create(
        region=make_region(), name="Z", kind=Zoning.Kind.SCHEMA, zones={"a": ("A", ["69001"])}
    )
    zone = zoning.zones.get()

    zone_set_communes(zone, grid[4:6])

    zone.refresh_from_db()
    assert sorted(codes(zone.communes.all())) == ["69005", "69006"]
    assert zone.population == 500 + 600
    assert zone.geometry.area == pytest.approx(2 * SIDE * SIDE)


def test_a_commune_cannot_join_a_second_zone_of_the_same_zoning(grid):
    zoning = zoning_create(
        region=make_region(),
        name="Z",
        kind=Zoning.Kind.SCHEMA,
        zones={"a": ("A", ["69001"]), "b": ("B", ["69002"])},
    )
    with pytest.raises(ValidationError, match="69001"):
        zone_set_communes(zoning.zones.get(code="b"), grid[:2])
    assert codes(zoning.zones.get(code="b").communes.all()) == ["69002"]


def test_refresh_follows_a_changed_commune_population(grid):
    zoning = zoning_create(
        region=make_region(), name="Z", kind=Zoning.Kind.SCHEMA, zones={"a": ("A", ["69001"])}
    )
    grid[0].population = 12345
    grid[0].save()
    zone = zone_refresh(zoning.zones.get())
    assert Zone.objects.get(pk=zone.pk).population == 12345


def test_a_zone_of_communes_without_polygon_has_no_geometry_and_counts_unknown_as_zero():
    communes = [
        make_commune("15031", population=None, with_geometry=False),
        make_commune("15035", population=200, with_geometry=False),
    ]
    zoning = zoning_create(
        region=make_region(),
        name="Z",
        kind=Zoning.Kind.OTHER,
        zones={"a": ("A", codes(communes))},
    )
    zone = zoning.zones.get()
    assert zone.population == 200
    assert zone.geometry is None and zone.map_geometry is None


def test_an_empty_zone_has_zero_population_and_no_geometry(grid):
    zoning = zoning_create(
        region=make_region(), name="Z", kind=Zoning.Kind.SCHEMA, zones={"a": ("A", ["69001"])}
    )
    zone = zone_set_communes(zoning.zones.get(), [])
    assert zone.population == 0 and zone.geometry is None


def test_dissolve_cancels_shared_edges_and_falls_back_on_overlaps():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    union = dissolve([left, right])
    assert union.is_valid and union.area == pytest.approx(2.0)
    assert len(shapely.get_parts(union)) == 1  # one polygon: the shared edge is gone
    # Overlapping squares are not a coverage: the general union gives the true area.
    overlapping = dissolve([left, shapely.box(0.5, 0, 1.5, 1)])
    assert overlapping.is_valid and overlapping.area == pytest.approx(1.5)
    assert dissolve([]).is_empty
