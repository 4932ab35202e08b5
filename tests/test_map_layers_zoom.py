"""The commune layers by zoom and bounding box (issue 12 §4), on the real Auvergne-Rhône-Alpes
data: ``?zoom=`` up to 8 serves the coarse copy, above it the map copy; ``?bbox=`` only the
communes whose polygon's bounding box intersects it, with the classes of the whole region;
bad values are a 400 in French; the layer's ETag follows the zoom band and the bbox."""

import json

import pytest
import shapely
from django.urls import reverse

from territories.models import Commune

pytestmark = pytest.mark.open_data
pytest_plugins = ["tests.aura_fixtures"]

#: Lyon and its eastern suburbs (west, south, east, north).
LYON = (4.75, 45.70, 4.95, 45.82)
POPULATION = {"units": "communes", "indicator": "population"}


def choropleth(client, **params):
    return client.get(reverse("dashboard:choropleth", args=["84"]), POPULATION | params)


def codes_in(bbox) -> set[str]:
    """The communes whose full polygon's bounding box intersects ``bbox``, computed here."""
    west, south, east, north = bbox
    rows = Commune.objects.filter(department__region__code="84", geometry__isnull=False)
    found = set()
    for code, geometry in rows.values_list("code", "geometry"):
        xmin, ymin, xmax, ymax = geometry.extent
        if xmin <= east and xmax >= west and ymin <= north and ymax >= south:
            found.add(code)
    return found


def geometry_of(feature) -> shapely.Geometry:
    return shapely.geometry.shape(feature["geometry"])


def test_low_zooms_get_the_coarse_copy_of_every_commune_and_high_zooms_the_map_copy(
    aura_run, admin
):
    default, low, high = choropleth(admin), choropleth(admin, zoom="7"), choropleth(admin, zoom="9")
    assert {r.status_code for r in (default, low, high)} == {200}
    features = {name: r.json()["features"] for name, r in [("d", default), ("l", low), ("h", high)]}
    assert len(features["l"]) == len(features["h"]) == len(features["d"]) == 4021
    assert high.content == default.content  # above zoom 8: the map copy, as without zoom
    assert len(low.content) < 0.75 * len(high.content)
    stored = dict(Commune.objects.values_list("code", "low_zoom_map_geometry"))
    lyon = next(f for f in features["l"] if f["properties"]["c"] == "69123")
    assert geometry_of(lyon).equals_exact(shapely.from_wkb(bytes(stored["69123"].wkb)), 1e-9)
    # Same values, same legend: only the geometry is coarser.
    strip = [{k: v for k, v in f.items() if k != "geometry"} for f in features["l"]]
    assert strip == [{k: v for k, v in f.items() if k != "geometry"} for f in features["h"]]
    assert low.json()["legend"] == high.json()["legend"]


def test_a_bbox_returns_exactly_the_communes_whose_bbox_intersects_it_with_the_region_classes(
    aura_run, admin
):
    whole = choropleth(admin, zoom="11").json()
    response = choropleth(admin, zoom="11", bbox=",".join(map(str, LYON)))

    assert response.status_code == 200
    collection = response.json()
    shown = {f["properties"]["c"] for f in collection["features"]}
    expected = codes_in(LYON)
    assert shown == expected and "69123" in shown and 30 < len(shown) < 400
    # The colours and the legend are those of the whole region's classes.
    assert collection["legend"] == whole["legend"]
    colours = {f["properties"]["c"]: f["properties"]["f"] for f in whole["features"]}
    inside = collection["features"]
    assert all(f["properties"]["f"] == colours[f["properties"]["c"]] for f in inside)
    assert len(response.content) < 0.2 * len(json.dumps(whole))


def test_a_bbox_at_a_low_zoom_filters_the_coarse_copies(aura_run, admin):
    bbox = (5.5, 45.0, 6.5, 45.6)
    response = choropleth(admin, zoom="8", bbox=",".join(map(str, bbox)))
    features = response.json()["features"]
    assert {f["properties"]["c"] for f in features} == codes_in(bbox)
    stored = dict(Commune.objects.values_list("code", "low_zoom_map_geometry"))
    first = features[0]
    wanted = shapely.from_wkb(bytes(stored[first["properties"]["c"]].wkb))
    assert geometry_of(first).equals_exact(wanted, 1e-9)


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"zoom": "douze"}, "zoom"),
        ({"zoom": "-1"}, "zoom"),
        ({"zoom": "30"}, "zoom"),
        ({"zoom": "7.5"}, "zoom"),
        ({"bbox": "4.7,45.6,4.9"}, "bbox"),
        ({"bbox": "4.9,45.6,4.7,45.8"}, "bbox"),  # west > east
        ({"bbox": "4.7,45.8,4.9,45.6"}, "bbox"),  # south > north
        ({"bbox": "4.7,45.6,nan,45.8"}, "bbox"),
        ({"bbox": "4.7,45.6,200,45.8"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
    ],
)
def test_a_bad_zoom_or_bbox_is_a_400_in_french_on_both_commune_layers(
    aura_run, admin, params, word
):
    for url in (
        reverse("dashboard:choropleth", args=["84"]),
        reverse("home_communes", args=["84"]),
    ):
        response = admin.get(url, POPULATION | params)
        assert response.status_code == 400, (url, params)
        assert f"Le paramètre {word} doit" in response.json()["error"]


def test_the_layer_etag_follows_the_zoom_band_and_the_bbox(aura_run, admin):
    def etag(**params):
        return choropleth(admin, **params)["ETag"]

    lyon = ",".join(map(str, LYON))
    tags = {
        "none": etag(),
        "low": etag(zoom="6"),
        "fine": etag(zoom="10"),
        "fine+bbox": etag(zoom="10", bbox=lyon),
        "low+bbox": etag(zoom="6", bbox=lyon),
        "fine+other bbox": etag(zoom="10", bbox="4.7,45.6,4.9,45.8"),
    }
    assert len(set(tags.values())) == len(tags)
    # Every zoom of a band is one layer: the browser's copy serves it.
    assert etag(zoom="5") == tags["low"] and etag(zoom="14") == tags["fine"]
    again = admin.get(
        reverse("dashboard:choropleth", args=["84"]),
        POPULATION | {"zoom": "12", "bbox": lyon},
        HTTP_IF_NONE_MATCH=tags["fine+bbox"],
    )
    assert again.status_code == 304


def test_the_home_commune_layer_takes_the_zoom_and_bbox_and_keeps_the_region_classes(
    aura_run, admin
):
    url = reverse("home_communes", args=["84"])
    whole = admin.get(url).json()["features"]
    low = admin.get(url, {"zoom": "7"})
    inside = admin.get(url, {"zoom": "12", "bbox": ",".join(map(str, LYON))}).json()["features"]

    assert len(low.json()["features"]) == len(whole) == 4021
    assert len(low.content) < 0.75 * len(json.dumps(whole))
    assert {f["properties"]["c"] for f in inside} == codes_in(LYON)
    colours = {f["properties"]["c"]: f["properties"]["f"] for f in whole}
    assert all(f["properties"]["f"] == colours[f["properties"]["c"]] for f in inside)


def test_the_bbox_filter_is_served_by_the_polygons_spatial_index(aura_run, db):
    from django.db import connection

    from territories.shapes import in_bbox

    communes = in_bbox(Commune.objects.all(), LYON).values("code")
    sql, params = communes.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: (geometry && " in plan, plan
