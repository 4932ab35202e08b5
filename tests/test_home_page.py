"""The home page: the loaded region on a map, its totals and its facilities per kind."""

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from facilities.models import Authorisation, Facility
from tests.factories import make_commune_grid, make_department, make_region, square

FOREIGN_HOST_MARKERS = ["cdn", "unpkg", "jsdelivr", "cloudflare", "openstreetmap", "tile"]


def make_facility(finess_et: str, kind: str, commune, **fields) -> Facility:
    x, y = commune.point.coords
    return Facility.objects.create(
        finess_et=finess_et,
        name=fields.pop("name", f"Établissement {finess_et}"),
        kind=kind,
        point=Point(x, y, srid=4326),
        commune=commune,
        source=Facility.Source.MANUAL,
        **fields,
    )


@pytest.fixture
def client(client, django_user_model):
    """The home page needs a login, like every page: any signed-in user reads it."""
    client.force_login(django_user_model.objects.create_user("lecteur"))
    return client


@pytest.fixture
def small_region(db):
    """Twelve communes (populations 100 … 1,200) and four open facilities, one closed."""
    region = make_region(code="84", name="Région de test")
    communes = make_commune_grid(4, 3, department=make_department("69", "Rhône", region))
    chu = make_facility("690000011", Facility.Kind.CHU, communes[0], name="CHU <de> Test")
    make_facility("690000029", Facility.Kind.CH, communes[5])
    make_facility("690000037", Facility.Kind.CH, communes[10])
    make_facility("690000045", Facility.Kind.MSP, communes[11])
    make_facility("690000052", Facility.Kind.EHPAD, communes[3], status=Facility.Status.CLOSED)
    Authorisation.objects.create(
        facility=chu, activity="urgences", modality="smur", start_date=dt.date(2020, 1, 1)
    )
    return communes


def foreign_urls(html: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>)]+", html)


def test_it_shows_how_to_load_data_on_an_empty_database(client, db):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "aucune donnée chargée" in html.lower()
    assert "load_demo" in html
    assert "folium-map" not in html


def test_it_shows_the_region_totals_and_counts_per_kind(client, small_region):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Région de test" in html
    overview = response.context["overview"]
    assert overview.commune_count == 12
    assert overview.population == sum(100 * i for i in range(1, 13))
    assert overview.facility_count == 4  # the closed EHPAD is not counted
    counts = {entry.label: entry.count for entry in response.context["kinds"]}
    assert counts["Centre hospitalier"] == 2
    assert counts["CHU / CHR"] == 1
    assert counts["EHPAD"] == 0
    assert re.search(r"Centre hospitalier</td>\s*<td class=\"num\">2</td>", html)


def test_it_draws_facilities_inline_and_loads_communes_by_request(client, small_region):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert 'class="folium-map"' in html
    layer_url = reverse("home_communes", args=["84"])
    assert f'data-communes-url="{layer_url}"' in html  # the only region: chosen
    assert '"c":"69001"' not in html  # communes are no longer inline
    assert "690000011" in html and "690000045" in html
    assert "690000052" not in html  # closed
    assert "SMUR" in html  # the CHU's authorisation, in its popup
    # the name is HTML-escaped for the popup, then JSON-escaped by folium
    assert "CHU \\u0026lt;de\\u0026gt; Test" in html
    assert "<de>" not in html
    legend = response.context["population_legend"]
    assert len(legend) >= 3
    assert 'id="population-legend"' in html

    layer = client.get(layer_url)
    assert layer.status_code == 200
    assert layer["Content-Type"] == "application/geo+json"
    features = layer.json()["features"]
    assert sorted(f["properties"]["c"] for f in features) == [f"69{i:03d}" for i in range(1, 13)]
    assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    # the fill colours are the page legend's classes, and the smallest commune is in the first
    colours = {f["properties"]["c"]: f["properties"]["f"] for f in features}
    assert set(colours.values()) <= {entry.colour for entry in legend}
    assert colours["69001"] == legend[0].colour and colours["69012"] == legend[-1].colour
    biggest = next(f for f in features if f["properties"]["c"] == "69012")
    assert re.sub(r"\s", "", biggest["properties"]["p"]) == "1200"  # grouped by thousands


@pytest.fixture
def two_regions(small_region):
    """``small_region`` (84, département 69) and a second region (93, département 06) with
    four communes and one hospital."""
    other = make_region(code="93", name="Autre région")
    communes = make_commune_grid(2, 2, department=make_department("06", "Alpes", other))
    make_facility("060000017", Facility.Kind.CH, communes[0])
    return small_region, communes


def test_with_several_regions_the_home_page_inlines_no_commune_nor_facility(client, two_regions):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["region"] is None
    assert "data-communes-url" not in html
    assert '"c":"69001"' not in html and '"c":"06001"' not in html
    assert "690000011" not in html and "060000017" not in html
    # the regions to choose from, as links
    assert 'href="?region=84"' in html and 'href="?region=93"' in html
    assert response.context["overview"].commune_count == 16  # totals stay national
    assert "2 régions chargées" in html


def test_the_chosen_region_inlines_only_its_facilities_and_requests_only_its_communes(
    client, two_regions
):
    response = client.get(reverse("home"), {"region": "93"})

    html = response.content.decode()
    assert response.context["region"] == ("93", "Autre région")
    assert f'data-communes-url="{reverse("home_communes", args=["93"])}"' in html
    assert "060000017" in html
    assert "690000011" not in html and "690000045" not in html  # region 84's
    assert '"c":"06001"' not in html
    assert 'aria-current="page"' in html
    assert "<title>Autre région — " in html
    layer = client.get(reverse("home_communes", args=["93"])).json()
    assert sorted(f["properties"]["c"] for f in layer["features"]) == [
        "06001", "06002", "06003", "06004"
    ]  # fmt: skip


def test_the_national_map_fits_the_departements_it_draws(client, two_regions):
    """Not the communes' extent, which spans the oceans when overseas communes are loaded
    without a département polygon."""
    from territories.models import Department

    Department.objects.filter(code="69").update(geometry=square(1, 1))  # one cell of the grid

    script = client.get(reverse("home")).context["map"].script

    bounds = re.search(r"fitBounds\(\s*\[\[([\d.]+), ([\d.]+)\], \[([\d.]+), ([\d.]+)\]\]", script)
    south, west, north, east = (float(v) for v in bounds.groups())
    assert [west, south, east, north] == pytest.approx([4.55, 45.55, 4.6, 45.6])
    assert '"id":"69"' in script  # its outline


def test_an_unknown_region_is_a_404_on_the_page_and_the_layer(client, two_regions):
    assert client.get(reverse("home"), {"region": "99"}).status_code == 404
    assert client.get(reverse("home_communes", args=["99"])).status_code == 404


def test_the_communes_layer_needs_a_login(db, small_region):
    from django.test import Client

    response = Client().get(reverse("home_communes", args=["84"]))
    assert response.status_code == 302


def test_it_loads_every_asset_from_our_static_files(client, small_region):
    response = client.get(reverse("home"))

    html = response.content.decode()
    for asset in [
        "/static/vendor/leaflet-1.9.4/leaflet.js",
        "/static/vendor/leaflet-1.9.4/leaflet.css",
        "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
        "/static/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
        "/static/vendor/jquery-3.7.1/jquery.min.js",
    ]:
        assert f'"{asset}"' in html, asset
    assert foreign_urls(html) == []
    lowered = html.lower()
    for marker in FOREIGN_HOST_MARKERS:
        assert marker not in lowered.replace("foliumtooltip", "").replace("tooltip", ""), marker


def test_vendored_assets_exist_with_their_licences(settings):
    vendor = settings.BASE_DIR / "static" / "vendor"
    for path in [
        "leaflet-1.9.4/leaflet.js",
        "leaflet-1.9.4/leaflet.css",
        "leaflet-1.9.4/images/layers.png",
        "leaflet-1.9.4/images/marker-icon.png",
        "leaflet-1.9.4/LICENSE",
        "leaflet.markercluster-1.5.3/leaflet.markercluster.js",
        "leaflet.markercluster-1.5.3/MIT-LICENCE.txt",
        "jquery-3.7.1/jquery.min.js",
        "jquery-3.7.1/LICENSE.txt",
    ]:
        assert (vendor / path).is_file(), path


def test_it_renders_in_a_fixed_number_of_queries(
    client, small_region, django_assert_max_num_queries
):
    # 8 for the page (one: which facility sources are loaded), 2 for the login (the session
    # and its user), 2 for the nav's Imports link (access.roles.can_view_imports: the user's
    # roles, then the admin group), + 1: the catalogue's labels of the facilities'
    # authorisations (facilities.activities).
    with django_assert_max_num_queries(13):
        client.get(reverse("home"))
    Facility.objects.filter(kind=Facility.Kind.CH).update(kind=Facility.Kind.CLINIC)
    make_commune_grid(2, 2, department=make_department("42", "Loire"), first=1)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("home"))
    assert response.context["overview"].commune_count == 16


def test_it_speaks_english_when_asked(client, small_region):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("home")).content.decode()

    assert "Facilities" in html
    assert "Population" in html
    assert 'lang="en"' in html


@pytest.mark.open_data
def test_the_whole_aura_page_and_its_communes_stay_under_3_mb(client, db, open_data):
    from facilities.importers import import_gisco_hospitals
    from territories.importers import import_communes, import_departments, import_regions

    import_regions(open_data / "population" / "regions-cog2026.json")
    import_departments(open_data / "population" / "departements-cog2026.json")
    import_departments(open_data / "geo" / "departements-france-2018.geojson")
    import_communes(open_data / "geo" / "communes-aura-cog2026.geojson")
    import_gisco_hospitals(open_data / "facilities" / "eurostat-gisco-hospitals-aura-2020.csv")

    response = client.get(reverse("home"))

    assert response.context["overview"].commune_count == 4021
    assert response.context["overview"].facility_count == 566
    assert len(response.content) < 3_000_000, len(response.content)
    layer = client.get(reverse("home_communes", args=["84"]))
    assert len(layer.json()["features"]) == 4021
    assert len(layer.content) < 3_000_000, len(layer.content)


def test_it_speaks_french_whatever_the_browser_prefers(client, small_region):
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
