"""Every import writes an ``ImportRecord`` (issue 10 §4): through ``opendata.services.
import_file``, which the command and the directory loader call. Small files in the official
formats (the FINESS manifest line, an INSEE census file), on an empty database."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from test_import_finess import FLEYRIAT, LYON, MANIFEST, write
from test_import_population_age_zoning import VARIABLES, census_file

from core.importing import ImportFailed
from facilities.models import Facility
from opendata.models import ImportRecord
from opendata.services import import_file
from tests.factories import make_commune, make_region
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
