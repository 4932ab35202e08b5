"""Commune polygons of an earlier COG year (``geo/communes-2018/``) in the open-data layout:
they shape only the communes that have no polygon yet, through the population file's
``anciens_codes``; the current polygons stay; a second load changes nothing."""

import json
from pathlib import Path

import pytest
import shapely

from core.importing import ImportFailed
from opendata.layout import files_to_load, load_directory
from territories.importers import import_missing_commune_polygons
from territories.models import Commune

HEADER = (
    "code_insee,nom,type,departement,region,arrondissement,population,codes_postaux,siren,"
    "commune_parente,anciens_codes"
)


def square(lon: float, lat: float, size: float = 0.01) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def feature(code: str, name: str, lon: float, lat: float, **extra) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "nom": name, **extra},
        "geometry": {"type": "Polygon", "coordinates": [square(lon, lat)]},
    }


def write_json(path: Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def geojson(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def folder(tmp_path) -> Path:
    """Two régions; the Ain (84) with a current polygon file, the Alpes-Maritimes (93) with
    population only; a communes-2018 folder covering both, with two 2018 communes of the 06
    merged into one 2026 commune (06999, invented), and a 2018 file of a département whose
    communes are not loaded (Savoie)."""
    write_json(
        tmp_path / "population/regions-cog2026.json",
        [{"code": "84", "nom": "Auvergne-Rhône-Alpes"}, {"code": "93", "nom": "PACA"}],
    )
    write_json(
        tmp_path / "population/departements-cog2026.json",
        [
            {"code": "01", "nom": "Ain", "region": "84"},
            {"code": "06", "nom": "Alpes-Maritimes", "region": "93"},
            {"code": "73", "nom": "Savoie", "region": "84"},
        ],
    )
    write_json(
        tmp_path / "geo/communes-ain-cog2026.geojson",
        geojson(feature("01001", "L'Abergement-Clémenciat", 5.0, 46.0, population=860)),
    )
    (tmp_path / "population/communes-test-cog2026.csv").write_text(
        "\n".join(
            [
                HEADER,
                "01001,L'Abergement-Clémenciat,commune-actuelle,01,84,012,860,01400,1,,",
                "06088,Nice,commune-actuelle,06,93,062,357737,06000,2,,",
                "06999,Commune nouvelle,commune-actuelle,06,93,062,900,06910,3,,06001|06002",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    write_json(
        tmp_path / "geo/communes-2018/communes-01-ain.geojson",
        geojson(feature("01001", "Abergement-Clémenciat", 5.5, 46.5)),
    )
    write_json(
        tmp_path / "geo/communes-2018/communes-06-alpes-maritimes.geojson",
        geojson(
            feature("06088", "Nice", 7.25, 43.70),
            feature("06001", "Aiglun", 6.90, 43.85),
            feature("06002", "Amirat", 6.91, 43.85),
        ),
    )
    write_json(
        tmp_path / "geo/communes-2018/communes-73-savoie.geojson",
        geojson(feature("73001", "Aiguebelette-le-Lac", 5.8, 45.55)),
    )
    return tmp_path


def test_the_former_polygons_load_after_the_population(folder):
    kinds = [kind for kind, _path in files_to_load(folder)]
    assert kinds.index("communes-fill") > kinds.index("population")
    assert kinds.count("communes-fill") == 3


@pytest.mark.django_db
def test_they_shape_only_the_communes_without_a_polygon(folder):
    reports = load_directory(folder)
    fills = [r for r in reports if r.kind == "communes-fill"]
    ain, alpes, savoie = fills
    assert (ain.created, ain.updated, ain.unchanged) == (0, 0, 1)
    assert (alpes.created, alpes.updated, alpes.unchanged) == (0, 2, 0)
    assert alpes.rows_by_department == {"06": 3}
    assert (savoie.updated, savoie.unchanged) == (0, 0)
    assert any("département 73 skipped" in m for m in savoie.messages)

    # The 2026 polygon of the Ain commune is kept, not replaced by the 2018 one.
    kept = Commune.objects.get(code="01001")
    assert kept.point.x == pytest.approx(5.005, abs=0.005)
    # The 2018 codes 06001 and 06002 went to their 2026 commune, as one shape.
    merged = Commune.objects.get(code="06999")
    shape = shapely.from_wkb(bytes(merged.geometry.wkb))
    assert shape.area == pytest.approx(2 * 0.01**2, rel=1e-6)
    assert merged.geometry.contains(merged.point)
    assert merged.map_geometry is not None
    assert (merged.name, merged.population) == ("Commune nouvelle", 900)
    assert not Commune.objects.filter(code__in=["06001", "06002", "73001"]).exists()
    assert Commune.objects.filter(department__code="06", point=None).count() == 0


@pytest.mark.django_db
def test_a_second_load_changes_nothing(folder):
    load_directory(folder)
    before = list(Commune.objects.order_by("code").values_list("code", "geometry", "point"))
    reports = load_directory(folder)
    assert all(r.created == 0 and r.updated == 0 for r in reports), [r.summary() for r in reports]
    after = list(Commune.objects.order_by("code").values_list("code", "geometry", "point"))
    assert after == before


@pytest.mark.django_db
def test_a_code_found_nowhere_fails_the_file_and_writes_nothing(folder, tmp_path):
    load_directory(folder)
    Commune.objects.filter(code="06088").update(geometry=None, map_geometry=None, point=None)
    path = tmp_path / "communes-06-bad.geojson"
    write_json(
        path, geojson(feature("06088", "Nice", 7.25, 43.70), feature("06777", "Nulle", 7, 44))
    )
    with pytest.raises(ImportFailed) as refusal:
        import_missing_commune_polygons(path)
    assert "feature 2 (code 06777)" in str(refusal.value)
    assert "found nowhere" in str(refusal.value)
    assert Commune.objects.get(code="06088").geometry is None


@pytest.mark.open_data
@pytest.mark.django_db
def test_the_real_alpes_maritimes_get_a_point_for_every_commune(open_data):
    """The real 06: population COG 2026, then its 163 polygons of COG 2018."""
    from territories.importers import import_departments, import_population, import_regions

    import_regions(open_data / "population/regions-cog2026.json")
    import_departments(open_data / "population/departements-cog2026.json")
    import_population(open_data / "population/communes-06-cog2026.csv")
    report = import_missing_commune_polygons(
        open_data / "geo/communes-2018/communes-06-alpes-maritimes.geojson"
    )
    assert (report.updated, report.rejected) == (163, 0)
    communes = Commune.objects.filter(department__code="06")
    assert communes.count() == 163
    assert communes.filter(point=None).count() == 0
    assert communes.filter(geometry=None).count() == 0
    nice = communes.get(code="06088")
    assert nice.geometry.contains(nice.point)
    again = import_missing_commune_polygons(
        open_data / "geo/communes-2018/communes-06-alpes-maritimes.geojson"
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 163)
