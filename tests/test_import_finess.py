"""``import_finess``: files written here in the exact ``etalab-cs1100507`` format (README §6 of the
shared data), as no real extract is available."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyproj import CRS, Geod, Transformer
from test_import_gisco_hospitals import load_communes

from core.importing import ImportFailed
from facilities import finess
from facilities.importers import import_finess
from facilities.models import Facility
from territories.models import Commune, FormerCommuneCode, MunicipalDistrict

pytestmark = pytest.mark.django_db

MANIFEST = "finess;etalab;111;2026-05-12"
#: The README's example record (32 fields: the trailing numuai is empty).
FLEYRIAT = (
    "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE "
    "FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;"
    "Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;"
    "ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;"
    "1979-02-13;1979-02-13;2020-02-04;"
)
#: The same site as geocoded by Eurostat/GISCO (lat 46.2222, lon 5.20879), in Lambert 93.
FLEYRIAT_LONLAT = (5.20879, 46.2222)
_x, _y = Transformer.from_crs(4326, 2154, always_xy=True).transform(*FLEYRIAT_LONLAT)
FLEYRIAT_GEO = (
    f"geolocalisation;010000024;{_x:.1f};{_y:.1f};"
    "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04"
)
#: A Lyon 3e site: FINESS gives the arrondissement code 69383, which resolves to Lyon 69123.
#: Quoted fields, accents and a CEDEX routing line; no geolocalisation line.
LYON = (
    'structureet;690000017;690000009;HOP TEST LYON;"HÔPITAL D\'ESSAI ; SITE ÉDOUARD";;;'
    "5;PL;D ARSONVAL;;;383;69;RHONE;69437 LYON CEDEX 03;;;355;Centre Hospitalier (C.H.);1102;"
    "Centres Hospitaliers;;;;;;;2000-01-01;2000-01-01;2024-01-01"
)
#: The Guadeloupe record of public test code: FINESS département 9A, UTM 20N (RGAF09).
GUADELOUPE = (
    "structureet;970100012;970100103;POLYCLINIQUE DE LA GUADELOUPE;POLYCLINIQUE DE GUADELOUPE;;;"
    ";;MORNE JOLIVIERE;;;101;9A;GUADELOUPE;97139 LES ABYMES;0590821963;0590837034;365;"
    "Etablissement de Soins Pluridisciplinaire;1110;Etablissements de Soins de Courte Durée;"
    "31328539700011;8610Z;07;ARS;0;Non concerné;1969-03-01;1969-03-01;2010-08-25;"
)
GUADELOUPE_GEO = (
    "geolocalisation;970100012;657242.9;1795384.4;"
    "2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles);2026-05-04"
)


def write(tmp_path: Path, *lines: str, encoding: str = "latin-1", name: str = "finess.csv"):
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def communes(open_data):
    """The communes of the Ain and the Rhône, and Lyon's 3rd arrondissement."""
    load_communes(open_data / "geo" / "communes-aura-cog2026.geojson", departments={"01", "69"})
    lyon = Commune.objects.get(code="69123")
    MunicipalDistrict.objects.create(code="69383", name="Lyon 3e Arrondissement", commune=lyon)


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(
    ("encoding", "trailing"), [("latin-1", ";"), ("utf-8", ";"), ("latin-1", ""), ("utf-8", "")]
)
def test_it_imports_the_readme_record_in_either_encoding_with_or_without_numuai(
    communes, tmp_path, encoding, trailing
):
    record = FLEYRIAT.removesuffix(";") + trailing
    path = write(tmp_path, MANIFEST, record, FLEYRIAT_GEO, LYON, encoding=encoding)

    report = import_finess(path)

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    fleyriat = Facility.objects.select_related("commune").get(finess_et="010000024")
    assert fleyriat.commune.code == "01451"
    assert metres_between((fleyriat.point.x, fleyriat.point.y), FLEYRIAT_LONLAT) < 1
    assert fleyriat.finess_ej == "010780054"
    assert fleyriat.name == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    assert (fleyriat.category_code, fleyriat.category_label) == ("355", "Centre Hospitalier (C.H.)")
    assert fleyriat.kind == Facility.Kind.CH
    assert fleyriat.sector == Facility.Sector.PUBLIC
    assert (fleyriat.address, fleyriat.postcode, fleyriat.city) == (
        "900 RTE DE PARIS",
        "01440",
        "VIRIAT",
    )
    assert fleyriat.source == Facility.Source.FINESS
    assert fleyriat.source_date == dt.date(2026, 5, 12)
    lyon = Facility.objects.select_related("commune").get(finess_et="690000017")
    assert lyon.name == "HÔPITAL D'ESSAI ; SITE ÉDOUARD"
    assert lyon.commune.code == "69123"
    assert lyon.point is None
    assert (lyon.postcode, lyon.city) == ("69437", "LYON")


def test_records_may_come_in_any_order(communes, tmp_path):
    import_finess(write(tmp_path, MANIFEST, FLEYRIAT_GEO, LYON, FLEYRIAT))
    assert Facility.objects.get(finess_et="010000024").point is not None


def test_an_unknown_commune_code_falls_back_to_the_polygon_under_the_point(communes, tmp_path):
    record = FLEYRIAT.replace(";451;01;AIN;", ";999;01;AIN;")
    import_finess(write(tmp_path, MANIFEST, record, FLEYRIAT_GEO))
    assert Facility.objects.get(finess_et="010000024").commune.code == "01451"


def test_an_arrondissement_resolves_without_district_rows(communes, tmp_path):
    """The national population file has no arrondissement rows: Lyon 1er (69381) is still
    Lyon, by the COG's ranges (``territories.cog``), with no point to fall back on."""
    assert not MunicipalDistrict.objects.filter(code="69381").exists()
    import_finess(write(tmp_path, MANIFEST, LYON.replace(";383;69;", ";381;69;")))
    assert Facility.objects.get(finess_et="690000017").commune.code == "69123"


def test_a_former_commune_code_resolves_to_its_commune_nouvelle(communes, tmp_path):
    """Arboys en Bugey (01015) absorbed Saint-Bois (01340) in 2016: an ET still filed under
    01340, without coordinates, is placed in 01015."""
    FormerCommuneCode.objects.create(code="01340", commune=Commune.objects.get(code="01015"))
    import_finess(write(tmp_path, MANIFEST, FLEYRIAT.replace(";451;01;AIN;", ";340;01;AIN;")))
    assert Facility.objects.get(finess_et="010000024").commune.code == "01015"


def test_an_overseas_site_is_projected_from_its_utm_zone(tmp_path):
    report = import_finess(write(tmp_path, MANIFEST, GUADELOUPE, GUADELOUPE_GEO))

    clinic = Facility.objects.get(finess_et="970100012")
    assert metres_between((clinic.point.x, clinic.point.y), (-61.52874, 16.23400)) < 1
    assert clinic.kind == Facility.Kind.CLINIC
    assert clinic.sector == Facility.Sector.UNKNOWN  # codesph 0 and a catégorie of either sector
    assert clinic.commune is None  # Guadeloupe's communes are not loaded
    assert "1 establishment(s) without a commune" in report.messages[0]


def test_overseas_codes_and_projections_follow_the_finess_conventions():
    assert finess.insee_code("01", "451") == "01451"
    assert finess.insee_code("2A", "004") == "2A004"
    assert finess.insee_code("9A", "101") == "97101"  # Les Abymes
    assert finess.insee_code("9D", "411") == "97411"  # Saint-Denis (La Réunion)
    assert finess.insee_code("9F", "611") == "97611"  # Mamoudzou
    assert finess.epsg_of("1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93", "metro") == 2154
    assert finess.epsg_of("1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,UTM_S40", "974") == 2975
    assert finess.epsg_of("", "976") == 4471
    names = {epsg: CRS.from_epsg(epsg).name for epsg in finess.SUPPORTED_EPSG}
    assert names == {
        2154: "RGF93 v1 / Lambert-93",
        5490: "RGAF09 / UTM zone 20N",
        2972: "RGFG95 / UTM zone 22N",
        2975: "RGR92 / UTM zone 40S",
        4467: "RGSPM06 / UTM zone 21N",
        4471: "RGM04 / UTM zone 38S",
    }


def test_a_second_import_changes_nothing(communes, tmp_path):
    path = write(tmp_path, MANIFEST, FLEYRIAT, FLEYRIAT_GEO, LYON, GUADELOUPE, GUADELOUPE_GEO)
    import_finess(path)
    report = import_finess(path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Facility.objects.count() == 3


def test_a_newer_extract_updates_rows_in_place(communes, tmp_path):
    import_finess(write(tmp_path, MANIFEST, FLEYRIAT, FLEYRIAT_GEO))
    renamed = FLEYRIAT.replace("BOURG-EN-BRESSE FLEYRIAT", "BOURG-EN-BRESSE (FLEYRIAT)")
    report = import_finess(write(tmp_path, "finess;etalab;112;2026-06-01", renamed, FLEYRIAT_GEO))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    fleyriat = Facility.objects.get()
    assert fleyriat.name.endswith("(FLEYRIAT)")
    assert fleyriat.source_date == dt.date(2026, 6, 1)


def test_the_management_command_imports_the_file(communes, tmp_path, capsys):
    call_command("import_open_data", "finess", str(write(tmp_path, MANIFEST, FLEYRIAT)))
    assert "1 created" in capsys.readouterr().out


def test_the_management_command_reports_a_bad_file(tmp_path):
    with pytest.raises(CommandError, match="Nothing imported.*line 2"):
        call_command("import_open_data", "finess", str(write(tmp_path, MANIFEST, "oops;1")))


OUTSIDE = FLEYRIAT_GEO.replace(f"{_x:.1f};{_y:.1f}", f"{_y:.1f};{_x:.1f}")  # x and y swapped

BAD_FILES = {
    "no-manifest": ((FLEYRIAT, FLEYRIAT_GEO), "line 1", "first line must be the manifest"),
    "invalid-manifest-date": (
        ("finess;etalab;111;2026-13-45", FLEYRIAT),
        "line 1",
        "invalid manifest date",
    ),
    "wrong-field-count": ((MANIFEST, FLEYRIAT, LYON.replace(";PL;", ";")), "line 3", "30 fields"),
    "unknown-tag": ((MANIFEST, FLEYRIAT, FLEYRIAT.replace("structureet", "structureej")),
                    "line 3", "unknown record type 'structureej'"),
    "geolocation-of-unknown-et": (
        (MANIFEST, LYON, FLEYRIAT_GEO), "line 3", "no structureet line"
    ),
    "duplicate-et": ((MANIFEST, FLEYRIAT, LYON, FLEYRIAT), "line 4", "duplicate FINESS ET"),
    "outside-france": ((MANIFEST, FLEYRIAT, OUTSIDE), "line 3", "outside metropolitan France"),
    "geojson": (('{"type": "FeatureCollection",', '"features": []}'), "line 1", "not a FINESS"),
}  # fmt: skip


@pytest.mark.parametrize(("lines", "where", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_it_rejects_a_bad_file_and_keeps_the_previous_data(
    communes, tmp_path, lines, where, reason
):
    import_finess(write(tmp_path, MANIFEST, LYON.replace("SITE ÉDOUARD", "AVANT"), name="old.csv"))
    before = list(Facility.objects.values_list("finess_et", "name", "point"))

    with pytest.raises(ImportFailed) as failure:
        import_finess(write(tmp_path, *lines))

    assert (failure.value.where, failure.value.path) == (where, str(tmp_path / "finess.csv"))
    assert reason in failure.value.reason
    assert list(Facility.objects.values_list("finess_et", "name", "point")) == before


def test_it_rejects_the_gisco_csv(open_data):
    path = open_data / "facilities" / "eurostat-gisco-hospitals-aura-2020.csv"
    with pytest.raises(ImportFailed, match="not a FINESS cs1100507 extract") as failure:
        import_finess(path)
    assert failure.value.where == "line 1"
    assert not Facility.objects.exists()
