"""The response cache of the API lists (core/response_cache.py) on the real Redis of REDIS_URL:
a page is served again with its ETag (304 on If-None-Match), and never to the wrong reader —
a new run, an import (data_changed), an admin edit, the language and the user's regions each
make another page. Small fixtures: two regions, six communes, a run written by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from access.services import membership_grant
from core import response_cache
from core.importing import data_changed
from indicators.models import IndicatorRun, IndicatorValue
from territories.models import Commune
from tests.api_helpers import api_client
from tests.factories import make_commune_grid, make_department, make_region
from tests.personas import make_user


@pytest.fixture
def regions(db):
    """Regions 84 (six communes, a done run with one value per commune) and 11 (one commune,
    its own done run); an analyst of each and an administrator."""
    aura = make_region("84", "Auvergne-Rhône-Alpes")
    idf = make_region("11", "Île-de-France")
    communes = make_commune_grid(3, 2, department=make_department("69", "Rhône", region=aura))
    paris = make_commune_grid(1, 1, department=make_department("75", "Paris", region=idf))
    runs = {aura.code: done_run(aura, communes, 1.0), idf.code: done_run(idf, paris, 9.0)}
    users = {"aura": make_user("aura"), "idf": make_user("idf")}
    membership_grant(user=users["aura"], region=aura, role="analyst")
    membership_grant(user=users["idf"], region=idf, role="analyst")
    users["admin"] = make_user("admin", is_superuser=True, is_staff=True)
    return runs, users


def done_run(region, communes, value: float, *, minutes_later: int = 0) -> IndicatorRun:
    run = IndicatorRun.objects.create(
        region=region,
        provider="crow_fly",
        status=IndicatorRun.Status.DONE,
        finished_at=timezone.now() + dt.timedelta(minutes=minutes_later),
    )
    IndicatorValue.objects.bulk_create(
        IndicatorValue(run=run, unit_kind="commune", unit_code=c.code, indicator="nearest_minutes",
                       value=value)
        for c in communes
    )  # fmt: skip
    return run


def values_of(response) -> set[tuple[int, str, float]]:
    assert response.status_code == 200, response.content[:300]
    return {(v["run"], v["unit_code"], v["value"]) for v in response.json()["results"]}


def reads_values(client, url: str) -> tuple[object, bool]:
    """(response, whether the request read the values table)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, any("indicators_indicatorvalue" in q["sql"] for q in queries)


def test_a_page_is_built_once_then_served_with_its_etag_and_304(regions):
    runs, users = regions
    client = api_client(users["aura"])
    url = f"/api/indicateurs/?run={runs['84'].pk}"
    first, read = reads_values(client, url)
    assert read and first.status_code == 200 and first["ETag"]
    assert "private" in first["Cache-Control"] and "Cookie" in first["Vary"]
    again, read_again = reads_values(client, url)
    assert not read_again, "the second request is answered from the cache"
    assert again.content == first.content and again["ETag"] == first["ETag"]

    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    other_tag = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other_tag.status_code == 200 and other_tag.content == first.content


def test_two_readers_of_a_region_share_a_page_and_communes_pages_are_cached(regions):
    runs, users = regions
    colleague = make_user("colleague")
    membership_grant(user=colleague, region=runs["84"].region, role="planner")
    first = api_client(users["aura"]).get("/api/indicateurs/")
    shared, read = reads_values(api_client(colleague), "/api/indicateurs/")
    assert not read and shared["ETag"] == first["ETag"]
    communes = api_client(users["aura"]).get("/api/communes/?department=69")
    assert communes["ETag"] and communes.json()["count"] == 6


def test_a_users_regions_choose_the_page(regions):
    runs, users = regions
    aura, idf, admin = (api_client(users[name]) for name in ("aura", "idf", "admin"))
    assert {run for run, _code, _value in values_of(aura.get("/api/indicateurs/"))} == {
        runs["84"].pk
    }
    # the same URLs, asked after them by readers of another region or of every region
    assert {run for run, _c, _v in values_of(idf.get("/api/indicateurs/"))} == {runs["11"].pk}
    assert {run for run, _c, _v in values_of(admin.get("/api/indicateurs/"))} == {
        runs["84"].pk,
        runs["11"].pk,
    }
    aura_run = f"/api/indicateurs/?run={runs['84'].pk}"
    tag = aura.get(aura_run)["ETag"]
    assert values_of(idf.get(aura_run)) == set()
    assert idf.get(aura_run, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_a_new_run_is_served_at_once(regions):
    runs, users = regions
    client = api_client(users["aura"])
    before = client.get("/api/indicateurs/")
    assert {value for _r, _c, value in values_of(before)} == {1.0}
    communes = list(Commune.objects.filter(department__code="69"))
    newer = done_run(runs["84"].region, communes, 2.0, minutes_later=5)
    after = client.get("/api/indicateurs/")
    assert {(run, value) for run, _c, value in values_of(after)} == {(newer.pk, 2.0)}
    assert after["ETag"] != before["ETag"]
    assert client.get("/api/indicateurs/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_run_not_done_is_not_cached(regions):
    runs, users = regions
    running = IndicatorRun.objects.create(
        region=runs["84"].region, provider="crow_fly", status=IndicatorRun.Status.RUNNING
    )
    response = api_client(users["aura"]).get(f"/api/indicateurs/?run={running.pk}")
    assert response.status_code == 200 and "ETag" not in response


def change_data(how: str, admin) -> None:
    """What an importer does once it committed, or what the admin does on any edit."""
    if how == "import":
        data_changed.send(sender=None, kind="communes")
    else:
        commune = Commune.objects.get(code="69001")
        LogEntry.objects.create(
            user=admin,
            content_type=ContentType.objects.get_for_model(Commune),
            object_id=str(commune.pk),
            object_repr=str(commune),
            action_flag=CHANGE,
        )


@pytest.mark.parametrize("how", ["import", "admin edit"])
def test_an_import_or_an_admin_edit_makes_every_page_stale(regions, how):
    runs, users = regions
    client = api_client(users["aura"])
    url = "/api/communes/?department=69"
    first = client.get(url)
    Commune.objects.filter(code="69001").update(name="Renommée")  # no signal: still cached
    assert client.get(url).content == first.content
    values_url = f"/api/indicateurs/?run={runs['84'].pk}"
    client.get(values_url)

    change_data(how, users["admin"])
    renamed = client.get(url)
    names = {f["properties"]["name"] for f in renamed.json()["features"]}
    assert "Renommée" in names and renamed["ETag"] != first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    _response, read = reads_values(client, values_url)
    assert read, "run-bound pages carry names too: stale as well"


def test_a_lost_version_counter_never_names_old_pages_again(regions):
    runs, users = regions
    client = api_client(users["aura"])
    url = f"/api/indicateurs/?run={runs['84'].pk}"
    caches["responses"].set(response_cache.version_key(), 1, timeout=None)
    first = client.get(url)
    caches["responses"].delete(response_cache.version_key())  # evicted, while the page is not
    assert client.get(url)["ETag"] != first["ETag"]


def test_the_language_chooses_the_page(regions):
    runs, users = regions
    client = api_client(users["aura"])
    url = f"/api/indicateurs/?run={runs['84'].pk}"
    french = client.get(url)
    client.cookies["django_language"] = "en"
    english = client.get(url)
    assert french.json()["results"][0]["indicator_label"] == "Temps d'accès au plus proche (min)"
    assert english.json()["results"][0]["indicator_label"] == "Access time to the nearest (min)"
    assert english["Content-Language"] == "en" and english["ETag"] != french["ETag"]
    del client.cookies["django_language"]
    assert client.get(url).content == french.content


def test_the_browsable_api_is_not_cached(regions):
    _runs, users = regions
    page = api_client(users["aura"]).get("/api/communes/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "ETag" not in page


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "responses": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
)
def test_without_redis_pages_are_built_and_imports_still_succeed(regions):
    runs, users = regions
    response = api_client(users["aura"]).get(f"/api/indicateurs/?run={runs['84'].pk}")
    assert len(values_of(response)) == 6 and "ETag" not in response
    response_cache.invalidate()  # logs, never raises


def test_the_pages_of_a_list_share_its_count_until_the_data_changes(regions):
    _runs, users = regions
    client = api_client(users["aura"])
    url = "/api/communes/?department=69&page_size=2&page={}"
    assert client.get(url.format(1)).json()["count"] == 6
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url.format(2))
    assert second.json()["count"] == 6 and len(second.json()["features"]) == 2
    assert not any("COUNT(" in q["sql"] for q in queries), "the count of page 1 is reused"
    assert client.get(url.format(1).replace("page_size=2", "page_size=4")).json()["count"] == 6

    department = Commune.objects.get(code="69001").department
    make_commune_grid(1, 1, department=department, first=7)  # a seventh commune, no signal
    assert client.get(url.format(3)).json()["count"] == 6
    data_changed.send(sender=None, kind="communes")
    assert client.get(url.format(3)).json()["count"] == 7


def zoning_of(region, name: str = "Bassins"):
    from territories.services import zoning_create

    return zoning_create(
        region=region,
        name=name,
        kind="schema",
        zones={"A": ("Zone A", ["69001", "69002"]), "B": ("Zone B", ["69003"])},
    )


def write_zoning(how: str, region) -> None:
    """A zoning written outside an import, each way but the admin (its LogEntry is tested
    above): no ``data_changed`` is sent."""
    from territories.models import Zone, Zoning
    from territories.services import zone_set_communes

    if how == "zoning_create":
        zoning_of(region, "Nouveau zonage")
    elif how == "zone_set_communes":
        zone = Zone.objects.get(zoning__name="Bassins", code="B")
        zone_set_communes(zone, Commune.objects.filter(code__in=["69003", "69004"]))
    elif how == "zone renamed in the shell":
        zone = Zone.objects.get(code="A")
        zone.name = "Zone A renommée"
        zone.save()
    elif how == "zoning deleted":
        Zoning.objects.get(name="Bassins").delete()


@pytest.mark.parametrize(
    "how", ["zoning_create", "zone_set_communes", "zone renamed in the shell", "zoning deleted"]
)
def test_a_zoning_written_outside_an_import_makes_every_page_stale(
    regions, how, django_capture_on_commit_callbacks
):
    runs, users = regions
    aura = runs["84"].region
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        zoning_of(aura)
    # the zoning, its zones and their refreshes: one bump at commit, not one per row
    assert len(callbacks) == 1
    client = api_client(users["aura"])
    url = f"/api/indicateurs/?run={runs['84'].pk}"
    client.get(url)
    assert not reads_values(client, url)[1], "cached"
    kept = response_cache.kept(["zonings"], lambda: "before")

    write_zoning(how, aura)
    assert reads_values(client, url)[1], "built again: zone names and zonings are in pages"
    assert kept == "before" and response_cache.kept(["zonings"], lambda: "after") == "after"
