"""The dashboard on the real Auvergne-Rhône-Alpes data: real files through the importers, one
crow-fly run of every level computed with the service; every page renders in the same pinned
number of queries as on the demo region, and the commune choropleth stays under budget with
the stored values."""

import json

import pytest
from django.urls import reverse

from indicators.models import IndicatorValue
from tests.test_dashboard_pages import MAX_LAYER_QUERIES, MAX_QUERIES

pytestmark = pytest.mark.open_data
pytest_plugins = ["tests.aura_fixtures"]


def test_every_page_renders_on_aura_in_the_queries_pinned_on_the_demo(
    aura_run, admin, django_assert_max_num_queries
):
    lyon = "69123"
    urls = {
        "region": reverse("dashboard:region", args=["84"]),
        "map": reverse("dashboard:map", args=["84"]),
        "pathway": reverse("dashboard:pathway", args=["84", "sante-mentale"]),
        "commune": reverse("dashboard:territory", args=["84", "commune", lyon]),
        "department": reverse("dashboard:territory", args=["84", "departement", "69"]),
    }
    for page, url in urls.items():
        with django_assert_max_num_queries(MAX_QUERIES[page]):
            response = admin.get(url)
        assert response.status_code == 200, page
        assert "Auvergne-Rhône-Alpes" in response.content.decode(), page
    for layer in MAX_LAYER_QUERIES:
        with django_assert_max_num_queries(MAX_LAYER_QUERIES[layer]):
            assert admin.get(reverse(f"dashboard:{layer}", args=["84"])).status_code == 200


def test_the_aura_commune_choropleth_is_light_and_carries_the_stored_values(aura_run, admin):
    response = admin.get(
        reverse("dashboard:choropleth", args=["84"]),
        {"units": "communes", "indicator": "population"},
    )

    collection = json.loads(response.content)
    stored = dict(
        IndicatorValue.objects.filter(
            run=aura_run, unit_kind="commune", indicator="population"
        ).values_list("unit_code", "value")
    )
    shown = {f["properties"]["c"]: f["properties"]["v"] for f in collection["features"]}
    assert len(collection["features"]) == 4021
    assert {c: v for c, v in shown.items() if c in stored} == stored
    assert len(response.content) < 2_600_000
    lyon = next(f for f in collection["features"] if f["properties"]["c"] == "69123")
    assert lyon["properties"]["n"] == "Lyon"
