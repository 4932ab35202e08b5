"""Dashboard pages and map layers on the demo region: login and region permissions, pages with a
pinned number of queries, a clear message without a run, layers that are valid GeoJSON whose
values are the stored ``IndicatorValue``s, ETag revalidation, and the SVG charts."""

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from access.models import RegionMembership
from dashboard import charts
from indicators import services
from indicators.models import IndicatorRun, IndicatorValue
from pathways.models import Level
from sros.models import Scenario
from territories.models import Commune, Region, Zoning
from tests.factories import make_region
from tests.module_data import data_of_the_module

pytestmark = pytest.mark.django_db

#: Layers: the facility layer makes one query per pathway level (8), none per facility.
# facilities: + 1 for the catalogue's labels of the popups (facilities.activities.labels).
MAX_LAYER_QUERIES = {"choropleth": 10, "facilities": 18, "boundaries": 8}


@pytest.fixture(scope="module")
def demo_of_the_module(django_db_setup, django_db_blocker):
    """The demo region with one done run of every level, loaded once for the module."""
    with data_of_the_module(django_db_blocker):
        call_command("load_demo", verbosity=0)
        call_command("compute_indicators", "--sync", verbosity=0)
        yield


@pytest.fixture
def demo(db, demo_of_the_module):
    """The module's demo region, its run and its zoning, read afresh for the test."""
    region = Region.objects.get(code="99")
    run = IndicatorRun.objects.get(region=region, status=IndicatorRun.Status.DONE)
    return {"region": region, "run": run, "zoning": Zoning.objects.get(region=region)}


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    client.force_login(user)
    return client


def page_urls(demo) -> dict[str, str]:
    zoning = demo["zoning"]
    zone = zoning.zones.order_by("code").first()
    commune = Commune.objects.filter(department__region=demo["region"]).order_by("code").first()
    return {
        "index": reverse("dashboard:index"),
        "region": reverse("dashboard:region", args=["99"]),
        "map": reverse("dashboard:map", args=["99"]),
        "pathway": reverse("dashboard:pathway", args=["99", "urgences"]),
        "commune": reverse("dashboard:territory", args=["99", "commune", commune.code]),
        "department": reverse(
            "dashboard:territory", args=["99", "departement", commune.department.code]
        ),
        "zone": reverse("dashboard:zone", args=["99", zoning.pk, zone.code]),
    }


def layer_urls() -> list[str]:
    return [
        reverse("dashboard:choropleth", args=["99"]),
        reverse("dashboard:facilities", args=["99"]),
        reverse("dashboard:boundaries", args=["99"]),
    ]


def test_every_page_and_layer_needs_a_login(client, demo):
    for url in [*page_urls(demo).values(), *layer_urls()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/connexion/"), url


@pytest.mark.parametrize("layer", list(MAX_LAYER_QUERIES))
def test_each_layer_answers_in_a_fixed_number_of_queries(
    admin, demo, layer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_LAYER_QUERIES[layer]):
        response = admin.get(reverse(f"dashboard:{layer}", args=["99"]))

    assert response.status_code == 200
    assert_geojson(response.json())


def test_a_user_of_another_region_is_refused_and_a_member_reads(client, demo, django_user_model):
    other = make_region("11", "Île-de-France")
    outsider = django_user_model.objects.create_user("dehors", password="pw-dehors-123")
    RegionMembership.objects.create(user=outsider, region=other, role="planner")
    member = django_user_model.objects.create_user("dedans", password="pw-dedans-123")
    RegionMembership.objects.create(user=member, region=demo["region"], role="analyst")

    client.force_login(outsider)
    refused = [client.get(url).status_code for url in [page_urls(demo)["region"], *layer_urls()]]
    index = client.get(reverse("dashboard:index")).content.decode()
    client.force_login(member)
    allowed = [client.get(url).status_code for url in [page_urls(demo)["region"], *layer_urls()]]

    assert refused == [403, 403, 403, 403]
    assert "Région fictive" not in index
    assert allowed == [200, 200, 200, 200]


#: Queries of each page on the demo region (session and user included): pinned so that a
#: query per commune, facility or level shows up at once. The region page's 15th: which
#: facility sources are loaded (a kind no source lists is "non chargé", not 0); its 16th when
#: it is the process's first page to name an activity (the catalogue's labels, read once per
#: process: facilities.activities.cached_labels).
MAX_QUERIES = {
    "index": 4, "region": 16, "map": 11, "pathway": 14,
    "commune": 17, "department": 17, "zone": 19,
}  # fmt: skip


@pytest.mark.parametrize("page", list(MAX_QUERIES))
def test_each_page_renders_on_the_demo_region_in_a_fixed_number_of_queries(
    admin, demo, page, django_assert_max_num_queries
):
    url = page_urls(demo)[page]

    with django_assert_max_num_queries(MAX_QUERIES[page]):
        response = admin.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Région fictive" in html or page == "index"
    if page != "index":
        assert f"Calcul n° {demo['run'].pk}" in html
        assert 'id="dashboard-map"' in html
        assert "map-indicator" in html and '<label for="map-indicator">' in html


def test_the_region_page_shows_the_run_figures_and_a_stale_warning(admin, demo):
    run = demo["run"]
    level = Level.objects.get(pathway__code="urgences", rank=1)
    stored = IndicatorValue.objects.get(
        run=run, unit_kind="region", indicator="population_beyond", level=level
    )

    response = admin.get(page_urls(demo)["region"])
    services.runs_mark_stale(demo["region"])
    stale = admin.get(page_urls(demo)["region"]).content.decode()

    figures = response.context["figures"]
    row = next(r for r in figures.levels if r.level == level)
    assert row.population_beyond == stored.value
    assert row.target == 30
    assert figures.population == run.inputs_summary["population"]
    assert "à vol d&#x27;oiseau" in response.content.decode()  # the provider « crowfly »
    assert "périmés" not in response.content.decode()
    assert "Résultats périmés" in stale


def test_the_region_page_links_each_scenario_to_its_comparison(admin, demo):
    [scenario] = Scenario.objects.filter(version__schema__region=demo["region"])

    html = admin.get(page_urls(demo)["region"]).content.decode()

    link = reverse("dashboard:scenario", args=[demo["region"].code, scenario.pk])
    assert f'<a href="{link}">{scenario.name}</a>' in html
    assert admin.get(link).status_code == 200


def test_a_region_without_a_run_says_so_and_its_layers_answer_404(admin, demo):
    IndicatorRun.objects.all().delete()

    page = admin.get(page_urls(demo)["region"])
    layer = admin.get(layer_urls()[0])

    assert page.status_code == 200
    assert "Aucun calcul d'indicateurs terminé" in page.content.decode()
    assert 'id="dashboard-map"' not in page.content.decode()
    assert layer.status_code == 404
    assert "Aucun calcul" in layer.json()["error"]


def test_a_queued_run_shows_its_live_progress_bar(admin, demo):
    queued = services.run_create(region=demo["region"], enqueue=False)

    html = admin.get(page_urls(demo)["region"]).content.decode()

    assert reverse("indicators:run_progress", args=[queued.pk]) in html
    assert '<progress id="run-progress-bar"' in html
    assert f"Calcul n° {demo['run'].pk}" in html  # the figures stay those of the done run


def assert_geojson(collection: dict) -> None:
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon", "Point"}
        assert isinstance(feature["properties"], dict)


def coordinates(geometry: dict) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+", json.dumps(geometry["coordinates"]))]


def test_the_commune_choropleth_carries_the_stored_values(admin, demo):
    run = demo["run"]
    level = Level.objects.get(pathway__code="perinatalite", rank=1)
    url = reverse("dashboard:choropleth", args=["99"])

    response = admin.get(
        url, {"units": "communes", "indicator": "nearest_minutes", "level": level.pk}
    )

    collection = json.loads(response.content)
    assert response["Content-Type"].startswith("application/geo+json")
    assert_geojson(collection)
    stored = dict(
        IndicatorValue.objects.filter(
            run=run, unit_kind="commune", indicator="nearest_minutes", level=level
        ).values_list("unit_code", "value")
    )
    shown = {f["properties"]["c"]: f["properties"]["v"] for f in collection["features"]}
    assert len(shown) == 540
    assert shown == stored
    assert collection["legend"]["indicator"] == "nearest_minutes"
    assert [e["label"] for e in collection["legend"]["entries"]][:2] == [
        "moins de 15\xa0min",
        "15\xa0min à 30\xa0min",
    ]
    decimals = {len(str(c).split(".")[1]) for f in collection["features"][:50] for c in
                coordinates(f["geometry"])}  # fmt: skip
    assert max(decimals) <= 4


def test_the_zone_choropleth_carries_the_stored_values_and_colours_by_class(admin, demo):
    run, zoning = demo["run"], demo["zoning"]
    level = Level.objects.get(pathway__code="urgences", rank=1)

    collection = admin.get(
        reverse("dashboard:choropleth", args=["99"]),
        {"units": zoning.pk, "indicator": "share_beyond", "level": level.pk},
    ).json()

    stored = dict(
        IndicatorValue.objects.filter(
            run=run, unit_kind="zone", zoning=zoning, indicator="share_beyond", level=level
        ).values_list("unit_code", "value")
    )
    assert {f["properties"]["c"]: f["properties"]["v"] for f in collection["features"]} == stored
    for feature in collection["features"]:
        value = feature["properties"]["v"]
        band = sum(value >= b for b in (0.05, 0.1, 0.25, 0.5))
        assert feature["properties"]["f"] == collection["legend"]["entries"][band]["colour"]


def test_an_indicator_not_stored_for_communes_falls_back_to_one_that_is(admin, demo):
    collection = admin.get(
        reverse("dashboard:choropleth", args=["99"]),
        {"units": "communes", "indicator": "share_beyond"},
    ).json()

    assert collection["legend"]["indicator"] == "nearest_minutes"


def test_a_layer_seen_before_is_revalidated_with_its_etag(admin, demo):
    url = reverse("dashboard:choropleth", args=["99"])
    first = admin.get(url, {"indicator": "population"})

    again = admin.get(url, {"indicator": "population"}, HTTP_IF_NONE_MATCH=first["ETag"])
    other = admin.get(url, {"indicator": "access_2sfca"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert "private" in first["Cache-Control"]
    assert again.status_code == 304
    assert other.status_code == 200


def test_the_facility_layer_lists_open_facilities_with_popups_and_levels(admin, demo):
    collection = admin.get(reverse("dashboard:facilities", args=["99"])).json()

    assert_geojson(collection)
    urgences = Level.objects.get(pathway__code="urgences", rank=1)
    with_urgences = [f for f in collection["features"] if urgences.pk in f["properties"]["l"]]
    assert (
        len(with_urgences) == demo["run"].inputs_summary["facilities_per_level"][str(urgences.pk)]
    )
    popup = with_urgences[0]["properties"]["h"]
    assert with_urgences[0]["properties"]["f"] in popup
    assert "Structure des urgences" in popup or "SMUR" in popup


def test_the_boundaries_hold_the_departement_and_the_chosen_zones(admin, demo):
    zoning = demo["zoning"]

    collection = admin.get(reverse("dashboard:boundaries", args=["99"]), {"units": zoning.pk})

    kinds = [f["properties"]["k"] for f in collection.json()["features"]]
    assert kinds.count("d") == 1
    assert kinds.count("z") == zoning.zones.count()


def test_the_territory_page_compares_and_draws_its_charts(admin, demo):
    zoning = demo["zoning"]
    zone = zoning.zones.order_by("code").first()

    response = admin.get(reverse("dashboard:zone", args=["99", zoning.pk, zone.code]))

    html = response.content.decode()
    stored = IndicatorValue.objects.get(
        run=demo["run"],
        unit_kind="zone",
        zoning=zoning,
        unit_code=zone.code,
        indicator="population",
    )
    assert response.context["population"] == stored.value
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 2
    assert len(response.context["comparison"]["headers"]) == 3  # zone, département, région
    assert all(row["facility"] for row in response.context["nearest"])
    assert response.context["facilities_around"] or response.context["facilities_inside"]


def test_population_by_band_counts_each_band_with_its_upper_bound():
    totals = charts.population_by_band([0, 15, 15.1, 45, 60, 61, None], [1, 2, 4, 8, 16, 32, 64])

    assert totals == [3, 4, 8, 16, 96]


@pytest.mark.parametrize(
    "indicator, value, shown",
    [
        ("nearest_minutes", 125.93, "126\xa0min"),  # number_format alone truncates to 125
        ("nearest_minutes", 29.5, "30\xa0min"),
        ("share_beyond", 0.0996, "10,0\xa0%"),
        ("population", 1234.6, "1\u202f235"),
        ("density_per_10k", 2.999, "3,00"),
        ("access_2sfca", 0.0012345, "0,00123"),
        ("nearest_minutes", float("inf"), "—"),
    ],
)
def test_figures_are_rounded_not_truncated(indicator, value, shown):
    from django.utils import translation

    from indicators.display import format_value

    with translation.override("fr"):
        assert format_value(indicator, value) == shown


# --- the parts of a page kept per run (dashboard.view_helpers.page_fragments) --------------


def member_client(django_user_model, region, username: str, role: str):
    from django.test import Client

    user = django_user_model.objects.create_user(username, password=f"pw-{username}-123")
    RegionMembership.objects.create(user=user, region=region, role=role)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def reads_values(client, url: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, any("indicators_indicatorvalue" in q["sql"] for q in queries)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.mark.parametrize("page", ["region", "commune", "department", "zone"])
def test_a_page_is_built_once_per_run_and_then_read_without_its_values(admin, demo, page):
    url = page_urls(demo)[page]

    first, read_first = reads_values(admin, url)
    again, read_again = reads_values(admin, url)

    assert read_first and not read_again, "the second request reads the kept fragments"
    strip = lambda html: CSRF_INPUT.sub("", html.decode())  # noqa: E731 — tokens differ
    assert strip(again.content) == strip(first.content)
    assert "placeholder" not in again.content.decode()


@pytest.mark.parametrize("page", ["region", "commune"])
def test_a_kept_page_shows_each_reader_their_own_role_and_token(django_user_model, demo, page):
    url = page_urls(demo)[page]
    planner = member_client(django_user_model, demo["region"], "planif", "planner")
    director = member_client(django_user_model, demo["region"], "direct", "director")

    built_for_planner = planner.get(url).content.decode()
    kept_for_director = director.get(url).content.decode()
    kept_for_planner = planner.get(url).content.decode()

    start = reverse("indicators:run_start", args=["99"])
    assert f'action="{start}"' in built_for_planner and f'action="{start}"' in kept_for_planner
    assert f'action="{start}"' not in kept_for_director
    assert "direct" in kept_for_director and "planif" not in kept_for_director
    for client, html in [(director, kept_for_director), (planner, kept_for_planner)]:
        tokens = CSRF_INPUT.findall(html)
        assert len(tokens) >= 3  # logout, language, and the export-job form of the kept map
        for token in tokens:  # each form of the page posts with the reader's own token
            answer = client.post("/i18n/setlang/", {"language": "fr", "csrfmiddlewaretoken": token})
            assert answer.status_code == 302, token


def test_a_kept_page_is_refused_to_a_reader_of_another_region(admin, demo, django_user_model):
    other = make_region("11", "Île-de-France")
    outsider = member_client(django_user_model, other, "dehors", "planner")
    urls = [page_urls(demo)[page] for page in ("region", "commune", "zone")]
    for url in urls:
        assert admin.get(url).status_code == 200  # kept

    assert [outsider.get(url).status_code for url in urls] == [403, 403, 403]


def test_the_language_the_selection_and_the_run_choose_the_kept_page(admin, demo):
    url = page_urls(demo)["region"]
    french = admin.get(url).content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = admin.get(url).content.decode()
    admin.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    units = admin.get(url, {"units": "departements"}).content.decode()

    assert "Établissements ouverts par type" in french
    assert "Open facilities by kind" in english and "Établissements ouverts" not in english
    assert '<option value="departements" selected>' in units
    assert '<option value="departements" selected>' not in french
    services.runs_mark_stale(demo["region"])
    assert "Résultats périmés" in admin.get(url).content.decode()


def test_an_import_or_an_admin_edit_makes_the_kept_pages_stale(admin, demo):
    from core.importing import data_changed

    url = page_urls(demo)["commune"]
    commune = Commune.objects.get(code=url.rstrip("/").rsplit("/", 1)[1])
    assert commune.name in admin.get(url).content.decode()
    Commune.objects.filter(pk=commune.pk).update(name="Renommée-par-import")
    data_changed.send(sender=Commune, kind="test")

    assert "Renommée-par-import" in admin.get(url).content.decode()


def test_an_unknown_territory_is_a_404_and_never_kept(admin, demo):
    url = reverse("dashboard:territory", args=["99", "commune", "00000"])

    assert admin.get(url).status_code == 404
    assert admin.get(url).status_code == 404
