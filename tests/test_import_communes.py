"""Commune polygon importer, on the real AURA files and on broken ones.

The whole region is imported once for the module (committed, then removed at the end); each
test runs in a transaction rolled back afterwards, so a failed import can be checked against
the real data imported before it.
"""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from django.conf import settings
from django.db.models import F

from core.importing import ImportFailed
from territories.importers import (
    import_communes,
    import_departments,
    import_population,
    import_regions,
)
from territories.models import Commune, Department, MunicipalDistrict, Region

AURA_COMMUNES = "geo/communes-aura-cog2026.geojson"
pytestmark = pytest.mark.open_data


@pytest.fixture(scope="module")
def aura(open_data, django_db_setup, django_db_blocker):
    """Regions, départements (COG + polygons) and the 4,021 AURA communes, imported once."""
    with django_db_blocker.unblock():
        try:
            import_regions(open_data / "population/regions-cog2026.json")
            import_regions(open_data / "geo/regions-france-2018.geojson")
            import_departments(open_data / "population/departements-cog2026.json")
            import_departments(open_data / "geo/departements-france-2018.geojson")
            report = import_communes(open_data / AURA_COMMUNES)
            yield report
        finally:
            # Committed outside any test transaction: leave the database empty for other modules.
            MunicipalDistrict.objects.all().delete()
            Commune.objects.all().delete()
            Department.objects.all().delete()
            Region.objects.all().delete()


def snapshot():
    """What a failed import must leave untouched."""
    lyon = Commune.objects.get(code="69123")
    return Commune.objects.count(), lyon.name, lyon.population, lyon.geometry.wkb


def write_geojson(path, features):
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def feature(code, nom, ring, **properties):
    return {
        "type": "Feature",
        "properties": {"code": code, "nom": nom, **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


SQUARE = [[4.80, 45.70], [4.81, 45.70], [4.81, 45.71], [4.80, 45.71], [4.80, 45.70]]


@pytest.mark.django_db
def test_it_imports_the_4021_aura_communes(aura):
    # Its speed is bench/bench_import.py's to measure, not a test's: a loaded machine is slower.
    assert (aura.created, aura.updated, aura.rejected) == (4021, 0, 0)
    assert Commune.objects.count() == 4021
    saint_etienne = Commune.objects.get(code="42218")
    assert saint_etienne.name == "Saint-Étienne"
    assert saint_etienne.population == 173_136
    assert saint_etienne.department.code == "42"
    assert saint_etienne.department.region.code == "84"


@pytest.mark.django_db
def test_every_commune_has_valid_geometries_and_a_point_inside(aura):
    rows = list(Commune.objects.values_list("geometry", "map_geometry", "point"))
    full = shapely.from_wkb([bytes(g.wkb) for g, _m, _p in rows])
    maps = shapely.from_wkb([bytes(m.wkb) for _g, m, _p in rows])
    points = shapely.from_wkb([bytes(p.wkb) for _g, _m, p in rows])
    assert set(shapely.get_type_id(full)) == {6} and set(shapely.get_type_id(maps)) == {6}
    assert shapely.is_valid(full).all() and shapely.is_valid(maps).all()
    assert not shapely.is_empty(maps).any()
    assert shapely.contains(full, points).all()
    # The same check in PostGIS, as other apps will query it.
    assert not Commune.objects.exclude(geometry__contains=F("point")).exists()


@pytest.mark.django_db
def test_map_geometries_are_lighter_rounded_and_still_share_their_edges(aura):
    rows = list(Commune.objects.values_list("geometry", "map_geometry"))
    full = shapely.from_wkb([bytes(g.wkb) for g, _m in rows])
    maps = shapely.from_wkb([bytes(m.wkb) for _g, m in rows])
    assert shapely.get_num_coordinates(maps).sum() < shapely.get_num_coordinates(full).sum()
    coords = shapely.get_coordinates(maps)
    scale = 10**settings.SROS_MAP_COORD_PRECISION
    assert np.allclose(coords * scale, np.round(coords * scale), atol=1e-6)
    # Neighbours neither overlap nor leave gaps between them: still a valid coverage.
    assert shapely.coverage_is_valid(maps)


@pytest.mark.django_db
def test_the_low_zoom_copies_are_valid_coarser_and_lighter_than_the_map_copies(aura):
    rows = list(Commune.objects.values_list("map_geometry", "low_zoom_map_geometry"))
    maps = shapely.from_wkb([bytes(m.wkb) for m, _low in rows])
    low = shapely.from_wkb([bytes(low.wkb) for _m, low in rows])
    assert set(shapely.get_type_id(low)) == {6}
    assert shapely.is_valid(low).all() and not shapely.is_empty(low).any()
    # Rounded to 3 decimals, except the few that fell back to their map copy.
    coords = [shapely.get_coordinates(g) for g in low]
    rounded = [np.allclose(c * 1000, np.round(c * 1000), atol=1e-6) for c in coords]
    assert np.mean(rounded) > 0.99
    assert all(shapely.equals_exact(low[i], maps[i], 0) for i in np.flatnonzero(~np.array(rounded)))
    # Fewer vertices, and about half the GeoJSON text of the map copies.
    assert shapely.get_num_coordinates(low).sum() < 0.7 * shapely.get_num_coordinates(maps).sum()
    low_text = sum(len(shapely.to_geojson(g)) for g in shapely.set_precision(low, 1e-3))
    map_text = sum(len(shapely.to_geojson(g)) for g in maps)
    assert low_text < 0.6 * map_text
    # Still the same territory: each coarse shape covers most of its commune.
    overlap = shapely.area(shapely.intersection(low, maps)) / shapely.area(maps)
    assert np.median(overlap) > 0.9


@pytest.mark.django_db
def test_the_migration_backfills_the_low_zoom_copies_the_importer_computes(aura):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("territories.migrations.0004_commune_low_zoom_map")
    imported = dict(Commune.objects.values_list("code", "low_zoom_map_geometry"))
    Commune.objects.update(low_zoom_map_geometry=None)

    class Editor:  # what RunPython hands over that the backfill reads
        pass

    editor = Editor()
    editor.connection = connection
    migration.backfill_low_zoom_map_geometry(apps, editor)
    filled = dict(Commune.objects.values_list("code", "low_zoom_map_geometry"))
    assert filled.keys() == imported.keys()
    assert all(filled[code].equals_exact(imported[code], 0) for code in imported)


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(aura, open_data):
    before = dict(Commune.objects.values_list("code", "id"))
    report = import_communes(open_data / AURA_COMMUNES)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4021)
    assert dict(Commune.objects.values_list("code", "id")) == before


@pytest.mark.django_db
def test_population_after_polygons_adds_communes_without_polygon_and_lyon_districts(
    aura, open_data
):
    report = import_population(
        open_data / "population/communes-aura-cog2026.csv", reference_year=2023
    )
    # The 4 re-established Cantal communes (no polygon) and Lyon's 9 arrondissements.
    assert report.created == 4 + 9
    assert Commune.objects.count() == 4025
    celles = Commune.objects.get(code="15031")
    assert celles.geometry is None and celles.population > 0
    lyon = Commune.objects.get(code="69123")
    assert (lyon.population, lyon.population_year) == (519_127, 2023)
    assert lyon.geometry is not None
    assert sum(Commune.objects.values_list("population", flat=True)) == 8_205_557


@pytest.mark.django_db
def test_it_reads_a_2018_departement_file_with_code_and_nom(aura, open_data):
    Commune.objects.filter(department__code="42").delete()
    report = import_communes(open_data / "geo/communes-2018/communes-42-loire.geojson")
    assert report.created == 326 and report.rejected == 0
    assert Commune.objects.get(code="42218").name == "Saint-Étienne"
    # A 2018 commune merged since (into Vêtre-sur-Anzon) is still in this 2018 file.
    assert Commune.objects.get(code="42072").name == "Côte-en-Couzan"


@pytest.mark.django_db
@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", "gpkg"), ("ESRI Shapefile", "shp")])
def test_it_reads_admin_express_columns_in_lambert_93(aura, open_data, tmp_path, driver, suffix):
    source = gpd.read_file(open_data / AURA_COMMUNES)
    sample = source[source["departement"] == "43"].head(25)
    admin_express = sample.rename(columns={"code": "INSEE_COM", "nom": "NOM"})[
        ["INSEE_COM", "NOM", "geometry"]
    ].to_crs(2154)
    path = tmp_path / f"COMMUNE.{suffix}"
    admin_express.to_file(path, driver=driver)
    Commune.objects.filter(code__in=list(sample["code"])).delete()

    report = import_communes(path)

    assert report.created == 25
    for code, name, original in sample[["code", "nom", "geometry"]].itertuples(index=False):
        stored = Commune.objects.get(code=code)
        assert stored.name == name
        assert stored.geometry.srid == 4326
        stored_shape = shapely.from_wkb(bytes(stored.geometry.wkb))
        assert shapely.hausdorff_distance(stored_shape, original) < 1e-6


def assert_fails_and_nothing_changes(path, where, reason):
    before = snapshot()
    with pytest.raises(ImportFailed) as failure:
        import_communes(path)
    assert failure.value.path == str(path)
    assert where in failure.value.where
    assert reason in failure.value.reason
    assert str(path) in str(failure.value)
    assert snapshot() == before
    return failure.value


@pytest.mark.django_db
def test_it_rejects_a_file_without_a_code_column(aura, tmp_path):
    path = write_geojson(
        tmp_path / "c.geojson",
        [
            {
                "type": "Feature",
                "properties": {"nom": "X"},
                "geometry": feature("", "", SQUARE)["geometry"],
            }
        ],
    )
    assert_fails_and_nothing_changes(path, "", "missing column(s) code or insee_com")


@pytest.mark.django_db
def test_it_rejects_a_file_that_is_not_geographic(aura, tmp_path, open_data):
    csv_path = tmp_path / "communes.csv"
    csv_path.write_text("code,nom\n69123,Lyon\n", encoding="utf-8")
    assert_fails_and_nothing_changes(csv_path, "", "not a geographic file")
    text_path = tmp_path / "communes.gpkg"
    text_path.write_text("hello", encoding="utf-8")
    assert_fails_and_nothing_changes(text_path, "", "not a readable geographic file")


@pytest.mark.django_db
def test_it_rejects_a_geojson_that_is_not_utf8(aura, tmp_path):
    path = tmp_path / "latin1.geojson"
    text = json.dumps(
        {"type": "FeatureCollection", "features": [feature("69123", "Lyon", SQUARE)]},
        indent=1,
        ensure_ascii=False,
    ).replace("Lyon", "Lyon-Étienne")
    path.write_bytes(text.encode("latin-1"))
    assert_fails_and_nothing_changes(path, "line ", "not UTF-8")


@pytest.mark.django_db
def test_it_rejects_duplicate_codes(aura, tmp_path):
    other = [[x + 0.02, y] for x, y in SQUARE]
    path = write_geojson(
        tmp_path / "dup.geojson",
        [feature("69123", "Lyon", SQUARE), feature("69123", "Lyon bis", other)],
    )
    assert_fails_and_nothing_changes(path, "feature 2 (code 69123)", "duplicate commune code")


@pytest.mark.django_db
def test_it_rejects_coordinates_outside_france(aura, tmp_path):
    swapped = [[y, x] for x, y in SQUARE]
    path = write_geojson(
        tmp_path / "swapped.geojson",
        [feature("69123", "Lyon", SQUARE), feature("69381", "Lyon 1er", swapped)],
    )
    assert_fails_and_nothing_changes(path, "feature 2 (code 69381)", "outside France")


@pytest.mark.django_db
def test_it_reprojects_but_still_rejects_lambert_93_read_as_degrees(aura, tmp_path):
    # A Lambert 93 file that lost its CRS: metres read as degrees are far outside France.
    ring = [[842_000, 6_519_000], [843_000, 6_519_000], [843_000, 6_520_000], [842_000, 6_519_000]]
    path = write_geojson(tmp_path / "nocrs.geojson", [feature("69123", "Lyon", ring)])
    assert_fails_and_nothing_changes(path, "feature 1 (code 69123)", "outside France")


@pytest.mark.django_db
def test_it_rejects_a_commune_of_a_departement_not_loaded(aura, tmp_path):
    path = write_geojson(tmp_path / "dep.geojson", [feature("96001", "Nulle part", SQUARE)])
    assert_fails_and_nothing_changes(path, "feature 1 (code 96001)", "département 96 is not loaded")


@pytest.mark.django_db
def test_it_rejects_a_geometry_that_cannot_be_repaired(aura, tmp_path):
    flat = [[4.80, 45.70], [4.81, 45.70], [4.82, 45.70], [4.80, 45.70]]
    path = write_geojson(
        tmp_path / "flat.geojson", [feature("69123", "Lyon", SQUARE), feature("69381", "X", flat)]
    )
    assert_fails_and_nothing_changes(path, "feature 2 (code 69381)", "cannot be repaired")


@pytest.mark.django_db
def test_it_rejects_a_feature_that_is_not_a_polygon(aura, tmp_path):
    point = {
        "type": "Feature",
        "properties": {"code": "69123", "nom": "Lyon"},
        "geometry": {"type": "Point", "coordinates": [4.8, 45.7]},
    }
    path = write_geojson(tmp_path / "point.geojson", [point])
    assert_fails_and_nothing_changes(path, "feature 1 (code 69123)", "expected a polygon")


@pytest.mark.django_db
def test_it_rejects_an_empty_file(aura, tmp_path):
    path = write_geojson(tmp_path / "empty.geojson", [])
    assert_fails_and_nothing_changes(path, "", "no feature")


@pytest.mark.django_db
def test_it_repairs_a_self_intersecting_polygon_and_says_so(aura, tmp_path):
    bow_tie = [[4.80, 45.70], [4.81, 45.71], [4.81, 45.70], [4.80, 45.71], [4.80, 45.70]]
    path = write_geojson(tmp_path / "bowtie.geojson", [feature("69123", "Lyon", bow_tie)])
    report = import_communes(path)
    assert report.updated == 1
    assert any("feature 1 (code 69123)" in m and "repaired" in m for m in report.messages)
    lyon = Commune.objects.get(code="69123")
    assert lyon.geometry.valid and lyon.geometry.num_geom == 2
    assert lyon.map_geometry.valid and lyon.geometry.contains(lyon.point)
    # A geometry file does not rename an existing commune: the COG names it.
    assert lyon.name == "Lyon"
