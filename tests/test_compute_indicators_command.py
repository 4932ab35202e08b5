"""``manage.py compute_indicators``: queued for the workers by default, in-process with --sync."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from facilities.models import Facility
from indicators.models import IndicatorRun
from territories.models import Commune
from tests.factories import make_commune_grid, make_department, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    region = make_region("84")
    make_commune_grid(3, 2, department=make_department("69", "Rhône", region=region))
    return region


def run_command(*args) -> str:
    out = StringIO()
    call_command("compute_indicators", *args, stdout=out)
    return out.getvalue()


def test_with_sync_it_computes_in_process_and_prints_a_summary(region):
    commune = Commune.objects.get(code="69001")
    hospital = Facility.objects.create(
        finess_et="690000001", name="CH", kind="ch", source="manual", point=commune.point,
        commune=commune,
    )  # fmt: skip
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    output = run_command("--region", "84", "--levels", "urgences:1", "perinatalite:1", "--sync")

    run = IndicatorRun.objects.get()
    assert run.status == IndicatorRun.Status.DONE
    assert f"run {run.pk} 84 Auvergne-Rhône-Alpes" in output
    assert "units: 6 communes, population 2100" in output
    assert "levels: 2, provider: crowfly" in output
    assert "Maternité (tout type): missing (no authorisation loaded: obstetrique)" in output
    assert f"values written: {run.values.count()}" in output and run.values.count() > 12
    assert "timings (s): " in output and "write" in output


def test_without_sync_it_queues_the_run_and_prints_its_id(
    region, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        output = run_command("--region", "84")

    run = IndicatorRun.objects.get()
    assert output.strip() == f"run {run.pk} queued for 84 Auvergne-Rhône-Alpes"
    assert run.status == IndicatorRun.Status.QUEUED and run.levels.count() == 6
    assert len(callbacks) == 1


def test_crow_fly_parameters_are_recorded(region):
    run_command("--levels", "urgences:1", "--detour", "1.5", "--speed-kmh", "60", "--sync")

    provider = IndicatorRun.objects.get().parameters["provider"]
    assert provider["detour"] == 1.5 and provider["speed_kmh"] == 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "99"], "unknown region '99'"),
        (["--levels", "urgences:9"], "unknown level 'urgences:9' (known: urgences:1"),
        (["--provider", "road"], "--provider road needs --network NAME"),
        (["--provider", "matrix"], "--provider matrix needs --matrix CSV"),
    ],
)
def test_it_rejects_bad_arguments_naming_them(region, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_command(*args)
    assert not IndicatorRun.objects.exists()


def test_a_failing_sync_run_is_a_command_error_with_its_message(region, tmp_path):
    commune = Commune.objects.get(code="69001")
    hospital = Facility.objects.create(
        finess_et="690000001", name="CH", kind="ch", source="manual", point=commune.point,
        commune=commune,
    )  # fmt: skip
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    matrix = tmp_path / "only-69001.csv"
    matrix.write_text("origin_id,destination_id,minutes\n69001,690000001,5\n")

    with pytest.raises(CommandError, match="failed: département 69: MatrixError"):
        run_command("--levels", "urgences:1", "--provider", "matrix", "--matrix", str(matrix),
                    "--sync")  # fmt: skip


def test_every_region_with_communes_is_found_without_reading_polygons(region):
    """The real-data demo's compute_indicators spent 89 s of 98 on SpatiaLite in this look-up:
    a join of regions to their communes with DISTINCT over the region polygons."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from indicators.management.commands.compute_indicators import Command

    make_region("11", "Île-de-France")  # no commune: left out
    with CaptureQueriesContext(connection) as queries:
        regions = Command()._regions(None)

    assert [r.code for r in regions] == ["84"]
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "DISTINCT" not in sql and '"GEOMETRY"' not in sql
