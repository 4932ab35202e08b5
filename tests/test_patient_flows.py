"""Patient flows (kinds pmsi-codes-geo and patient-flows), the commune matrix the zoning helper
reads, and attractiveness/leakage per zone (issue 13 §3)."""

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from core.importing import ImportFailed
from facilities.models import Facility, LegalEntity
from indicators.engine.flows import zone_flows
from indicators.flows_models import PatientFlow, PmsiGeoCommune
from indicators.flows_selectors import FlowMatrix, commune_flow_matrix, region_flows
from indicators.flows_services import zoning_flows
from indicators.importers_flows import import_patient_flows, import_pmsi_geo_codes
from opendata.registry import IMPORTERS, REGION_KINDS, importer_for
from territories.models import Zoning
from territories.services import zoning_replace_composition
from tests.factories import make_commune, make_department, make_region

FIXTURES = Path(__file__).parent / "fixtures"
GEO = FIXTURES / "pmsi-codes-geo-2023-extrait.csv"
FLOWS = FIXTURES / "pmsi-flux-mco-2023-extrait.csv"
HEADER = "Année;FINESS;Code géographique;Activité;Séjours\n"

#: Real communes of the Ain (COG 2026) with their populations.
COMMUNES = {
    "01006": 115, "01034": 9388, "01053": 42372, "01061": 1123, "01065": 1899,
    "01259": 709, "01306": 1594, "01420": 1626, "01451": 7102,
}  # fmt: skip


@pytest.fixture
def ain(db):
    department = make_department("01", "Ain", region=make_region("84"))
    communes = {
        code: make_commune(code, col=i, population=people, department=department)
        for i, (code, people) in enumerate(COMMUNES.items())
    }
    ej = LegalEntity.objects.create(finess_ej="010009132", name="CH AIN VAL DE SAONE")
    for finess, code, legal_entity in [
        ("010000024", "01451", None),
        ("010000032", "01034", None),
        ("010000115", "01306", ej),
        ("010000131", "01420", ej),
    ]:
        Facility.objects.create(
            finess_et=finess,
            name=f"CH {finess}",
            kind=Facility.Kind.CH,
            commune=communes[code],
            legal_entity=legal_entity,
            source=Facility.Source.GISCO,
        )
    return communes


@pytest.fixture
def loaded(ain):
    import_pmsi_geo_codes(GEO)
    return import_patient_flows(FLOWS)


def cell(matrix: FlowMatrix, origin: str, destination: str) -> float:
    codes = matrix.commune_codes
    return matrix.stays[codes.index(origin), codes.index(destination)]


def test_the_kinds_are_registered_as_national_files():
    assert importer_for("pmsi-codes-geo") is import_pmsi_geo_codes
    assert importer_for("patient-flows") is import_patient_flows
    # A flows file holds residents of every region: not a one-region upload.
    assert not {"pmsi-codes-geo", "patient-flows"} & REGION_KINDS
    assert {"pmsi-codes-geo", "patient-flows"} <= IMPORTERS.keys()


def test_it_stores_each_commune_share_of_its_code_population(ain):
    report = import_pmsi_geo_codes(GEO)
    assert report.created == 9
    belley = PmsiGeoCommune.objects.get(year=2023, pmsi_code="01300", commune__code="01034")
    assert belley.share == pytest.approx(9388 / (115 + 9388 + 1123))
    shares = PmsiGeoCommune.objects.filter(year=2023, pmsi_code="01300").values_list(
        "share", flat=True
    )
    assert sum(shares) == pytest.approx(1.0)
    assert import_pmsi_geo_codes(GEO).unchanged == 9  # idempotent


def test_it_imports_flows_with_their_level_and_masked_cells(loaded):
    assert loaded.created == 9
    assert PatientFlow.objects.get(finess="010009132").level == "ej"
    assert PatientFlow.objects.get(finess="010000024", pmsi_code="01000").level == "et"
    masked = PatientFlow.objects.get(finess="010000032", pmsi_code="01000")
    assert (masked.masked, masked.stays) == (True, None)  # not 0
    assert PatientFlow.objects.get(finess="690781810").level == ""  # not loaded, kept
    assert any("1 cell(s) masked" in m for m in loaded.messages)
    assert any("690781810" in m for m in loaded.messages)


def test_a_reimport_changes_nothing_and_a_newer_file_replaces_its_year(loaded, tmp_path):
    assert import_patient_flows(FLOWS).unchanged == 9
    lines = FLOWS.read_text(encoding="utf-8").splitlines(keepends=True)
    newer = tmp_path / "flux-2023.csv"
    newer.write_text("".join(lines[:-1]).replace(";1000\n", ";1100\n"), encoding="utf-8")
    report = import_patient_flows(newer)
    assert (report.updated, report.ended) == (1, 1)
    assert not PatientFlow.objects.filter(finess="690781810").exists()


def test_the_split_by_population_share_sums_to_the_code_stays(loaded):
    matrix = commune_flow_matrix("84", 2023, "MCO")
    people = {"01006": 115, "01034": 9388, "01061": 1123}
    total = sum(people.values())
    for code, inhabitants in people.items():
        assert cell(matrix, code, "01034") == pytest.approx(1000 * inhabitants / total)
    to_belley = sum(cell(matrix, code, "01034") for code in people)
    to_viriat = sum(cell(matrix, code, "01451") for code in people)
    assert (to_belley, to_viriat) == (pytest.approx(1000), pytest.approx(200))


def test_the_matrix_keeps_the_contract(loaded):
    matrix = commune_flow_matrix("84", 2023, "MCO")
    assert matrix.commune_codes == sorted(COMMUNES)
    assert isinstance(matrix.stays, sparse.csr_matrix)
    assert matrix.stays.shape == (9, 9)
    assert isinstance(matrix.outside, np.ndarray) and matrix.outside.shape == (9,)
    assert matrix.masked_cells == 1
    # Residents of Pont-de-Veyle went to an establishment not loaded: outside the region.
    assert matrix.outside[matrix.commune_codes.index("01306")] == pytest.approx(120)
    # Every stay of a placed residence is in the matrix or outside; the masked one is in none.
    assert matrix.stays.sum() + matrix.outside.sum() == pytest.approx(
        1000 + 200 + 5000 + 400 + 300 + 800 + 120
    )
    assert commune_flow_matrix("84", 2022, "MCO") is None
    assert commune_flow_matrix("84", 2023, "SSR") is None
    assert commune_flow_matrix("93", 2023, "MCO") is None  # no commune of that region


def test_ej_stays_are_spread_equally_over_its_hospital_sites(loaded):
    matrix = commune_flow_matrix("84", 2023, "MCO")
    for site in ("01306", "01420"):
        from_01310 = cell(matrix, "01065", site) + cell(matrix, "01259", site)
        assert from_01310 == pytest.approx(150)
    flows = region_flows("84", 2023, "MCO")
    assert flows.unknown_residence == pytest.approx(40)  # 99999 has no commune
    assert flows.ej_flows == 1


def test_an_ej_without_hospital_site_goes_to_its_own_commune(ain, tmp_path):
    LegalEntity.objects.create(finess_ej="010008888", name="EJ SANS SITE", commune=ain["01053"])
    import_pmsi_geo_codes(GEO)
    path = tmp_path / "flux-2023.csv"
    path.write_text(HEADER + "2023;010008888;01440;MCO;70\n", encoding="utf-8")
    import_patient_flows(path)
    assert cell(commune_flow_matrix("84", 2023, "MCO"), "01451", "01053") == pytest.approx(70)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2023;010000024;01300;MCO;douze", "neither a number nor a masked cell"),
        ("2023;10024;01300;MCO;12", "not a 9-character number"),
        ("2023;010000024;1;MCO;12", "not a 5-character code"),
        ("2023;010000024;01300;MCO;-3", "whole number"),
        ("20x3;010000024;01300;MCO;12", "is not a year"),
        ("2023;010000032;01300;MCO;1000", "listed twice"),
    ],
)
def test_a_bad_line_is_refused_with_its_line_and_nothing_is_written(ain, tmp_path, line, reason):
    path = tmp_path / "flux-2023.csv"
    path.write_text(HEADER + "2023;010000032;01300;MCO;1000\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as error:
        import_patient_flows(path)
    assert error.value.where == "line 3"
    assert reason in error.value.reason
    assert not PatientFlow.objects.exists()


def test_a_file_without_the_columns_is_refused(ain, tmp_path):
    path = tmp_path / "flux-2023.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="no header line"):
        import_patient_flows(path)


def test_a_commune_twice_under_a_code_is_refused(ain, tmp_path):
    path = tmp_path / "codes-geo-2023.csv"
    path.write_text(
        "Code géographique;Code commune INSEE\n01300;01034\n01300;01034\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed) as error:
        import_pmsi_geo_codes(path)
    assert (error.value.where, "listed twice" in error.value.reason) == ("line 3", True)
    assert not PmsiGeoCommune.objects.exists()


def test_an_ej_column_forces_the_ej_level(ain, tmp_path):
    path = tmp_path / "flux.csv"
    path.write_text("annee;finess_ej;code_geo;activite;nb_sejours\n2023;010009132;01310;SSR;25\n")
    import_patient_flows(path)
    assert PatientFlow.objects.get(activity="SSR").level == "ej"


# --- attractiveness and leakage -----------------------------------------------------------------


def test_zone_flows_on_a_case_computed_by_hand():
    # Communes 0 and 1 form zone A, 2 zone B, 3 is in no zone (6 stays of A's residents).
    stays = sparse.csr_matrix(
        np.array([[10, 5, 5, 6], [0, 20, 10, 0], [2, 3, 30, 0], [0, 0, 0, 0]], dtype=float)
    )
    outside = np.array([10.0, 0, 5, 0])
    inflow = np.array([4.0, 0, 6, 0])
    result = zone_flows(stays, outside, inflow, np.array([0, 0, 1, -1]), 2)
    # A: 10+5+0+20 inside, 5+10 in B, 6 unzoned, 10 outside the region = 66.
    assert result.resident_stays.tolist() == [66, 40]
    assert result.share_inside.tolist() == pytest.approx([35 / 66, 30 / 40])
    assert result.to_zone[0, 1] == pytest.approx(15 / 66)
    assert result.to_zone[1, 0] == pytest.approx(5 / 40)
    assert result.share_unzoned.tolist() == pytest.approx([6 / 66, 0])
    assert result.share_outside_region.tolist() == pytest.approx([10 / 66, 5 / 40])
    # A's establishments: 12 + 28 from the region, 4 from other regions; 35 from A itself.
    assert result.establishment_stays.tolist() == [44, 51]
    assert result.attractiveness.tolist() == pytest.approx([9 / 44, 21 / 51])


def test_a_zone_with_no_stays_has_no_share_not_zero():
    stays = sparse.csr_matrix((2, 2))
    result = zone_flows(stays, np.zeros(2), np.zeros(2), np.array([0, 1]), 2)
    assert np.isnan(result.share_inside).all() and np.isnan(result.attractiveness).all()


def test_zoning_flows_per_zone(loaded, ain):
    region = make_region("84")
    zoning_replace_composition(
        region=region,
        name="Territoires test",
        kind="other",
        zones={
            "BEL": ("Belley", [ain[c].pk for c in ("01006", "01034", "01061")]),
            "BRE": ("Bresse", [ain[c].pk for c in ("01053", "01451", "01065", "01259")]),
            "VDS": ("Val de Saône", [ain[c].pk for c in ("01306", "01420")]),
        },
    )
    result = zoning_flows(Zoning.objects.get(name="Territoires test"), 2023, "MCO")
    rows = {row.code: row for row in result.zones}
    belley = rows["BEL"]
    assert belley.resident_stays == pytest.approx(1200)
    assert belley.share_inside == pytest.approx(1000 / 1200)
    assert belley.destinations == [("BRE", "Bresse", pytest.approx(200 / 1200))]
    # Bresse: 5000 + 400 + 800 at Viriat, 300 to the Val de Saône sites (EJ rule).
    bresse = rows["BRE"]
    assert bresse.resident_stays == pytest.approx(6500)
    assert bresse.share_inside == pytest.approx(6200 / 6500)
    # Viriat: 6200 from Bresse, 200 from Belley (the 40 of unknown residence are not counted).
    assert bresse.establishment_stays == pytest.approx(6400)
    assert bresse.attractiveness == pytest.approx(200 / 6400)
    vds = rows["VDS"]
    assert (vds.resident_stays, vds.share_outside_region) == (pytest.approx(120), 1.0)
    assert vds.share_inside == 0.0 and vds.attractiveness == pytest.approx(1.0)
    assert result.flows.matrix.masked_cells == 1


def test_import_open_data_runs_both_kinds_and_records_them(ain):
    from io import StringIO

    from django.core.management import call_command

    from opendata.models import ImportRecord

    for kind, path in (("pmsi-codes-geo", GEO), ("patient-flows", FLOWS)):
        out = StringIO()
        call_command("import_open_data", kind, str(path), stdout=out, stderr=StringIO())
        assert " 0 rejected" in out.getvalue()
    record = ImportRecord.objects.get(kind="patient-flows")
    assert (record.status, record.source_version) == ("done", "PMSI 2023")
    assert commune_flow_matrix("84", 2023, "MCO").masked_cells == 1


def test_an_administrator_uploads_both_files_on_the_imports_page_a_planner_may_not(ain, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from access.services import membership_grant
    from opendata import uploads
    from opendata.models import ImportUpload
    from tests.personas import make_user

    planner = make_user("flows-upload-planner")
    membership_grant(user=planner, region=make_region("84"), role="planner")
    client.force_login(planner)
    start = reverse("opendata:upload_start")
    upload = SimpleUploadedFile(FLOWS.name, FLOWS.read_bytes())
    fields = {"kind": "patient-flows", "region": make_region("84").pk, "file": upload}
    refused = client.post(start, fields)
    assert refused.status_code == 403 and not ImportUpload.objects.exists()

    client.force_login(make_user("flows-upload-admin", is_superuser=True))
    for kind, path in (("pmsi-codes-geo", GEO), ("patient-flows", FLOWS)):
        response = client.post(
            start, {"kind": kind, "file": SimpleUploadedFile(path.name, path.read_bytes())}
        )
        assert response.status_code == 302, response.content.decode()[:500]
        upload_id = response["Location"].rstrip("/").split("/")[-1]
        uploads.upload_run(upload_id)
        assert ImportUpload.objects.get(pk=upload_id).status == "done"
    assert PatientFlow.objects.count() == 9


def test_flows_of_another_region_change_nothing_here(loaded, tmp_path):
    nice = make_commune(
        "06088", col=20, population=348085,
        department=make_department("06", "Alpes-Maritimes", region=make_region("93")),
    )  # fmt: skip
    PmsiGeoCommune.objects.create(year=2023, pmsi_code="06000", commune=nice, share=1.0)
    before = commune_flow_matrix("84", 2023, "MCO")
    PatientFlow.objects.create(
        year=2023, activity="MCO", pmsi_code="06000", finess="060000011", stays=500
    )
    after = commune_flow_matrix("84", 2023, "MCO")
    assert (after.stays != before.stays).nnz == 0 and (after.outside == before.outside).all()
    paca = commune_flow_matrix("93", 2023, "MCO")
    assert (paca.commune_codes, paca.outside.tolist(), paca.masked_cells) == (["06088"], [500], 0)


def test_a_workbook_with_title_lines_above_its_header_is_read(ain, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Codes géo 2023"
    sheet.append(["Correspondance codes géographiques PMSI / communes"])
    sheet.append([])
    sheet.append(["Code_geo", "Libellé", "Code_commune_INSEE"])
    sheet.append(["01310", "BUELLAS", "01065"])
    sheet.append([1310, "BUELLAS", "01259"])  # a number: Excel dropped the leading zero
    sheet.append(["01310", "BUELLAS", "0125X"])
    path = tmp_path / "codes-geo-pmsi-2023.xlsx"
    book.save(path)
    with pytest.raises(ImportFailed) as error:
        import_pmsi_geo_codes(path)
    assert error.value.where == "sheet Codes géo 2023, line 6"
    sheet.delete_rows(6)
    book.save(path)
    assert import_pmsi_geo_codes(path).created == 2
    shares = dict(PmsiGeoCommune.objects.values_list("commune__code", "share"))
    assert shares == {"01065": pytest.approx(1899 / 2608), "01259": pytest.approx(709 / 2608)}
