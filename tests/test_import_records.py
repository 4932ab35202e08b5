"""Every import writes an ``ImportRecord`` (issue 10 §4): through ``opendata.services.
import_file``, which the command and the directory loader call. Small files in the official
formats (the FINESS manifest line, an INSEE census file), on an empty database."""

import datetime as dt
from io import BytesIO, StringIO
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from test_import_finess import FLEYRIAT, LYON, MANIFEST, write
from test_import_population_age_zoning import VARIABLES, census_file

from access.services import membership_grant
from core.importing import ImportFailed
from dashboard.exports.tables import Table, run_metadata
from dashboard.exports.writers import to_xlsx
from facilities.models import Facility
from opendata.layout import load_directory
from opendata.models import ImportRecord
from opendata.services import import_file
from tests.factories import make_commune, make_department, make_region
from tests.personas import make_user

pytestmark = pytest.mark.django_db


def test_a_finess_import_records_its_counts_its_manifest_date_and_its_départements(tmp_path):
    path = write(tmp_path, MANIFEST, FLEYRIAT, LYON)
    user = make_user("importer")
    report, record = import_file("finess", path, user=user)
    assert report.created == 2
    assert (record.kind, record.file_name, record.status) == ("finess", "finess.csv", "done")
    assert record.source_date == dt.date(2026, 5, 12)
    assert record.source_version == "FINESS cs1100507"
    assert (record.created, record.updated, record.unchanged, record.rejected) == (2, 0, 0, 0)
    assert record.rows_by_department == {"01": 1, "69": 1}
    assert record.changes["added"] == {"total": 2, "keys": ["010000024", "690000017"]}
    assert record.user == user and len(record.sha256) == 64 and record.size > 0
    assert record.started_at <= record.finished_at


def test_a_second_identical_import_adds_and_changes_nothing_and_a_changed_line_shows(tmp_path):
    path = write(tmp_path, MANIFEST, FLEYRIAT, LYON)
    first = import_file("finess", path).record
    second = import_file("finess", path).record
    assert second.previous == first
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert second.changes["added"]["total"] == second.changes["changed"]["total"] == 0
    assert second.sha256 == first.sha256
    renamed = FLEYRIAT.replace("BOURG-EN-BRESSE FLEYRIAT", "FLEYRIAT")
    renamed = write(tmp_path, MANIFEST, renamed, LYON)
    third = import_file("finess", renamed).record
    assert third.changes["changed"] == {"total": 1, "keys": ["010000024"]}
    assert third.sha256 != first.sha256


def test_an_insee_file_records_its_reference_year(tmp_path):
    make_region()
    make_commune("69123", population=500)
    counts = [100.5, 10, 20, 30, 20, 10, 8, 2.5, 50, 50.5, 7, 9]
    assert len(counts) == len(VARIABLES)
    record = import_file("population-age", census_file(tmp_path, [("69123", counts)])).record
    assert (record.source_date, record.source_version) == (dt.date(2021, 1, 1), "RP 2021")
    assert record.rows_by_department == {"69": 1}


def test_a_refused_file_records_the_error_and_writes_no_data(tmp_path):
    path = write(tmp_path, "finess;etalab;111;not-a-date", FLEYRIAT)
    with pytest.raises(ImportFailed) as failure:
        import_file("finess", path)
    record = ImportRecord.objects.get()
    assert failure.value.record == record
    assert (record.status, record.error_where) == ("failed", "line 1")
    assert "manifest" in record.error and record.file_name == "finess.csv"
    assert record.created == 0 and record.source_date is None
    assert not Facility.objects.exists()


def test_the_command_records_its_imports_without_a_user(tmp_path):
    out = StringIO()
    call_command("import_open_data", "finess", str(write(tmp_path, MANIFEST, FLEYRIAT)), stdout=out)
    assert "1 created" in out.getvalue()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_open_data", "finess", str(write(tmp_path, "oops;1", name="b.csv")))
    done, failed = ImportRecord.objects.order_by("id")
    assert (done.status, done.user, failed.status, failed.file_name) == (
        "done", None, "failed", "b.csv",
    )  # fmt: skip


# --- the page and its scoping ----------------------------------------------------------------


def _record(code_counts: dict, *, kind="finess", status="done", name="f.csv", **fields):
    now = timezone.now()
    return ImportRecord.objects.create(
        kind=kind, file_name=name, started_at=now, finished_at=now, status=status,
        rows_by_department=code_counts, created=sum(code_counts.values()), **fields,
    )  # fmt: skip


@pytest.fixture
def two_regions():
    """Région 84 (départements 01 and 69) with its planner, région 11 (75) with its analyst,
    and four imports: one in 01 and 75, one in 75 only, a national file, a failed one."""
    region = make_region("84")
    other = make_region("11", "Île-de-France")
    make_department("01", "Ain", region=region)
    make_department("69", "Rhône", region=region)
    make_department("75", "Paris", region=other)
    planner, analyst = make_user("planner84"), make_user("analyst11")
    membership_grant(user=planner, region=region, role="planner")
    membership_grant(user=analyst, region=other, role="analyst")
    records = {
        "both": _record({"01": 3, "69": 4, "75": 5}, name="both.csv"),
        "paris": _record({"75": 2}, name="paris.csv", kind="population"),
        "national": _record({}, kind="regions", name="regions-cog2026.json"),
        "failed": _record({}, status="failed", name="bad.csv", error="bad manifest"),
    }
    return SimpleNamespace(region=region, planner=planner, analyst=analyst, **records)


def _page(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("opendata:import_list") + query)
    assert response.status_code == 200
    return response


def _shown(response) -> set[int]:
    return {row["record"].pk for row in response.context["rows"]}


def test_a_planner_sees_the_imports_of_their_region_with_its_counts(client, two_regions):
    w = two_regions
    response = _page(client, w.planner)
    assert _shown(response) == {w.both.pk, w.national.pk}
    counts = {row["record"].pk: row["in_regions"] for row in response.context["rows"]}
    assert counts[w.both.pk] == 7  # 01 and 69, not Paris's 5
    page = response.content.decode()
    assert 'class="import-user"' not in page  # who imported: administrators only
    detail = client.get(reverse("opendata:import_detail", args=[w.both.pk]))
    assert detail.status_code == 200 and detail.context["in_regions"] == 7
    for hidden in (w.paris, w.failed):
        assert client.get(reverse("opendata:import_detail", args=[hidden.pk])).status_code == 404


def test_an_analyst_of_another_region_and_an_administrator(client, two_regions):
    w = two_regions
    assert _shown(_page(client, w.analyst)) == {w.both.pk, w.paris.pk, w.national.pk}
    assert _shown(_page(client, w.analyst, "?kind=population")) == {w.paris.pk}
    admin = make_user("root", is_superuser=True)
    response = _page(client, admin)
    assert _shown(response) == {w.both.pk, w.paris.pk, w.national.pk, w.failed.pk}
    assert 'class="import-user"' in response.content.decode()
    failed = client.get(reverse("opendata:import_detail", args=[w.failed.pk])).content.decode()
    assert "bad manifest" in failed
    client.force_login(make_user("nobody"))
    assert client.get(reverse("opendata:import_list")).status_code == 403


def test_the_detail_lists_rejected_lines_and_changes(client, tmp_path):
    make_region()
    record = _record(
        {"69": 2}, rejected=1, rejected_lines=[["line 7", "no date of decision"]],
        changes={"added": {"total": 1, "keys": ["690000017"]},
                 "changed": {"total": 0, "keys": []}, "ended": {"total": 0, "keys": []}},
    )  # fmt: skip
    client.force_login(make_user("root", is_superuser=True))
    page = client.get(reverse("opendata:import_detail", args=[record.pk])).content.decode()
    assert "line 7" in page and "no date of decision" in page and "690000017" in page


# --- a run copies the provenance of its inputs -----------------------------------------------


def test_a_run_copies_the_provenance_of_its_region_and_names_it_on_its_pages(client, tmp_path):
    from test_indicator_runs import computed

    region = make_region("84")
    department = make_department("01", "Ain", region=region)
    make_department("75", "Paris", region=make_region("11", "Île-de-France"))
    commune = make_commune("01001", population=1000, department=department)
    hospital = Facility.objects.create(
        finess_et="010000001", name="CH", kind="ch", source="manual", commune=commune,
        point=commune.point,
    )  # fmt: skip
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    finess = import_file("finess", write(tmp_path, MANIFEST, FLEYRIAT)).record
    _record({}, kind="regions", name="regions-cog2025.json")
    national = _record({}, kind="regions", name="regions-cog2026.json")  # the newer edition
    _record({"75": 1}, kind="population", name="paris.csv")  # another region's file
    run = computed(region)
    assert [entry["import_id"] for entry in run.inputs_provenance] == [national.pk, finess.pk]
    entry = run.inputs_provenance[1]
    assert (entry["file"], entry["source_date"]) == ("finess.csv", "2026-05-12")
    assert entry["sha256"] == finess.sha256
    assert run.sources.startswith("Sources : Régions (COG) (regions-cog2026.json, importé le ")
    assert run.sources.endswith(", FINESS cs1100507 du 2026-05-12")
    # Data, not a key: the record may go, the run keeps its sources.
    ImportRecord.objects.all().delete()
    run.refresh_from_db()
    assert run.sources.endswith("FINESS cs1100507 du 2026-05-12")

    client.force_login(make_user("root", is_superuser=True))
    page = client.get(reverse("dashboard:region", args=["84"])).content.decode()
    assert "FINESS cs1100507 du 2026-05-12" in page
    runs = client.get(reverse("indicators:run_list")).content.decode()
    assert "FINESS cs1100507 du 2026-05-12" in runs
    # The exports' metadata (XLSX « Métadonnées » sheet, GeoJSON, GeoPackage, PDF).
    admin = make_user("root2", is_superuser=True)
    table = Table("x", [], [], run_metadata(region, run, {}, admin))
    sheet = openpyxl.load_workbook(BytesIO(to_xlsx(table))).worksheets[0]
    metadata = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert metadata["Sources"].endswith("FINESS cs1100507 du 2026-05-12")
    assert metadata["Source : finess"] == f"finess.csv sha256:{finess.sha256}"


def test_the_directory_loader_records_each_file(tmp_path):
    (tmp_path / "facilities").mkdir()
    write(tmp_path / "facilities", MANIFEST, FLEYRIAT, name="etalab-cs1100507-stock.csv")
    [report] = load_directory(tmp_path)
    record = ImportRecord.objects.get(file_name="etalab-cs1100507-stock.csv")
    assert (record.kind, record.created, report.created) == ("finess", 1, 1)
