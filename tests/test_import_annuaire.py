"""The Annuaire Santé extraction ``PS_LibreAcces_Personne_activite`` (``docs/annuaire-sante.md``):
lines generated from the documented field table (``tests/annuaire_lines.py``), the verbatim
public line of the docs, the GP rule and the per-commune selector."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.importing import ImportFailed
from facilities import annuaire
from facilities.importers_annuaire import import_annuaire
from facilities.practitioner_selectors import general_practitioners_by_commune
from facilities.practitioners import PracticeSite, Practitioner, is_general_practitioner
from opendata.layout import files_to_load
from territories.models import FormerCommuneCode
from tests.annuaire_lines import DEFAULTS, FILE_NAME, HEADER, line, write_extraction
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "annuaire-sante.md"


@pytest.fixture()
def communes():
    """Two communes of the Ain and Lyon (no arrondissement rows), in one region."""
    region = make_region()
    ain = make_department("01", "Ain", region)
    rhone = make_department("69", "Rhône", region)
    return {
        "01001": make_commune("01001", col=0, population=860, department=ain),
        "01002": make_commune("01002", col=1, population=270, department=ain),
        "69123": make_commune("69123", col=2, population=520_000, department=rhone),
    }


def counts(report) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.rejected


def test_the_documented_field_table_is_the_one_read():
    """The docs quote the header; the reader and the test generator use the same list."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("<!-- fields:personne_activite -->", 1)[1].split("<!-- /fields -->")[0]
    documented = re.findall(r"^\| *\d+ *\| *`([^`]+)`", section, flags=re.MULTILINE)
    assert documented == annuaire.FIELDS
    assert set(annuaire.REQUIRED.values()) <= set(annuaire.FIELDS)
    assert list(DEFAULTS) == annuaire.FIELDS


def test_generated_lines_are_imported_per_site_and_a_second_import_changes_nothing(
    communes, tmp_path
):
    path = write_extraction(
        tmp_path,
        line(),  # GP, SM54, site R1 in 01001
        line(id="10000000002", national_id="810000000002", savoir_faire="SM53"),
        line(id="10000000003", national_id="810000000003", profession="60",
             profession_label="Infirmier", savoir_faire="", savoir_faire_type=""),
        line(id="10000000004", national_id="810000000004", structure="R2", commune="01002",
             savoir_faire="SM26"),
        line(id="10000000005", national_id="810000000005", structure="R2", commune="01002",
             savoir_faire="SM04", savoir_faire_label="Cardiologie et maladies vasculaires"),
        line(id="10000000006", national_id="810000000006", structure="", commune=""),  # no site
        line(id="10000000007", national_id="810000000007", structure="R3", commune="38185"),
    )  # fmt: skip
    report = import_annuaire(path)

    assert counts(report) == (2 + 5, 0, 0, 0)  # 2 sites, 5 practitioner rows
    assert report.kind == "annuaire-sante"
    assert report.source_date == dt.date(2026, 5, 12)
    assert report.rows_by_department == {"01": 5}
    notes = "\n".join(report.messages)
    assert "no activity and no age" in notes
    assert "1 line(s) without an activity site skipped" in notes
    assert "1 line(s) of départements not loaded skipped (38)" in notes
    site = PracticeSite.objects.get(structure_key="R10000000000001")
    assert (site.commune.code, site.placed_at_commune) == ("01001", True)
    assert site.point.equals_exact(communes["01001"].point)
    assert (site.address, site.postcode, site.sector_code) == (
        "12 Rue DE LA MAIRIE",
        "01400",
        "SA07",
    )
    assert site.practitioners.count() == 3
    doctor = Practitioner.objects.get(national_id="810000000001")
    assert (doctor.profession_code, doctor.savoir_faire_code, doctor.practice_mode_code) == (
        "10", "SM54", "L",
    )  # fmt: skip
    assert (doctor.activity, doctor.activity_unit, doctor.source_date) == (
        None, "", dt.date(2026, 5, 12),
    )  # fmt: skip

    again = import_annuaire(path)
    assert counts(again) == (0, 0, 7, 0)


def test_the_general_practitioner_rule():
    assert is_general_practitioner("10", "SM54")
    assert is_general_practitioner("10", "SM53")
    assert is_general_practitioner("10", "SM26")
    assert not is_general_practitioner("10", "SM04")  # cardiologie
    assert not is_general_practitioner("10", "")
    assert not is_general_practitioner("60", "SM54")  # not a médecin


def test_a_former_cog_code_and_an_arrondissement_go_to_their_commune(communes, tmp_path):
    FormerCommuneCode.objects.create(code="01999", commune=communes["01001"])
    path = write_extraction(
        tmp_path,
        line(structure="R1", commune="01999"),
        line(id="2", national_id="810000000002", structure="R2", commune="69383"),
    )
    report = import_annuaire(path)

    assert PracticeSite.objects.get(structure_key="R1").commune.code == "01001"
    assert PracticeSite.objects.get(structure_key="R2").commune.code == "69123"
    assert report.rows_by_department == {"01": 1, "69": 1}
    notes = "\n".join(report.messages)
    assert "1 line(s) with a former commune code" in notes
    assert "1 line(s) with an arrondissement read as its commune" in notes


def test_a_commune_code_found_nowhere_is_a_line_error_and_nothing_is_written(communes, tmp_path):
    path = write_extraction(tmp_path, line(), line(id="2", national_id="82", commune="01998"))
    with pytest.raises(ImportFailed) as refusal:
        import_annuaire(path)
    assert refusal.value.where == "line 3 (code 01998)"
    assert "commune 01998 is found nowhere" in refusal.value.reason
    assert not PracticeSite.objects.exists() and not Practitioner.objects.exists()


def test_a_newer_file_replaces_the_professionals_of_its_departements_only(communes, tmp_path):
    first = write_extraction(
        tmp_path,
        line(),
        line(id="2", national_id="810000000002", structure="R2", commune="01002"),
        line(id="3", national_id="810000000003", structure="R3", commune="69123"),
    )
    import_annuaire(first)
    newer = write_extraction(
        tmp_path,
        line(),
        line(id="4", national_id="810000000004"),
        name="PS_LibreAcces_Personne_activite_202607010800.txt",
    )
    report = import_annuaire(newer)

    assert report.source_date == dt.date(2026, 7, 1)
    assert report.rows_by_department == {"01": 2}
    assert sorted(Practitioner.objects.values_list("national_id", flat=True)) == [
        "810000000001", "810000000003", "810000000004",
    ]  # fmt: skip
    # R2 (01) no longer listed: removed with its practitioner; R3 (69) left alone.
    assert sorted(PracticeSite.objects.values_list("structure_key", flat=True)) == [
        "R10000000000001", "R3",
    ]  # fmt: skip
    assert "1 practitioner row(s) and 1 practice site(s) no longer listed removed" in "\n".join(
        report.messages
    )
    assert (report.created, report.updated) == (1, 2)  # new row; the date of the two kept


def verbatim_line() -> str:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- verbatim:personne_activite -->", 1)[1].split("<!-- /verbatim -->")[0]
    (fragment,) = re.findall(r"^```\n(.*?)\n```", block.strip(), flags=re.DOTALL)
    return fragment


def test_the_verbatim_public_line_is_a_site_with_an_unknown_commune(tmp_path):
    """The real line of the docs (empty Code commune, postcode 25300), on its header."""
    fragment = verbatim_line()
    assert len(fragment.split("|")) == len(annuaire.FIELDS) + 1
    path = write_extraction(tmp_path, fragment)

    region = make_region("27", "Bourgogne-Franche-Comté")
    make_commune("25388", department=make_department("25", "Doubs", region))
    report = import_annuaire(path)

    assert counts(report) == (2, 0, 0, 0)
    assert report.rows_by_department == {"25": 1}
    site = PracticeSite.objects.get()
    assert (site.structure_key, site.siret, site.name) == (
        "C49940088500020", "49940088500020", "DOUBS OPTIC",
    )  # fmt: skip
    assert (site.commune, site.point, site.placed_at_commune) == (None, None, False)
    assert (site.address, site.postcode, site.city) == ("9 Route DE BESANCON", "25300", "DOUBS")
    assert (site.sector_code, site.sector_label) == ("SA42", "Appareillage médical")
    person = Practitioner.objects.get()
    assert (person.identifier_type, person.national_id) == ("0", "0012600631")
    assert (person.profession_code, person.profession_label) == ("26", "Audioprothésiste")
    assert (person.practice_mode_code, person.practice_mode_label) == ("S", "Salarié")
    assert not person.is_general_practitioner
    assert "1 practice site(s) without a Code commune (commune inconnue)" in "\n".join(
        report.messages
    )


def test_the_verbatim_line_on_a_database_without_its_departement_is_skipped(communes, tmp_path):
    path = write_extraction(tmp_path, verbatim_line())
    report = import_annuaire(path)
    assert counts(report) == (0, 0, 0, 0)
    assert "1 line(s) of départements not loaded skipped (25)" in "\n".join(report.messages)


def test_an_activity_column_and_coordinates_are_read_when_the_file_has_them(communes, tmp_path):
    header = HEADER + "ETP|Longitude|Latitude|"
    path = write_extraction(
        tmp_path,
        line() + "0,8|5.0021|46.0023|",
        line(id="2", national_id="810000000002", structure="R2") + "1|||",
        header=header,
    )
    import_annuaire(path)

    doctor = Practitioner.objects.get(national_id="810000000001")
    assert (doctor.activity, doctor.activity_unit) == (Decimal("0.80"), "etp")
    site = doctor.site
    assert (site.point.x, site.point.y, site.placed_at_commune) == (5.0021, 46.0023, False)
    assert PracticeSite.objects.get(structure_key="R2").placed_at_commune


def test_general_practitioners_per_commune_and_per_100000(communes, tmp_path):
    path = write_extraction(
        tmp_path,
        line(),
        line(id="2", national_id="810000000002", savoir_faire="SM53"),
        line(savoir_faire_type="CAPA", savoir_faire="CAPA12"),  # same GP, another savoir-faire
        line(id="3", national_id="810000000003", profession="60", savoir_faire=""),
        line(id="4", national_id="810000000004", structure="R2", commune="69383"),
    )
    import_annuaire(path)
    result = general_practitioners_by_commune(communes["01001"].department.region_id)

    by_code = {row.code: row for row in result.communes}
    assert set(by_code) == {"01001", "01002", "69123"}
    assert by_code["01001"].general_practitioners == 2
    assert by_code["01001"].per_100k == pytest.approx(2 * 100_000 / 860)
    assert (by_code["01002"].general_practitioners, by_code["01002"].per_100k) == (0, 0.0)
    assert by_code["69123"].general_practitioners == 1
    assert result.source_date == dt.date(2026, 5, 12)
    assert "ni activité ni âge" in result.caveat


def test_the_command_and_the_layout(communes, tmp_path):
    folder = tmp_path / "professionals"
    folder.mkdir()
    path = write_extraction(folder, line())
    assert list(files_to_load(tmp_path)) == [("annuaire-sante", path)]
    out, err = StringIO(), StringIO()
    call_command("import_open_data", "annuaire-sante", str(path), stdout=out, stderr=err)
    assert "rows by département: 01: 1" in out.getvalue()
    assert "annuaire-sante: 2 created, 0 updated, 0 unchanged, 0 rejected" in out.getvalue()
    assert "no activity and no age" in err.getvalue()

    bad = write_extraction(tmp_path, line(id="12A"), name=FILE_NAME)
    with pytest.raises(CommandError, match=r"line 2: Identifiant PP '12A' is not a number"):
        call_command("import_open_data", "annuaire-sante", str(bad), stdout=StringIO())


def test_a_double_quote_is_an_ordinary_character(communes, tmp_path):
    """The extraction has no quoting (hence no unterminated-quote case among the bad inputs)."""
    path = write_extraction(tmp_path, line(name='CABINET "LES TILLEULS'))
    import_annuaire(path)
    assert PracticeSite.objects.get().name == 'CABINET "LES TILLEULS'


def test_a_site_abroad_and_a_line_with_crlf_ends(communes, tmp_path):
    path = write_extraction(
        tmp_path,
        line(),
        line({"Code pays (coord. structure)": "99132"}, id="2", national_id="82", commune=""),
        end="\r\n",
    )
    report = import_annuaire(path)
    assert counts(report) == (2, 0, 0, 0)
    assert "1 line(s) with an activity site abroad skipped" in "\n".join(report.messages)


@pytest.mark.parametrize(
    ("department", "postcode", "expected"),
    [
        ("25", "", "25"), ("025", "", "25"), ("1", "", "01"), ("2a", "", "2A"),
        ("", "25300", "25"), ("", "97110", "971"), ("", "20000", "2A"), ("", "20600", "2B"),
        ("", "GL", ""),
    ],
)  # fmt: skip
def test_the_departement_of_a_site_without_a_commune_code(department, postcode, expected):
    values = {name: "" for name in [*annuaire.REQUIRED, *annuaire.OPTIONAL]}
    values.update(department_code=department, postcode=postcode)
    assert annuaire.Record(2, values).department_guess == expected
