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
    # asks for the runs its page shows (the response cache's key), reads the page's ids
    # before their rows, and the level states of the runs shown (one query per run)
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
