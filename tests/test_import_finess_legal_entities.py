"""FINESS legal entities (``etalab-cs1100501``, ``docs/finess-legal-entities.md``): lines
generated from the documented field table, stubs that the sites' import creates and this one
fills, the data migration of the old ``Facility.finess_ej`` strings, and GHT/GCS made of legal
entities. The generated bad-input cases are in ``tests/test_import_bad_input.py``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.importing import ImportFailed
from facilities.finess import OPTIONAL_TRAILING_FIELD, STRUCTURE_FIELDS
from facilities.finess_legal_entities import LEGAL_ENTITY_FIELDS
from facilities.importers import import_finess, import_finess_legal_entities
from facilities.models import Facility, FacilityGroup, LegalEntity
from facilities.services import facility_group_save
from territories.models import FormerCommuneCode, MunicipalDistrict
from tests.api_helpers import api_client
from tests.factories import make_commune, make_department, make_region
from tests.finess_legal_entity_lines import legal_entity_line, write_extract

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
#: The second real EJ of the docs: a société anonyme of the Nord, with no catégorie.
COMPANY = legal_entity_line(
    nofiness="590000741", rs="SA CLINIQUE TEST", rslongue="", commune="350",
    ligneacheminement="59000 LILLE", departement="59", libdepartement="NORD",
    statutjuridique="73", libstatutjuridique="Société Anonyme (S.A.)", categetab="",
    libcategetab="", siren="", codeape="", datecrea="1900-01-01",
)  # fmt: skip


@pytest.fixture
def ain():
    """The Ain with Oyonnax (01283), loaded; the Nord is not."""
    department = make_department("01", "Ain", region=make_region())
    return make_commune("01283", department=department, name="Oyonnax")


def structure_line(finess_et: str, finess_ej: str) -> str:
    """A cs1100507 ``structureet`` line of a site in Oyonnax (no geolocalisation)."""
    record = dict.fromkeys([*STRUCTURE_FIELDS, OPTIONAL_TRAILING_FIELD], "")
    record.update(
        structureet="structureet", nofinesset=finess_et, nofinessej=finess_ej,
        rs="CH OYONNAX", commune="283", departement="01", libdepartement="AIN",
        ligneacheminement="01100 OYONNAX", categetab="355",
        libcategetab="Centre Hospitalier (C.H.)", codesph="1",
    )  # fmt: skip
    return ";".join(record.values())


def write_sites(path: Path, *lines: str) -> Path:
    path.write_bytes(("\n".join(["finess;etalab;1;2026-05-12", *lines]) + "\n").encode("latin-1"))
    return path


def test_the_documented_field_table_is_the_one_read():
    text = (ROOT / "docs" / "finess-legal-entities.md").read_text(encoding="utf-8")
    section = text.split("<!-- fields:structureej -->", 1)[1].split("<!-- /fields -->", 1)[0]
    assert re.findall(r"^\| *\d+ *\| *`(\w+)`", section, flags=re.MULTILINE) == (
        LEGAL_ENTITY_FIELDS
    )
    assert len(LEGAL_ENTITY_FIELDS) == 23


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_it_imports_the_lines_then_changes_nothing_the_second_time(ain, tmp_path, encoding):
    path = write_extract(tmp_path / "etalab-cs1100501.csv", legal_entity_line(), COMPANY,
                         encoding=encoding)  # fmt: skip

    report = import_finess_legal_entities(path)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    assert report.source_date == dt.date(2026, 5, 12)
    assert report.rows_by_department == {"01": 1, "59": 1}
    assert report.messages == [
        f"{path}: 1 legal entit(y/ies) without a commune (commune of a département not loaded)"
    ]
    bugey = LegalEntity.objects.get(finess_ej="010008407")
    assert (bugey.name, bugey.long_name) == ("CH DU HAUT BUGEY", "CENTRE HOSPITALIER DU HAUT BUGEY")
    assert (bugey.legal_status_code, bugey.category_code) == ("14", "355")
    assert bugey.legal_status_label == "Etablissement Public Intercommunal d'Hospitalisation"
    assert (bugey.address, bugey.postcode, bugey.city) == ("1 RTE DE VEYZIAT", "01117", "OYONNAX")
    assert bugey.commune == ain
    assert (bugey.siren, bugey.ape_code, bugey.created_on) == (
        "260110218", "8730A", dt.date(2001, 1, 1),
    )  # fmt: skip
    assert not bugey.is_stub
    company = LegalEntity.objects.get(finess_ej="590000741")
    assert (company.name, company.commune, company.created_on) == ("SA CLINIQUE TEST", None, None)
    assert company.legal_status_label == "Société Anonyme (S.A.)"

    again = import_finess_legal_entities(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_stub_made_by_the_sites_import_is_filled_when_its_file_comes(ain, tmp_path):
    sites = write_sites(tmp_path / "etalab-cs1100507.csv",
                        structure_line("010000453", "010008407"),
                        structure_line("010000461", "010008407"))  # fmt: skip

    report = import_finess(sites)

    assert report.created == 2
    assert any(
        "1 legal entit(y/ies) not loaded yet, created as stubs" in m for m in report.messages
    )
    stub = LegalEntity.objects.get()
    assert (stub.finess_ej, stub.name, stub.is_stub) == ("010008407", "010008407", True)
    assert Facility.objects.get(finess_et="010000453").finess_ej == "010008407"

    filled = import_finess_legal_entities(
        write_extract(tmp_path / "etalab-cs1100501.csv", legal_entity_line())
    )

    assert (filled.created, filled.updated, filled.unchanged) == (0, 1, 0)
    entity = LegalEntity.objects.get()
    assert (entity.name, entity.is_stub) == ("CH DU HAUT BUGEY", False)
    assert entity.facilities.count() == 2
    # The sites again: no new stub, nothing changed, and the filled entity stays filled.
    again = import_finess(sites)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert not any("stubs" in m for m in again.messages)
    assert LegalEntity.objects.get().name == "CH DU HAUT BUGEY"


def test_commune_codes_of_another_cog_year_resolve_and_codes_found_nowhere_are_counted(
    ain, tmp_path
):
    """Through ``territories.cog``: an arrondissement and a former code find their commune; a
    code of a loaded département found nowhere is counted, like the sites' import does."""
    rhone = make_department("69", "Rhône", region=make_region())
    lyon = make_commune("69123", department=rhone, col=1, name="Lyon")
    MunicipalDistrict.objects.create(code="69383", name="Lyon 3e", commune=lyon)
    FormerCommuneCode.objects.create(code="01199", commune=ain)
    lines = [
        legal_entity_line(nofiness="690000009", commune="383", departement="69"),
        legal_entity_line(nofiness="010000001", commune="199"),
        legal_entity_line(nofiness="010000002", commune="998"),
    ]

    report = import_finess_legal_entities(write_extract(tmp_path / "ej.csv", *lines))

    assert report.created == 3
    communes = dict(LegalEntity.objects.values_list("finess_ej", "commune__code"))
    assert communes == {"690000009": "69123", "010000001": "01283", "010000002": None}
    assert any("1 legal entit(y/ies) without a commune (commune code found nowhere" in m
               for m in report.messages)  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"statutjuridique": ""}, "invalid statutjuridique ''"),
        ({"statutjuridique": "1A"}, "invalid statutjuridique '1A'"),
        ({"categetab": "35"}, "invalid categetab '35'"),
        ({"siren": "26011021"}, "invalid siren '26011021'"),
        ({"datecrea": "01/01/2001"}, "datecrea '01/01/2001' is not a date (YYYY-MM-DD)"),
        ({"rs": "", "rslongue": ""}, "the legal entity has no name (rs)"),
        ({"nofiness": "01000840"}, "invalid nofiness '01000840'"),
        ({"commune": "28"}, "invalid commune '28'"),
        ({"codeape": "8730AB"}, "codeape is 6 characters long, at most 5 allowed"),
    ],
)
def test_a_line_off_the_table_refuses_the_file_and_writes_nothing(ain, tmp_path, changes, reason):
    path = write_extract(tmp_path / "ej.csv", COMPANY, legal_entity_line(**changes))
    with pytest.raises(ImportFailed) as refusal:
        import_finess_legal_entities(path)
    assert str(refusal.value) == f"{path}, line 3: {reason}"
    assert not LegalEntity.objects.exists()


def test_the_command_and_the_directory_layout_know_the_kind(ain, tmp_path):
    (tmp_path / "facilities").mkdir()
    write_extract(tmp_path / "facilities" / "etalab-cs1100501-stock.csv", legal_entity_line())
    write_sites(tmp_path / "facilities" / "etalab-cs1100507-stock.csv",
                structure_line("010000453", "010008407"))  # fmt: skip
    from opendata.layout import load_directory

    reports = load_directory(tmp_path)

    assert [r.kind for r in reports] == ["finess-ej", "finess"]
    assert not any("stubs" in m for m in reports[1].messages)  # the EJ came first
    assert Facility.objects.get().legal_entity.name == "CH DU HAUT BUGEY"


# --- groups ------------------------------------------------------------------------------------


def test_a_ght_is_a_group_of_legal_entities_with_its_support(ain, tmp_path, django_user_model):
    import_finess_legal_entities(
        write_extract(tmp_path / "ej.csv", legal_entity_line(),
                      legal_entity_line(nofiness="010780054", rs="CH BOURG EN BRESSE"))
    )  # fmt: skip
    import_finess(write_sites(tmp_path / "et.csv", structure_line("010000453", "010008407")))
    with pytest.raises(ValidationError, match="Un GHT a un établissement support"):
        facility_group_save(kind="ght", code="GHT01", name="GHT de l'Ain", support_finess_ej="",
                            member_finess_ejs=["010008407"])  # fmt: skip
    with pytest.raises(ValidationError, match="Entités juridiques inconnues : 999999999"):
        facility_group_save(kind="ght", code="GHT01", name="GHT de l'Ain",
                            support_finess_ej="010780054",
                            member_finess_ejs=["999999999"])  # fmt: skip

    group = facility_group_save(
        kind="ght", code="GHT01", name="GHT de l'Ain", support_finess_ej="010780054",
        member_finess_ejs=["010008407"],
    )  # fmt: skip

    assert group.support.finess_ej == "010780054"
    assert set(group.members.values_list("finess_ej", flat=True)) == {"010008407", "010780054"}
    client = api_client(django_user_model.objects.create_user("lecteur", password="pw-123456"))
    for member in ("010008407", "010000453"):  # the EJ, or the ET of one of its sites
        rows = client.get("/api/groupements/", {"member": member}).json()["results"]
        assert [(r["code"], r["support"], r["members"]) for r in rows] == [
            ("GHT01", "010780054", ["010008407", "010780054"])
        ]
    assert client.get("/api/groupements/", {"member": "010780054"}).json()["count"] == 1
    assert client.get("/api/groupements/", {"member": "690000009"}).json()["count"] == 0
    site = client.get("/api/etablissements/010000453/").json()
    assert site["properties"]["finess_ej"] == "010008407"


# --- the data migration ---------------------------------------------------------------------


def test_the_data_migration_makes_stubs_of_the_strings_and_groups_of_legal_entities():
    """facilities 0004–0006 on rows written as before them: a stub per distinct EJ string
    (upper-cased), sites linked, groups mapped to their sites' legal entities; a
    string that is no FINESS number, and a member without one, are left behind."""
    before, after = (
        ("facilities", "0004_legalentity"),
        ("facilities", "0006_drop_facility_finess_ej"),
    )
    # Going back to 0004 unapplies the catalogue's migrations, whose data steps update rows
    # with deferrable foreign keys before altering their tables: inside the test's transaction
    # those checks would still be pending at the ALTER ("pending trigger events").
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    OldFacility, OldGroup = (
        old.get_model("facilities", "Facility"),
        old.get_model("facilities", "FacilityGroup"),
    )
    sites = {
        et: OldFacility.objects.create(finess_et=et, finess_ej=ej, name=et, source="manual")
        for et, ej in [
            ("010000453", "010008407"), ("010000461", "010008407"), ("2A0000011", "2a0000003"),
            ("690000017", ""), ("690000025", "n/a"),
        ]
    }  # fmt: skip
    group = OldGroup.objects.create(kind="ght", code="GHT01", name="GHT",
                                    support=sites["010000461"])  # fmt: skip
    group.members.set([sites["010000453"], sites["010000461"], sites["690000017"]])

    executor.loader.build_graph()
    executor.migrate([after])

    stubs = LegalEntity.objects.order_by("finess_ej")
    assert [(e.finess_ej, e.name, e.is_stub) for e in stubs] == [
        ("010008407", "010008407", True), ("2A0000003", "2A0000003", True),
    ]  # fmt: skip
    assert dict(Facility.objects.values_list("finess_et", "legal_entity")) == {
        "010000453": "010008407", "010000461": "010008407", "2A0000011": "2A0000003",
        "690000017": None, "690000025": None,
    }  # fmt: skip
    group = FacilityGroup.objects.get(code="GHT01")
    assert group.support.finess_ej == "010008407"
    assert list(group.members.values_list("finess_ej", flat=True)) == ["010008407"]
