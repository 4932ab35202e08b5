"""``import_gisco_hospitals``: the real Eurostat/GISCO hospital CSVs (AURA and Alpes-Maritimes)."""

import time
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import call_command

from core.importing import ImportFailed
from facilities.categories import KIND_BY_LABEL, kind_for, normalise_label
from facilities.importers import import_gisco_hospitals
from facilities.models import Facility
from territories.importers import import_communes, import_departments, import_regions
from territories.models import Commune, Department, Region

pytestmark = pytest.mark.django_db

HEADER = (
    "id,hospital_name,site_name,lat,lon,geo_qual,street,house_number,postcode,city,cc,country,"
    "cap_beds,cap_prac,cap_rooms,emergency,facility_type,public_private,list_specs,tel,email,url,"
    "ref_date,pub_date,comments"
)
FLEYRIAT = (
    "10000024,CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT,,46.2222,5.20879,1,ROUTE DE PARIS,"
    "900,01440,VIRIAT,FR,France,,,,,Centre Hospitalier (C.H.),public,,474454647,,,06/03/2020,"
    "16/04/2020,"
)
BELLEY = (
    "10000032,CENTRE HOSPITALIER DE BELLEY,,45.76121,5.68498,1,RUE GEORGES GIRERD,52,01300,"
    "BELLEY,FR,France,,,,,Centre Hospitalier (C.H.),public,,479425959,,,06/03/2020,16/04/2020,"
)


def load_communes(path: Path, *, departments: set[str] | None = None) -> int:
    """Create the communes of a GeoJSON file (``code``/``nom`` properties) with their region and
    départements, as MultiPolygons; a stand-in until ``territories.importers`` lands."""
    frame = gpd.read_file(path)
    frame["departement"] = frame["code"].str[:2]
    if departments:
        frame = frame[frame["departement"].isin(departments)]
    region_code = "84" if (frame["departement"] != "06").any() else "93"
    region, _ = Region.objects.get_or_create(code=region_code, defaults={"name": region_code})
    by_code = {
        code: Department.objects.get_or_create(
            code=code, defaults={"name": code, "region": region}
        )[0]
        for code in sorted(frame["departement"].unique())
    }
    communes = [
        Commune(
            code=code,
            name=name,
            department=by_code[code[:2]],
            geometry=GEOSGeometry(memoryview(shapely.to_wkb(shapely.multipolygons(
                shapely.get_parts(geometry)))), srid=4326),
        )
        for code, name, geometry in zip(frame["code"], frame["nom"], frame.geometry, strict=True)
    ]  # fmt: skip
    Commune.objects.bulk_create(communes, batch_size=500)
    return len(communes)


@pytest.fixture
def aura_communes(open_data):
    return load_communes(open_data / "geo" / "communes-aura-cog2026.geojson")


@pytest.fixture
def aura_csv(open_data):
    return open_data / "facilities" / "eurostat-gisco-hospitals-aura-2020.csv"


@pytest.fixture
def alpes_maritimes_csv(open_data):
    return open_data / "facilities" / "eurostat-gisco-hospitals-06-2020.csv"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gisco.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_it_imports_every_aura_hospital_with_its_commune(aura_communes, aura_csv):
    assert aura_communes == 4021
    started = time.perf_counter()
    report = import_gisco_hospitals(aura_csv)
    elapsed = time.perf_counter() - started
    print(f"GISCO AURA import: {elapsed:.2f} s")

    assert (report.created, report.updated, report.unchanged, report.rejected) == (566, 0, 0, 0)
    # One real geocoding error is reported: a Clermont-Ferrand day hospital placed near Lyon.
    assert len(report.messages) == 1
    assert "line 317: 630013878 HDJ ENFANTS: geocoded in département 69" in report.messages[0]
    assert Facility.objects.count() == 566
    assert not Facility.objects.filter(commune=None).exists()
    kinds = Counter(Facility.objects.values_list("kind", flat=True))
    print("GISCO AURA kinds:", dict(sorted(kinds.items())))
    assert kinds == {
        "ch": 161,  # 125 C.H. + 36 ex-hôpital local
        "chu": 40,
        "psychiatrie": 142,
        "clinique": 68,  # 56 pluridisciplinaire, 6 chirurgicaux, 1 médical, 1 obstétrique, 4 CLCC
        "ssr": 77,
        "autre": 78,  # USLD
    }


def test_the_first_aura_row_is_fleyriat_in_viriat(aura_communes, aura_csv):
    import_gisco_hospitals(aura_csv)
    fleyriat = Facility.objects.select_related("commune").get(finess_et="010000024")
    assert fleyriat.commune.code == "01451"
    assert fleyriat.name == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    assert fleyriat.kind == Facility.Kind.CH
    assert fleyriat.sector == Facility.Sector.PUBLIC
    assert fleyriat.source == Facility.Source.GISCO
    assert str(fleyriat.source_date) == "2020-03-06"
    assert (fleyriat.address, fleyriat.postcode, fleyriat.city) == (
        "900 ROUTE DE PARIS",
        "01440",
        "VIRIAT",
    )
    assert (fleyriat.point.x, fleyriat.point.y) == (5.20879, 46.2222)


def test_a_second_import_changes_nothing(aura_communes, aura_csv):
    import_gisco_hospitals(aura_csv)
    report = import_gisco_hospitals(aura_csv)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 566)
    assert Facility.objects.count() == 566


def test_the_tende_hospital_geocoded_in_savoie_gets_the_savoie_commune(
    aura_communes, alpes_maritimes_csv, open_data
):
    load_communes(open_data / "geo" / "communes-2018" / "communes-06-alpes-maritimes.geojson")
    report = import_gisco_hospitals(alpes_maritimes_csv)
    assert report.created == 80
    tende = Facility.objects.select_related("commune").get(finess_et="060000494")
    assert tende.commune.code == "73213"
    assert not Facility.objects.filter(commune=None).exists()
    assert len(report.messages) == 1
    assert "060000494" in report.messages[0] and "73" in report.messages[0]


def test_without_savoie_communes_the_tende_hospital_imports_without_a_commune(
    alpes_maritimes_csv, open_data
):
    load_communes(open_data / "geo" / "communes-2018" / "communes-06-alpes-maritimes.geojson")
    report = import_gisco_hospitals(alpes_maritimes_csv)
    assert report.created == 80
    assert list(Facility.objects.filter(commune=None).values_list("finess_et", flat=True)) == [
        "060000494"
    ]
    assert len(report.messages) == 1
    assert "060000494" in report.messages[0] and "no loaded commune" in report.messages[0]


def test_every_label_of_both_gisco_files_is_mapped_explicitly(aura_csv, alpes_maritimes_csv):
    labels = set()
    for path in (aura_csv, alpes_maritimes_csv):
        frame = gpd.pd.read_csv(path, dtype=str, keep_default_na=False)
        labels |= set(frame["facility_type"])
    assert len(labels) == 11
    assert all(normalise_label(label) in KIND_BY_LABEL for label in labels)


def test_an_unknown_label_falls_back_to_autre():
    assert kind_for(label="Etablissement Thermal") == Facility.Kind.OTHER
    assert kind_for(label="centre hospitalier regional (c.h.r.)") == Facility.Kind.CHU


def test_the_management_command_imports_the_file(aura_communes, aura_csv, capsys):
    call_command("import_open_data", "gisco-hospitals", str(aura_csv))
    assert "566 created" in capsys.readouterr().out
    assert Facility.objects.count() == 566


@pytest.mark.parametrize(
    ("lines", "where", "reason"),
    [
        ((HEADER.replace(",lat,", ",latitude,"), FLEYRIAT), "line 1", "missing column(s) lat"),
        ((HEADER, FLEYRIAT.replace("46.2222", "quarante-six")), "line 2", "non-numeric"),
        ((HEADER, FLEYRIAT, BELLEY, FLEYRIAT), "line 4", "duplicate id 10000024"),
        ((HEADER, BELLEY, FLEYRIAT.replace("46.2222,5.20879", "40.4168,-3.7038")), "line 3",
         "outside France"),
        (('{"type": "FeatureCollection", "features": []}',), "line 1", "not a GISCO"),
    ],
    ids=["missing-column", "non-numeric-lat", "duplicate-id", "outside-france", "geojson"],
)  # fmt: skip
def test_it_rejects_a_bad_file_and_writes_nothing(tmp_path, lines, where, reason):
    import_gisco_hospitals(write(tmp_path, HEADER, BELLEY.replace("BELLEY,,", "BELLEY 2,,")))
    before = list(Facility.objects.values_list("finess_et", "name"))

    with pytest.raises(ImportFailed) as failure:
        import_gisco_hospitals(write(tmp_path, *lines))

    assert failure.value.where == where
    assert reason in failure.value.reason
    assert str(tmp_path / "gisco.csv") in str(failure.value)
    assert list(Facility.objects.values_list("finess_et", "name")) == before


def test_after_the_territory_importers_every_aura_hospital_has_its_commune(open_data, aura_csv):
    import_regions(open_data / "population" / "regions-cog2026.json")
    import_departments(open_data / "population" / "departements-cog2026.json")
    import_communes(open_data / "geo" / "communes-aura-cog2026.geojson")

    report = import_gisco_hospitals(aura_csv)

    assert report.created == 566
    assert not Facility.objects.filter(commune=None).exists()
    assert Facility.objects.get(finess_et="010000024").commune.code == "01451"
