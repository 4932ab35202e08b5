"""Region and département importers: the INSEE COG JSON arrays and the 2018 polygon files."""

import json

import pytest

from core.importing import ImportFailed
from territories.importers import import_departments, import_regions
from territories.models import Department, Region

pytestmark = [pytest.mark.django_db, pytest.mark.open_data]

REGIONS_COG = "population/regions-cog2026.json"
REGIONS_GEO = "geo/regions-france-2018.geojson"
DEPARTMENTS_COG = "population/departements-cog2026.json"
DEPARTMENTS_GEO = "geo/departements-france-2018.geojson"


def load(open_data, *files):
    importers = {
        REGIONS_COG: import_regions,
        REGIONS_GEO: import_regions,
        DEPARTMENTS_COG: import_departments,
        DEPARTMENTS_GEO: import_departments,
    }
    return [importers[name](open_data / name) for name in files]


@pytest.mark.parametrize("order", [(REGIONS_COG, REGIONS_GEO), (REGIONS_GEO, REGIONS_COG)])
def test_regions_get_names_chief_towns_and_polygons_in_either_order(open_data, order):
    load(open_data, *order)

    assert Region.objects.count() == 26
    aura = Region.objects.get(code="84")
    assert (aura.name, aura.chief_town_code) == ("Auvergne-Rhône-Alpes", "69123")
    assert aura.geometry.geom_type == "MultiPolygon" and aura.geometry.srid == 4326
    assert aura.geometry.valid
    assert Region.objects.exclude(geometry=None).count() == 13
    assert Region.objects.get(code="01").name == "Guadeloupe"
    assert Region.objects.filter(chief_town_code="").count() == 0


@pytest.mark.parametrize(
    "order", [(DEPARTMENTS_COG, DEPARTMENTS_GEO), (DEPARTMENTS_GEO, DEPARTMENTS_COG)]
)
def test_departments_get_their_region_and_polygon_in_either_order(open_data, order):
    load(open_data, REGIONS_COG, *order)

    assert Department.objects.count() == 109
    loire = Department.objects.get(code="42")
    assert (loire.name, loire.region.code, loire.chief_town_code) == ("Loire", "84", "42218")
    assert loire.geometry.valid and loire.geometry.geom_type == "MultiPolygon"
    assert Department.objects.exclude(geometry=None).count() == 96
    # Département 01 (Ain) is in region 84; region 01 (Guadeloupe) holds département 971.
    assert Department.objects.get(code="01").region.code == "84"
    assert Department.objects.get(code="971").region.name == "Guadeloupe"
    assert {"2A", "2B"} <= set(Department.objects.values_list("code", flat=True))
    assert not Department.objects.filter(region=None).exists()


def test_a_polygon_file_alone_creates_departments_without_region(open_data):
    load(open_data, DEPARTMENTS_GEO)
    assert Department.objects.count() == 96
    assert Department.objects.get(code="2A").region is None


def test_importing_the_same_files_twice_changes_nothing(open_data):
    files = (REGIONS_COG, REGIONS_GEO, DEPARTMENTS_COG, DEPARTMENTS_GEO)
    load(open_data, *files)
    ids = dict(Department.objects.values_list("code", "id"))

    again = load(open_data, *files)

    assert [(r.created, r.updated) for r in again] == [(0, 0)] * 4
    assert [r.unchanged for r in again] == [26, 13, 109, 96]
    assert dict(Department.objects.values_list("code", "id")) == ids


def test_a_department_whose_region_is_not_loaded_fails_and_writes_nothing(open_data, tmp_path):
    load(open_data, REGIONS_COG)
    entries = json.loads((open_data / DEPARTMENTS_COG).read_text(encoding="utf-8"))
    entries[3]["region"] = "99"
    path = tmp_path / "departements.json"
    path.write_text(json.dumps(entries), encoding="utf-8")

    with pytest.raises(ImportFailed) as failure:
        import_departments(path)

    assert str(path) in str(failure.value)
    assert failure.value.where == f"entry 4 (code {entries[3]['code']})"
    assert "region 99 is not loaded" in failure.value.reason
    assert not Department.objects.exists()


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


FEATURE = (
    '{"type": "Feature", "properties": {"code": "84", "nom": "Auvergne-Rhône-Alpes"}, '
    '"geometry": {"type": "Polygon", "coordinates": [[[4.8, 45.7], [4.9, 45.7], [4.9, 45.8], '
    "[4.8, 45.7]]]}}"
)


def collection(*features):
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"


BAD_REGION_FILES = {
    "missing-name": (
        "regions.json",
        '[{"code": "84", "nom": "ARA"}, {"code": "11"}]',
        "entry 2",
        "missing or non-text field(s): nom",
    ),
    "broken-json": ("regions.json", '[{"code": "84",\n "nom": }]', "line 2", "not valid JSON"),
    "latin-1": (
        "regions.json",
        '[{"code": "84",\n "nom": "Auvergne-Rhône-Alpes"}]'.encode("latin-1"),
        "line 2",
        "not UTF-8",
    ),
    "duplicate": (
        "regions.json",
        '[{"code": "84", "nom": "A"}, {"code": "84", "nom": "B"}]',
        "entry 2 (code 84)",
        "duplicate region code 84",
    ),
    "bad-code": ("regions.json", '[{"code": "8", "nom": "A"}]', "entry 1", "invalid region code"),
    "not-geo": ("regions.csv", "code,nom\n84,ARA\n", "", "not a geographic file"),
    "geo-missing-column": (
        "regions.geojson",
        collection(FEATURE.replace('"nom"', '"name"')),
        "",
        "missing column(s) nom or nom_m",
    ),
    "geo-outside-france": (
        "regions.geojson",
        collection(FEATURE.replace("[4.", "[14.")),
        "feature 1 (code 84)",
        "outside France",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REGION_FILES))
def test_a_wrong_region_file_fails_naming_file_and_place_and_keeps_previous_data(
    open_data, tmp_path, case
):
    load(open_data, REGIONS_COG, REGIONS_GEO)
    before = list(Region.objects.values_list("code", "name", "chief_town_code", "geometry"))
    name, content, where, reason = BAD_REGION_FILES[case]
    path = write(tmp_path, name, content)

    with pytest.raises(ImportFailed) as failure:
        import_regions(path)

    assert failure.value.path == str(path)
    assert failure.value.where.startswith(where)
    assert reason in failure.value.reason
    assert list(Region.objects.values_list("code", "name", "chief_town_code", "geometry")) == (
        before
    )
