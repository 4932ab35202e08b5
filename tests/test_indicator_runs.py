"""Indicator runs computed in-process: the state machine, hand-checkable figures on a small
built region, the demo region end to end, the latest-run selector, stale marking, the page,
the progress JSON and the admin's "Nouveau calcul"."""

import math
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from facilities.importers import import_authorisations
from facilities.models import Facility
from indicators import selectors, services
from indicators.engine.travel.crowfly import haversine_km
from indicators.models import IndicatorRun, IndicatorValue
from pathways.models import Level
from territories.models import Region
from territories.services import zoning_create
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db

EARTH_KM = 6371.0088
TEN_KM_IN_DEGREES = math.degrees(10 / EARTH_KM)  # along a meridian
CROWFLY_10_KM = 10 * 1.3 / 50 * 60  # 15.6 minutes with the defaults


def urgences() -> Level:
    return Level.objects.get(pathway__code="urgences", rank=1)


@pytest.fixture
def small_region():
    """Région 84, département 01: 01001 (1,000 inhabitants) 10 km south of a CH with an
    emergency service, 01002 (3,000) about 40 km east, 01003 (500) without a polygon; a
    zoning whose one zone holds 01001 only."""
    region = make_region("84")
    department = make_department("01", "Ain", region=region)
    near = make_commune("01001", col=0, row=0, population=1000, department=department)
    far = make_commune("01002", col=10, row=0, population=3000, department=department)
    make_commune("01003", population=500, department=department, with_geometry=False)
    hospital = Facility.objects.create(
        finess_et="010000001", name="CH de test", kind="ch", source="manual", commune=near,
        point=Point(near.point.x, near.point.y + TEN_KM_IN_DEGREES, srid=4326),
    )  # fmt: skip
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    zoning = zoning_create(
        region=region, name="Zones test", kind="schema", zones={"Z1": ("Zone 1", ["01001"])}
    )
    return {"region": region, "near": near, "far": far, "hospital": hospital, "zoning": zoning}


def computed(region: Region, levels=None, **kwargs) -> IndicatorRun:
    run = services.run_create(region=region, levels=levels, enqueue=False, **kwargs)
    return services.run_compute(run.pk)


def value(run, unit_kind, unit_code, indicator, level=None, zoning=None) -> IndicatorValue:
    return IndicatorValue.objects.get(
        run=run, unit_kind=unit_kind, unit_code=unit_code, indicator=indicator, level=level,
        zoning=zoning,
    )  # fmt: skip


# --- creating and the state machine ---------------------------------------------------------


def test_a_new_run_is_queued_with_its_parameters_and_enqueued_after_commit(
    small_region, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = services.run_create(region=small_region["region"], requested_by=admin_user)

    assert len(callbacks) == 1
    assert run.status == IndicatorRun.Status.QUEUED and run.progress == 0
    # Every current level: the two retired urgences levels (pathways 0005) are left out.
    assert run.levels.count() == Level.current.count() == 6
    assert run.provider == "crowfly"
    assert run.parameters["provider"] == {
        "provider": "crowfly", "detour": 1.3, "speed_kmh": 50.0, "access_minutes": 0.0
    }  # fmt: skip
    assert run.parameters["k"] == 3
    assert run.parameters["two_sfca"]["max_minutes"] == 20
    assert run.parameters["two_sfca"]["weight"]["bands"][0] == [10.0, 1.0]
    assert run.parameters["capacity"]["value"] == 1.0
    assert run.requested_by == admin_user


def test_bad_provider_parameters_fail_before_anything_is_queued(small_region):
    with pytest.raises(ValueError, match="unknown travel-time provider"):
        services.run_create(region=small_region["region"], provider_parameters={"provider": "x"})
    assert not IndicatorRun.objects.exists()


def test_starting_a_run_twice_starts_it_once(small_region):
    run = services.run_create(region=small_region["region"], levels=[urgences()], enqueue=False)

    assert services.run_start(run.pk) == ["01"]
    assert services.run_start(run.pk) == []  # a duplicate delivery
    run.refresh_from_db()
    assert run.status == IndicatorRun.Status.RUNNING and run.started_at is not None


def test_progress_counts_each_finished_chunk_once(small_region):
    run = services.run_create(region=small_region["region"], levels=[urgences()], enqueue=False)
    services.run_start(run.pk)

    services.run_compute_chunk(run.pk, "01")
    services.run_compute_chunk(run.pk, "01")  # redelivered

    run.refresh_from_db()
    assert run.chunks_done == ["01"]
    assert run.progress == services.CHUNKS_PROGRESS


def test_work_progress_weighs_each_level_of_each_departement_by_its_communes():
    work = {"units": {"01": 10, "02": 30}, "levels": 2, "done": {"02": 1}}
    span = services.CHUNKS_PROGRESS - services.START_PROGRESS
    # 30 of the 80 commune-levels: one level of 02.
    assert (
        services.work_progress(work, ["01", "02"], []) == services.START_PROGRESS + span * 30 // 80
    )
    # 01 done (both levels), and one level of 02: 50 of 80.
    assert (
        services.work_progress(work, ["01", "02"], ["01"])
        == services.START_PROGRESS + span * 50 // 80
    )
    assert services.work_progress(work, ["01", "02"], ["01", "02"]) == services.CHUNKS_PROGRESS
    # A run recorded before ``work`` existed counts whole chunks.
    assert services.work_progress({}, ["01", "02"], ["01"]) == services.START_PROGRESS + span // 2


def test_a_run_by_level_moves_the_bar_per_chunk_and_equals_the_run_by_departement(small_region):
    # Every current level: those that lack an input get no chunk (nor values).
    levels = list(Level.current.all())
    whole = computed(small_region["region"], levels=levels)
    run = services.run_create(region=small_region["region"], levels=levels, enqueue=False)

    chunks = services.run_start(run.pk, by_level=True)
    run.refresh_from_db()
    served = [lv.pk for lv in levels if run.level_state_of(lv.pk)["state"] != "missing"]
    assert len(served) >= 2
    assert sorted(chunks) == sorted(f"01/{pk}" for pk in served) and chunks == run.chunks
    assert run.progress == services.START_PROGRESS
    seen, results = [], []
    for chunk in chunks:
        results.append(services.run_compute_chunk(run.pk, chunk))
        run.refresh_from_db()
        seen.append(run.progress)
    assert seen == sorted(set(seen)) and seen[-1] == services.CHUNKS_PROGRESS
    assert services.run_finish(run.pk, results).status == IndicatorRun.Status.DONE

    def values(r):
        return sorted(
            r.values.values_list("unit_kind", "unit_code", "indicator", "level_id", "value")
        )

    assert values(run) == values(whole) and values(run)


def test_a_run_whose_data_changes_during_its_finish_fails_and_writes_nothing(small_region):
    run = services.run_create(region=small_region["region"], levels=[urgences()], enqueue=False)
    services.run_start(run.pk)
    result = services.run_compute_chunk(run.pk, "01")
    small_region["far"].__class__.objects.filter(pk=small_region["far"].pk).update(population=3001)

    assert services.run_finish(run.pk, [result]).status == IndicatorRun.Status.FAILED
    run.refresh_from_db()
    assert "the data changed during the run" in run.error and not run.values.exists()


def test_a_finished_run_is_not_finished_again_and_a_rerun_replaces_its_own_values(
    small_region,
):
    run = computed(small_region["region"], levels=[urgences()])
    count = run.values.count()
    # A duplicate delivery of the finishing task changes nothing.
    assert services.run_finish(run.pk, []).status == IndicatorRun.Status.DONE
    assert run.values.count() == count
    # Re-running the same run replaces its values instead of adding to them.
    IndicatorRun.objects.filter(pk=run.pk).update(status=IndicatorRun.Status.RUNNING)
    result = services.run_compute_chunk(run.pk, "01")
    assert services.run_finish(run.pk, [result]).status == IndicatorRun.Status.DONE
    assert run.values.count() == count


# --- figures --------------------------------------------------------------------------------


def test_a_sync_run_gives_hand_checkable_figures(small_region):
    far, hospital = small_region["far"], small_region["hospital"]
    level = urgences()

    run = computed(small_region["region"], levels=[level])

    assert run.status == IndicatorRun.Status.DONE, run.error
    assert run.progress == 100 and run.finished_at is not None
    nearest = value(run, "commune", "01001", "nearest_minutes", level)
    assert nearest.value == pytest.approx(CROWFLY_10_KM, abs=1e-9)
    assert nearest.facility == hospital
    far_km = haversine_km(far.point.x, far.point.y, hospital.point.x, hospital.point.y)
    far_minutes = float(far_km) * 1.3 / 50 * 60
    assert far_minutes > 30
    assert value(run, "commune", "01002", "nearest_minutes", level).value == pytest.approx(
        far_minutes
    )
    # Region: 3,000 of 4,000 placed inhabitants beyond the 30-minute target.
    assert value(run, "region", "84", "population").value == 4000
    assert value(run, "region", "84", "population_beyond", level).value == 3000
    assert value(run, "region", "84", "share_beyond", level).value == 0.75
    assert value(run, "region", "84", "mean_minutes", level).value == pytest.approx(
        (1000 * CROWFLY_10_KM + 3000 * far_minutes) / 4000
    )
    assert value(run, "department", "01", "density_per_10k", level).value == 2.5
    # The zone holds 01001 only, and the hospital.
    zoning = small_region["zoning"]
    assert value(run, "zone", "Z1", "share_beyond", level, zoning).value == 0
    assert value(run, "zone", "Z1", "density_per_10k", level, zoning).value == 10
    # 2SFCA: 15.6 min falls in the 1/3 band (15 < t <= 20); 01002 is beyond the 20 min cut-off.
    # R = 1 / (1/3 × 1000) and A(01001) = 1/3 × R = 1/1000; A(01002) = 0, so under-served.
    assert value(run, "commune", "01001", "access_2sfca", level).value == pytest.approx(1e-3)
    assert value(run, "commune", "01002", "access_2sfca", level).value == 0
    assert value(run, "region", "84", "population_underserved", level).value == 3000
    # The commune without a polygon is left out, and said so.
    assert run.inputs_summary["excluded_units"] == ["01003"]
    assert run.inputs_summary["excluded_population"] == 500
    assert not IndicatorValue.objects.filter(run=run, unit_code="01003").exists()
    assert {"inputs", "two_sfca", "aggregates", "write", "total"} <= set(run.timings)


def test_a_level_without_any_facility_is_unreachable_everywhere(small_region):
    # Obstetrics is loaded (a type 1 maternity), so the type 3 level is computed, with none.
    small_region["hospital"].authorisations.create(
        activity="obstetrique", modality="obstetrique", start_date="2020-01-01"
    )
    level = Level.objects.get(pathway__code="perinatalite", rank=3)

    run = computed(small_region["region"], levels=[level])

    assert run.status == IndicatorRun.Status.DONE, run.error
    assert value(run, "commune", "01001", "nearest_minutes", level).value is None
    assert value(run, "region", "84", "share_beyond", level).value == 1
    assert value(run, "region", "84", "mean_minutes", level).value is None


def test_identical_inputs_give_identical_fingerprints(small_region):
    first = computed(small_region["region"], levels=[urgences()])
    second = computed(small_region["region"], levels=[urgences()])
    small_region["far"].population = 3001
    small_region["far"].save()
    third = computed(small_region["region"], levels=[urgences()])

    assert len(first.fingerprint) == 64
    assert first.fingerprint == second.fingerprint != third.fingerprint


def test_the_demo_region_is_computed_end_to_end_with_values_for_every_level():
    call_command("load_demo", verbosity=0)
    region = Region.objects.get(code="99")

    run = computed(region)

    assert run.status == IndicatorRun.Status.DONE, run.error
    assert run.inputs_summary["units"] == 540
    for level in Level.current.all():
        minutes = np.array(
            selectors.run_values(run, indicator="nearest_minutes", level=level)
            .exclude(value=None)
            .values_list("value", flat=True)
        )
        assert len(minutes) == 540, level
        assert run.inputs_summary["facilities_per_level"][str(level.id)] > 0
        share = value(run, "region", "99", "share_beyond", level).value
        assert 0 <= share <= 1
        zones = selectors.run_values(run, unit_kind="zone", indicator="mean_minutes", level=level)
        assert zones.count() == 6
        assert run.level_states[str(level.id)]["state"] == "computed", level
        assert run.level_states[str(level.id)]["missing"] == []


# --- reading, failing, stale ------------------------------------------------------------------


def test_the_latest_run_is_the_latest_done_one_never_a_failed_or_running_one(small_region):
    region = small_region["region"]
    done = computed(region, levels=[urgences()])
    running = services.run_create(region=region, levels=[urgences()], enqueue=False)
    services.run_start(running.pk)
    failed = services.run_create(region=region, levels=[urgences()], enqueue=False)
    services.run_fail(failed.pk, "boom")
    queued = services.run_create(region=region, levels=[urgences()], enqueue=False)

    statuses = IndicatorRun.objects.filter(pk__in=[running.pk, failed.pk, queued.pk])
    assert sorted(statuses.values_list("status", flat=True)) == ["failed", "queued", "running"]
    assert selectors.latest_run(region) == done
    assert selectors.latest_run(make_region("11", "Île-de-France")) is None


def test_a_failing_run_is_marked_failed_and_leaves_the_previous_values_untouched(
    small_region, tmp_path
):
    region = small_region["region"]
    good = computed(region, levels=[urgences()])
    before = sorted(good.values.values_list("unit_code", "indicator", "value"))
    matrix = tmp_path / "matrix.csv"  # times for 01001 only: 01002 is absent
    matrix.write_text("origin_id,destination_id,minutes\n01001,010000001,12\n")

    bad = computed(region, levels=[urgences()], provider_parameters={
        "provider": "matrix", "path": str(matrix)
    })  # fmt: skip

    assert bad.status == IndicatorRun.Status.FAILED
    assert "département 01" in bad.error and "01002" in bad.error
    assert bad.finished_at is not None and not bad.values.exists()
    assert sorted(good.values.values_list("unit_code", "indicator", "value")) == before
    assert selectors.latest_run(region) == good


def test_runs_go_stale_when_an_import_changes_data_but_not_on_a_no_op(small_region, tmp_path):
    run = computed(small_region["region"], levels=[urgences()])
    csv = tmp_path / "authorisations.csv"
    csv.write_text("finess_et;activity;modality;start_date\n010000001;urgences;smur;2021-01-01\n")

    import_authorisations(csv)
    run.refresh_from_db()
    assert run.stale

    fresh = computed(small_region["region"], levels=[urgences()])
    import_authorisations(csv)  # the same file again: nothing changes
    fresh.refresh_from_db()
    assert not fresh.stale


def test_editing_a_facility_in_the_admin_marks_runs_stale(small_region, admin_client):
    run = computed(small_region["region"], levels=[urgences()])
    hospital = small_region["hospital"]
    url = reverse("admin:facilities_facility_change", args=[hospital.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        name="CH renommé", point=hospital.point.wkt, commune=hospital.commune_id,
        **{"authorisations-TOTAL_FORMS": 0, "authorisations-INITIAL_FORMS": 0},
    )  # fmt: skip

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    run.refresh_from_db()
    assert run.stale


# --- page, progress JSON, admin ---------------------------------------------------------------


def test_the_runs_page_needs_a_login(client):
    response = client.get(reverse("indicators:run_list"))
    assert response.status_code == 302


def test_the_runs_page_lists_runs_per_region_and_starts_one(
    small_region, admin_client, django_capture_on_commit_callbacks
):
    done = computed(small_region["region"], levels=[urgences()])
    IndicatorRun.objects.filter(pk=done.pk).update(stale=True)

    page = admin_client.get(reverse("indicators:run_list")).content.decode()
    assert "84 Auvergne-Rhône-Alpes" in page and f'data-run="{done.pk}"' in page
    assert "Périmé" in page and "Lancer un calcul" in page

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("indicators:run_start", args=["84"]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    new = IndicatorRun.objects.latest("id")
    assert new.status == "queued" and new.requested_by.username == "admin"


def test_the_progress_json_gives_status_progress_and_error(small_region, admin_client):
    run = services.run_create(region=small_region["region"], levels=[urgences()], enqueue=False)
    services.run_fail(run.pk, "département 01: MatrixError: absent")

    data = admin_client.get(reverse("indicators:run_progress", args=[run.pk])).json()

    assert data == {
        "id": run.pk, "status": "failed", "status_label": "Échoué", "progress": 0,
        "error": "département 01: MatrixError: absent", "stale": False,
    }  # fmt: skip


def test_the_admin_new_run_page_queues_a_run_of_the_chosen_levels(
    small_region, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:indicators_indicatorrun_add")
    assert "Nouveau calcul" in admin_client.get(url).content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            url, {"region": small_region["region"].pk, "levels": [urgences().pk]}
        )

    assert response.status_code == 302 and len(callbacks) == 1
    run = IndicatorRun.objects.get()
    assert list(run.levels.all()) == [urgences()]
    change = admin_client.get(reverse("admin:indicators_indicatorrun_change", args=[run.pk]))
    assert change.status_code == 200


def test_a_run_whose_worker_vanished_is_failed_when_the_next_one_is_created(db):
    region = make_region()
    make_commune("01001", department=make_department("01", "Ain", region=region))
    lost = services.run_create(region=region, enqueue=False)
    IndicatorRun.objects.filter(pk=lost.pk).update(
        status=IndicatorRun.Status.RUNNING, created_at=timezone.now() - timedelta(days=1)
    )
    fresh = services.run_create(region=region, enqueue=False)

    lost.refresh_from_db()
    assert lost.status == IndicatorRun.Status.FAILED
    assert "abandonné" in lost.error
    fresh.refresh_from_db()
    assert fresh.status == IndicatorRun.Status.QUEUED
    assert services.runs_fail_expired() == 0


def test_a_finished_run_analyses_the_values_table_once_committed(
    small_region, django_capture_on_commit_callbacks
):
    from django.db import connection

    def statistics_of_runs() -> str | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "select most_common_vals::text from pg_stats"
                " where tablename = 'indicators_indicatorvalue' and attname = 'run_id'"
            )
            row = cursor.fetchone()
        return row[0] if row else None

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = computed(small_region["region"])

    assert services.analyze_values in callbacks
    assert run.status == IndicatorRun.Status.DONE
    assert str(run.pk) in (statistics_of_runs() or "").strip("{}").split(",")
