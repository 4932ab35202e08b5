"""load_demo: the fictitious region, on PostGIS, and the demo path on SpatiaLite."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from facilities.models import Facility, FacilityGroup
from pathways.models import Level
from pathways.selectors import level_facilities
from territories.models import Commune, Region, Zone

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_loaded(db):
    call_command("load_demo", stdout=StringIO())


def test_it_loads_a_region_clearly_labelled_fictitious(demo_loaded):
    region = Region.objects.get(code="99")
    assert "fictive" in region.name
    assert region.geometry is not None
    assert Commune.objects.filter(department__code="96").count() == 540
    assert Facility.objects.exclude(name__icontains="fictif").count() == 0


def test_it_gives_communes_polygons_points_and_plausible_populations(demo_loaded):
    communes = Commune.objects.filter(department__code="96")
    assert communes.filter(geometry=None).count() == 0
    assert communes.filter(point=None).count() == 0
    populations = sorted(communes.values_list("population", flat=True))
    assert populations[0] >= 40
    assert populations[-1] == 185_000
    assert 400 < populations[len(populations) // 2] < 1_000  # villages dominate
    assert 500_000 < sum(populations) < 1_500_000


def test_it_has_every_facility_kind_inside_its_commune(demo_loaded):
    kinds = set(Facility.objects.values_list("kind", flat=True))
    assert kinds == set(Facility.Kind.values)
    for facility in Facility.objects.select_related("commune"):
        assert facility.commune is not None, facility
        assert facility.commune.geometry.contains(facility.point), facility


def test_it_serves_every_pathway_level(demo_loaded):
    for level in Level.objects.select_related("pathway"):
        assert level_facilities(level).exists(), f"{level} has no facility"


def test_it_creates_one_ght_and_a_six_zone_schema_zoning(demo_loaded):
    ght = FacilityGroup.objects.get(kind="ght")
    assert ght.support.facilities.filter(kind="chu").exists()
    assert not ght.members.filter(is_stub=True).exists()  # the demo's cs1100501 named them
    assert ght.members.filter(pk=ght.support.pk).exists()
    assert ght.members.count() >= 5
    zones = Zone.objects.filter(zoning__region__code="99")
    assert zones.count() == 6
    region_population = sum(
        Commune.objects.filter(department__code="96").values_list("population", flat=True)
    )
    assert sum(zone.population for zone in zones) == region_population
    assert all(zone.geometry is not None for zone in zones)


def test_it_changes_nothing_when_run_twice(demo_loaded):
    before = (Commune.objects.count(), Facility.objects.count(), Zone.objects.count())
    facility = Facility.objects.order_by("finess_et").first()
    call_command("load_demo", stdout=StringIO())
    after = (Commune.objects.count(), Facility.objects.count(), Zone.objects.count())
    assert before == after
    assert Facility.objects.get(pk=facility.pk).imported_at == facility.imported_at


def test_the_demo_path_runs_on_spatialite(tmp_path):
    """What scripts/demo.sh does, minus the server: migrate and load_demo on SpatiaLite."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SROS_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*manage, *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("migrate", "--noinput", "-v0")
    first = run("load_demo")
    assert "540 created" in first
    second = run("load_demo")
    assert "540 unchanged" in second and " 0 created" in second
    count = run(
        "shell", "-c", "from facilities.models import Facility; print(Facility.objects.count())"
    )
    assert int(count.split()[-1]) > 50
    # The commune layers' box and coarse copies on SpatiaLite (territories.shapes.in_bbox).
    shapes = run(
        "shell",
        "-c",
        "from territories.models import Region; from territories.shapes import commune_shapes;"
        "r = Region.objects.get(code='99'); every = commune_shapes(r, low_zoom=True);"
        "xs = [c for c in every if c.geometry];"
        "from django.contrib.gis.geos import GEOSGeometry;"
        "e = GEOSGeometry(xs[0].geometry).extent; inside = (e[0] + (e[2] - e[0]) / 3,"
        " e[1] + (e[3] - e[1]) / 3, e[2] - (e[2] - e[0]) / 3, e[3] - (e[3] - e[1]) / 3);"
        "boxed = commune_shapes(r, bbox=inside);"
        "print(len(every), len(xs), xs[0].code in [c.code for c in boxed], len(boxed))",
    )
    every, drawn, found, boxed = shapes.split()[-4:]
    assert every == drawn == "540" and found == "True" and 0 < int(boxed) < 540
    assert (tmp_path / "sros-demo.sqlite3").exists()
