"""The scenario comparison on the real Auvergne-Rhône-Alpes data (4,000 communes, the GISCO
hospitals): the page and its layer answer the region's planner within pinned queries, and the
layer stays light and carries the evaluation's minutes."""

import json
import time

import numpy as np
import pytest
from django.urls import reverse

from indicators import inputs
from sros import scenarios
from tests.test_schema_aura_pages import aura, aura_schema  # noqa: F401 (fixtures)

pytestmark = pytest.mark.open_data

#: As measured on AURA: the same as on the demo, nothing grows with the communes.
MAX_PAGE_QUERIES = 40
MAX_LAYER_QUERIES = 33


def test_the_comparison_renders_on_aura_with_the_evaluations_minutes(
    aura_schema,  # noqa: F811
    client,
    django_assert_max_num_queries,
):
    s = aura_schema
    scenario, region = s["scenario"], s["draft"].schema.region
    client.force_login(s["planner"])
    url = reverse("dashboard:scenario", args=["84", scenario.pk])
    started = time.perf_counter()
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        page = client.get(url)
    page_seconds = time.perf_counter() - started
    assert page.status_code == 200
    html = page.content.decode()
    assert s["hospital"].finess_et in html and "Auvergne-Rhône-Alpes" in html

    result = scenarios.evaluate_scenario(scenario)
    touched = next(level for level in result.levels if level.touched)
    started = time.perf_counter()
    with django_assert_max_num_queries(MAX_LAYER_QUERIES):
        response = client.get(
            reverse("dashboard:scenario_layer", args=["84", scenario.pk]),
            {"level": touched.level.pk},
        )
    layer_seconds = time.perf_counter() - started
    layer = json.loads(response.content, parse_constant=lambda name: 1 / 0)
    units = inputs.load_units(region)
    by_code = {f["properties"]["c"]: f["properties"] for f in layer["features"]}
    assert len(by_code) > 4000
    changed = np.flatnonzero(touched.scenario_minutes != touched.base_minutes)
    assert len(changed) >= 3
    for i in changed:
        p = by_code[units.places.ids[i]]
        assert p["b"] == pytest.approx(touched.base_minutes[i], abs=1e-9)
        assert p["s"] == pytest.approx(touched.scenario_minutes[i], abs=1e-9)
        assert p["d"] > 0
    assert [site["finess"] for site in layer["sites"]] == [s["hospital"].finess_et]
    assert len(response.content) < 3_500_000, len(response.content)
    print(f"AURA comparison: page {page_seconds:.2f} s, layer {layer_seconds:.2f} s, "
          f"{len(response.content) / 1e6:.2f} MB")  # fmt: skip
