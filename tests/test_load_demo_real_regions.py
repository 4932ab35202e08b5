"""``load_demo --from``: a planner and a director in every real region loaded, and a draft
schema zoned by département for a region without one; a second run changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from access import roles
from access.models import RegionMembership
from demo.real_regions import ZONING_NAME, set_up_real_regions
from demo.schema import DEMO_PASSWORD
from sros.models import Schema, SchemaVersion
from territories.models import Zone
from tests.factories import make_commune_grid, make_department, make_region


@pytest.fixture
def regions(db):
    """AURA with two départements loaded, PACA with one of its two listed, and a region
    without communes."""
    aura = make_region("84", "Auvergne-Rhône-Alpes")
    make_commune_grid(2, 2, department=make_department("01", "Ain", aura))
    make_commune_grid(2, 1, department=make_department("69", "Rhône", aura))
    paca = make_region("93", "Provence-Alpes-Côte d'Azur")
    make_commune_grid(3, 1, department=make_department("06", "Alpes-Maritimes", paca))
    make_department("83", "Var", paca)
    make_region("11", "Île-de-France")
    return aura, paca


def snapshot():
    return {
        "memberships": sorted(
            RegionMembership.objects.values_list("user__username", "region__code", "role")
        ),
        "passwords": sorted(
            RegionMembership.objects.values_list("user__username", "user__password")
        ),
        "versions": list(SchemaVersion.objects.values_list("id", "state", "lock_version")),
        "zones": list(Zone.objects.values_list("id", "code", "population")),
    }


def test_every_loaded_real_region_gets_a_planner_and_a_director(regions):
    lines = set_up_real_regions()
    memberships = set(
        RegionMembership.objects.values_list("user__username", "region__code", "role")
    )
    assert memberships == {
        ("planificateur-84", "84", "planner"), ("directeur-84", "84", "director"),
        ("planificateur-93", "93", "planner"), ("directeur-93", "93", "director"),
    }  # fmt: skip
    assert "demo login: directeur-93 / demo-sros (director, Provence-Alpes-Côte d'Azur)" in lines
    request = RequestFactory().get("/")
    user = authenticate(request, username="directeur-93", password=DEMO_PASSWORD)
    assert user is not None
    assert roles.role_in(user, regions[1].pk) == "director"


def test_a_region_without_schema_gets_a_draft_zoned_by_department(regions):
    set_up_real_regions()
    aura, paca = regions
    draft = SchemaVersion.objects.get(schema__region=aura)
    assert draft.state == "draft"
    assert draft.default_zoning.name == ZONING_NAME
    zones = {zone.code: (zone.name, zone.population) for zone in draft.default_zoning.zones.all()}
    assert zones == {"01": ("Ain", 1000), "69": ("Rhône", 300)}
    # Only the loaded département of a partial region is a zone.
    paca_zones = Zone.objects.filter(zoning__region=paca).values_list("code", flat=True)
    assert list(paca_zones) == ["06"]
    assert not Schema.objects.filter(region__code="11").exists()


def test_a_region_with_a_schema_is_left_alone_and_a_second_run_changes_nothing(regions):
    aura, _paca = regions
    Schema.objects.create(region=aura, name="Schéma existant")
    set_up_real_regions()
    assert not SchemaVersion.objects.filter(schema__region=aura).exists()
    before = snapshot()
    lines = set_up_real_regions()
    assert snapshot() == before
    assert any(
        line.startswith("Auvergne-Rhône-Alpes: Schéma existant, 0 version") for line in lines
    )


def test_load_demo_from_a_directory_sets_the_regions_up(regions, tmp_path):
    (tmp_path / "population").mkdir()
    (tmp_path / "population/regions-cog2026.json").write_text(
        '[{"code": "93", "nom": "Provence-Alpes-Côte d\'Azur"}]', encoding="utf-8"
    )
    out = StringIO()
    call_command("load_demo", "--from", str(tmp_path), stdout=out)
    assert "demo login: planificateur-84 / demo-sros (planner, Auvergne-Rhône-Alpes)" in (
        out.getvalue()
    )
    assert "Provence-Alpes-Côte d'Azur — Alpes-Maritimes seulement, 1 département sur 2" in (
        out.getvalue()
    )
