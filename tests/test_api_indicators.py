"""/api/calculs and /api/indicateurs: stored runs and values, the latest done run by default,
filters, per-region permissions, fixed query counts, and the same figure as the stored
IndicatorValue."""

import pytest

from indicators.models import IndicatorRun, IndicatorValue
from indicators.selectors import latest_run
from pathways.models import Level
from territories.models import Commune, Zone
from tests.api_helpers import api_client, query_count

pytest_plugins = ["tests.api_fixtures"]


@pytest.fixture
def computed(demo, demo_computed_of_the_module):
    return latest_run(demo.region)


def test_it_lists_the_runs_of_the_users_regions(demo, computed):
    runs = api_client(demo.users["analyst"]).get("/api/calculs/").json()
    assert [r["id"] for r in runs["results"]] == [computed.pk]
    assert runs["results"][0]["status"] == "done"
    assert runs["results"][0]["region"] == "99"
    outsider = api_client(demo.users["outsider"])
    assert outsider.get("/api/calculs/").json()["count"] == 0
    assert outsider.get(f"/api/calculs/{computed.pk}/").status_code == 403


def test_values_default_to_the_latest_done_run(demo, computed):
    later = IndicatorRun.objects.create(region=demo.region, provider="crow_fly", status="failed")
    IndicatorValue.objects.create(
        run=later, unit_kind="region", unit_code="99", indicator="population", value=1
    )
    client = api_client(demo.users["analyst"])
    values = client.get("/api/indicateurs/?indicator=population&unit_kind=region").json()
    assert [(v["run"], v["unit_code"]) for v in values["results"]] == [(computed.pk, "99")]
    explicit = client.get(f"/api/indicateurs/?run={later.pk}").json()["results"]
    assert [v["value"] for v in explicit] == [1]


def test_the_api_serves_exactly_the_stored_figures(demo, computed):
    level = Level.objects.get(pathway__code="urgences", rank=1)
    client = api_client(demo.users["director"])
    url = f"/api/indicateurs/?level={level.pk}&indicator=nearest_minutes&unit_kind=commune"
    served = client.get(url + "&page_size=1000").json()
    stored = IndicatorValue.objects.filter(
        run=computed, level=level, indicator="nearest_minutes", unit_kind="commune"
    )
    assert served["count"] == stored.count() == 540
    by_code = {v["unit_code"]: v for v in served["results"]}
    for value in stored.select_related("facility"):
        row = by_code[value.unit_code]
        assert row["value"] == value.value  # the same float, not a rounded one
        assert row["facility"] == (value.facility.finess_et if value.facility else None)
        assert row["level_code"] == level.code and row["pathway_code"] == "urgences"
        assert row["level_name"] == level.name and row["pathway_name"] == level.pathway.name
        assert row["indicator_label"] == "Temps d'accès au plus proche (min)"
    names = dict(Commune.objects.filter(department__region=demo.region).values_list("code", "name"))
    assert {code: row["unit_name"] for code, row in by_code.items()} == names


def test_every_kind_of_unit_is_served_with_its_name(demo, computed):
    client = api_client(demo.users["director"])
    rows = client.get("/api/indicateurs/?indicator=population&page_size=1000").json()["results"]
    zones = {(z.zoning_id, z.code): z.name for z in Zone.objects.filter(zoning__region=demo.region)}
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["unit_kind"], []).append(row)
    assert set(by_kind) == {"commune", "department", "zone", "region"}
    assert [r["unit_name"] for r in by_kind["region"]] == [demo.region.name]
    assert {r["unit_name"] for r in by_kind["department"]} == set(
        demo.region.departments.values_list("name", flat=True)
    )
    assert all(r["unit_name"] == zones[(r["zoning"], r["unit_code"])] for r in by_kind["zone"])


def test_it_filters_values_by_zoning_and_indicator(demo, computed):
    zone_value = IndicatorValue.objects.filter(run=computed, unit_kind="zone").first()
    client = api_client(demo.users["analyst"])
    url = f"/api/indicateurs/?zoning={zone_value.zoning_id}&indicator={zone_value.indicator}"
    rows = client.get(url + "&page_size=1000").json()["results"]
    assert rows and {r["zoning"] for r in rows} == {zone_value.zoning_id}
    assert {r["indicator"] for r in rows} == {zone_value.indicator}
    assert client.get("/api/indicateurs/?unit_kind=planet").status_code == 400


def test_other_regions_and_anonymous_visitors_see_no_values(demo, computed):
    assert api_client(demo.users["outsider"]).get("/api/indicateurs/").json()["count"] == 0
    assert api_client().get("/api/indicateurs/").status_code == 401
    admin = api_client(demo.users["admin"]).get("/api/indicateurs/?page_size=1").json()
    assert admin["count"] == IndicatorValue.objects.filter(run=computed).count()


@pytest.mark.parametrize("url", ["/api/calculs/?page_size={n}", "/api/indicateurs/?page_size={n}"])
def test_lists_cost_the_same_queries_whatever_the_page_size(
    demo, computed, url, django_assert_num_queries
):
    client = api_client(demo.users["analyst"])
    expected = query_count(client, url.format(n=1))
    with django_assert_num_queries(expected):
        client.get(url.format(n=500))
    # session, user, the user's regions, count, page (+ the runs' levels); the values list
    # asks for the runs its page shows (the response cache's key), then, for whole runs,
    # their sizes and level states before the page's rows by position (otherwise the page's
    # ids before their rows, and the level states of the runs shown, one query per run)
    assert expected <= (8 if "indicateurs" in url else 6)


def test_the_fast_rows_are_what_drf_would_write(demo, computed):
    """IndicatorValueSerializer writes its rows itself (speed): the same dict as DRF's own
    field-by-field path, for every kind of unit and indicator, in French and in English."""
    from django.utils import translation
    from rest_framework import serializers

    from indicators import filters, selectors
    from indicators.api import IndicatorValueSerializer

    rows = list(selectors.with_names(filters.value_list()).filter(run=computed))
    sample = {(r.unit_kind, r.indicator, r.facility_id is None): r for r in rows}.values()
    assert len(sample) > 8

    class WithAnotherField(IndicatorValueSerializer):  # a field added later: DRF writes it
        twice = serializers.SerializerMethodField()

        class Meta(IndicatorValueSerializer.Meta):
            fields = [*IndicatorValueSerializer.Meta.fields, "twice"]

        def get_twice(self, row) -> float | None:
            return None if row.value is None else 2 * row.value

    for language in ("fr", "en"):
        with translation.override(language):
            for serializer in (IndicatorValueSerializer(), WithAnotherField()):
                for row in sample:
                    drf = serializers.ModelSerializer.to_representation(serializer, row)
                    fast = serializer.to_representation(row)
                    assert fast == dict(drf) and list(fast) == list(drf)


# --- pages by position (IndicatorValue.position, indicators.api.PositionedValues) ------------


def pages_of(client, url: str) -> tuple[list[int], list[str]]:
    """The ids of every page of ``url`` in order, and the SQL that read the values' rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids, sql, page = [], [], 1
    while True:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"{url}&page={page}").json()
        ids += [row["id"] for row in answer["results"]]
        sql += [q["sql"] for q in queries if 'FROM "indicators_indicatorvalue"' in q["sql"]]
        if not answer["next"]:
            return ids, sql
        page += 1


def in_list_order(*runs) -> list[int]:
    from indicators.filters import VALUE_ORDER

    values = IndicatorValue.objects.filter(run__in=runs).order_by(*VALUE_ORDER, "id")
    return list(values.values_list("pk", flat=True))


def test_a_whole_run_is_paged_by_position_the_same_as_with_offset(demo, computed):
    client = api_client(demo.users["director"])
    by_position, sql = pages_of(client, f"/api/indicateurs/?run={computed.pk}&page_size=1000")
    assert any('"position" >=' in q for q in sql) and not any("OFFSET" in q for q in sql)
    # a filter that keeps every row (the run's own region) pages with OFFSET
    url = f"/api/indicateurs/?run={computed.pk}&region=99&page_size=1000"
    by_offset, sql = pages_of(client, url)
    assert any("OFFSET" in q for q in sql)
    assert by_position == by_offset == in_list_order(computed)
    assert len(by_position) == IndicatorValue.objects.filter(run=computed).count() > 1000


def test_pages_by_position_run_on_from_one_run_into_the_next(demo, computed):
    from django.utils import timezone

    from indicators import services

    other = IndicatorRun.objects.create(
        region=demo.other_region, provider="crow_fly", status="done", finished_at=timezone.now()
    )
    rows = [("commune", code, None, "population", None, None, 1.0) for code in "54321"]
    services.write_values(other.pk, rows)
    client = api_client(demo.users["admin"])  # the latest run of each region: both
    ids, sql = pages_of(client, "/api/indicateurs/?page_size=1000")
    assert not any("OFFSET" in q for q in sql)
    assert ids == in_list_order(computed, other)
    assert len(ids) % 1000 > 5  # the last page holds rows of both runs


def test_a_run_that_lost_values_is_paged_with_offset(demo, computed):
    """Deleting a level or a zoning cascades to its values in stored runs: holes in the
    positions. The list's count then differs from the positions' and pages use OFFSET."""
    from core import response_cache

    level = Level.objects.get(pathway__code="urgences", rank=1)
    IndicatorValue.objects.filter(run=computed, level=level).delete()
    response_cache.invalidate()  # as the admin's deletion does
    client = api_client(demo.users["director"])
    ids, sql = pages_of(client, f"/api/indicateurs/?run={computed.pk}&page_size=1000")
    assert any("OFFSET" in q for q in sql)
    assert ids == in_list_order(computed)


def test_values_are_numbered_in_the_order_of_the_list(db):
    """write_values numbers rows in PostgreSQL's own order (the database's collation), given
    in any order; migration 0007 numbers stored runs the same way."""
    import importlib

    from django.db import connection

    from indicators import services
    from tests.factories import make_region

    run = IndicatorRun.objects.create(region=make_region("84", "A"), provider="crow_fly")
    codes = ["2B033", "01001", "2A004", "69123", "zone b", "Zone-A", "_x", "a_y", "ab"]
    rows = [("commune", code, None, indicator, None, None, 1.0)
            for indicator in ("share_beyond", "population", "nearest_minutes")
            for code in codes]  # fmt: skip
    services.write_values(run.pk, rows)
    numbered = IndicatorValue.objects.filter(run=run).order_by("position")
    assert list(numbered.values_list("pk", flat=True)) == in_list_order(run)
    assert list(numbered.values_list("position", flat=True)) == list(range(len(rows)))
    before = dict(numbered.values_list("pk", "position"))
    numbered.update(position=None)
    migration = importlib.import_module("indicators.migrations.0008_indicator_value_position")
    with connection.cursor() as cursor:
        cursor.execute(migration.NUMBER_STORED_RUNS)
    assert dict(numbered.values_list("pk", "position")) == before
