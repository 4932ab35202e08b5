"""The DREES's published APL (kind drees-apl) and its comparison with ours."""

import pytest
from openpyxl import Workbook

from access.services import membership_grant
from core.importing import ImportFailed
from indicators.apl_services import apl_compute
from indicators.importers_drees import import_drees_apl
from indicators.models import DreesApl
from tests.api_helpers import api_client
from tests.factories import make_commune, make_department, make_region
from tests.personas import make_user
from tests.test_apl_service import case  # noqa: F401 - the fixture

HEADER = [
    "Code commune INSEE",
    "Commune",
    "APL aux médecins généralistes",
    "APL aux médecins généralistes de moins de 65 ans",
    "APL aux médecins généralistes de moins de 62 ans",
    "Population standardisée par la consommation de soins par tranche d'âge",
]


def workbook(path, sheets: dict[str, list[list]]):
    """An xlsx laid out as the DREES's: 8 lines of title and notes above the header (line 9),
    the first commune on line 10."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(["Indicateur d'accessibilité potentielle localisée (APL)"])
        for _ in range(7):
            sheet.append([])
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def communes(db):
    ain = make_department("01", "Ain", region=make_region("84"))
    return [make_commune(code, col=i, department=ain) for i, code in enumerate(["01001", "01002"])]


def test_it_imports_each_year_sheet_of_the_published_workbook(communes, tmp_path):
    path = workbook(tmp_path / "apl.xlsx", {
        "APL_2021": [["01001", "A", 3.1, 2.9, 2.5, 812.4], ["01002", "B", 1.2, 1.0, 0.9, 300.0]],
        "APL_2022": [["01001", "A", 3.0, 2.8, 2.4, 815.0], ["01002", "B", None, None, None, None],
                     ["39001", "C", 4.0, 3.5, 3.0, 100.0]],
    })  # fmt: skip
    report = import_drees_apl(path)
    assert (report.created, report.source_version) == (4, "DREES APL 2022")
    assert DreesApl.objects.get(commune__code="01001", year=2021).value_under_65 == 2.9
    assert DreesApl.objects.get(commune__code="01002", year=2022).value is None  # not 0
    assert any("départements not loaded" in m for m in report.messages)  # 39001
    assert import_drees_apl(path).unchanged == 4  # idempotent


def test_a_one_year_csv_takes_its_year_from_its_name(communes, tmp_path):
    path = tmp_path / "APL_mg_2019.csv"
    path.write_text(";".join(HEADER) + "\n01001;A;3,5;3,1;2,9;800\n", encoding="utf-8")
    import_drees_apl(path)
    assert DreesApl.objects.get(commune__code="01001").year == 2019
    assert DreesApl.objects.get(commune__code="01001").value == 3.5


@pytest.mark.parametrize(
    ("rows", "where", "reason"),
    [
        ([["01001", "A", "beaucoup", 1, 1, 1]], "sheet APL_2022, line 11", "is not a number"),
        ([["01001", "A", 1, 1, 1, 1], ["01001", "A", 1, 1, 1, 1]], "line 12", "duplicate code"),
        ([["01999", "X", 1, 1, 1, 1]], "line 11", "found nowhere"),
    ],
)
def test_a_bad_file_is_refused_naming_sheet_line_and_reason_and_nothing_is_written(
    communes, tmp_path, rows, where, reason
):
    path = workbook(tmp_path / "apl.xlsx", {"APL_2022": [["01002", "B", 1, 1, 1, 1], *rows]})
    with pytest.raises(ImportFailed, match=reason) as error:
        import_drees_apl(path)
    assert where in str(error.value) and str(path) in str(error.value)
    assert not DreesApl.objects.exists()


def test_a_file_without_the_header_or_a_year_is_refused(communes, tmp_path):
    path = tmp_path / "autre.csv"
    path.write_text("code;valeur\n01001;3\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="year"):
        import_drees_apl(path)
    dated = tmp_path / "autre-2022.csv"
    dated.write_text("code;valeur\n01001;3\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="not a DREES APL file"):
        import_drees_apl(dated)


def test_the_api_shows_the_drees_apl_next_to_ours_with_the_difference(case, tmp_path):  # noqa: F811
    path = workbook(tmp_path / "apl.xlsx", {"APL_2022": [["01001", "A", 3.0, 2.8, 2.4, 815.0]]})
    import_drees_apl(path)
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"],
                      consultations_per_etp=4000.0, consultations_source="test")  # fmt: skip
    user = make_user("analyst")
    membership_grant(user=user, region=case["region"], role="analyst")
    rows = api_client(user).get(f"/api/apl/{run.pk}/communes/").json()["results"]
    a = next(r for r in rows if r["code"] == "01001")
    b = next(r for r in rows if r["code"] == "01002")
    assert (a["drees_year"], a["drees_value"]) == (2022, 3.0)
    assert a["difference"] == pytest.approx(a["value"] - 3.0)
    assert b["drees_value"] is None and b["difference"] is None

    in_etp = apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    rows = api_client(user).get(f"/api/apl/{in_etp.pk}/communes/").json()["results"]
    a = next(r for r in rows if r["code"] == "01001")
    assert a["drees_value"] == 3.0 and a["difference"] is None  # not the same unit


def test_the_zoning_reads_the_drees_apl_where_loaded_and_ours_elsewhere(case, tmp_path):  # noqa: F811
    from indicators.apl_services import UNIT_CONSULTATIONS, UNIT_ETP, zoning_reference

    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    import_drees_apl(
        workbook(tmp_path / "apl.xlsx", {"APL_2022": [["01001", "A", 3.0, 2.8, 2.4, 8]]})
    )
    reference = zoning_reference(case["region"].pk)
    a, b = (case["communes"][0].pk, case["communes"][1].pk)
    assert (reference[a].value, reference[a].source, reference[a].unit) == (
        3.0, "DREES 2022", UNIT_CONSULTATIONS
    )  # fmt: skip
    assert reference[b].source == f"calcul #{run.pk}" and reference[b].unit == UNIT_ETP
    assert case["communes"][2].pk not in reference  # region 27


def test_a_csv_row_cut_short_is_refused_not_read_as_empty(communes, tmp_path):
    path = tmp_path / "APL_mg_2019.csv"
    path.write_text(";".join(HEADER) + "\n01001;A;3,5;3,1;2,9;800\n01002;B;1,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="line 3: 3 field") as error:
        import_drees_apl(path)
    assert "6" in str(error.value)
    assert not DreesApl.objects.exists()
