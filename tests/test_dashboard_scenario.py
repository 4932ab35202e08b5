"""The dashboard's scenario comparison on the demo region: who may see it, the figures of the
level beside the maps, and a layer whose minutes are exactly the evaluation's, in strict JSON
even where no facility is reachable."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from access.services import membership_grant
from core.maps import NO_DATA_COLOUR
from dashboard import comparison
from facilities.models import Facility
from indicators import inputs
from pathways.models import Level
from sros import scenarios
from sros.models import Scenario
from territories.models import Commune, Region
from territories.shapes import Shape
from tests.factories import make_region
from tests.module_data import data_of_the_module

pytestmark = pytest.mark.django_db

#: Queries of the page and of the layer, as measured on the demo: most are the scenario's
#: evaluation (one query per pathway level for its facilities, about ten for the objectives'
#: compliance; two for the sources it names); the layer evaluates one level and no objectives
#: (33 when it did). One of them asks for the region's latest run, the key of a kept base
#: (``sros.scenario_base``; none here).
MAX_PAGE_QUERIES = 43
MAX_LAYER_QUERIES = 22


def strict_json(content: bytes):
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(content, parse_constant=refuse)


@pytest.fixture(scope="module")
def demo_of_the_module(django_db_setup, django_db_blocker):
    """The demo region 99 with its draft's scenario (a maternity loses its authorisation),
    an administrator and a planner of another region, loaded once for the module."""
    with data_of_the_module(django_db_blocker):
        call_command("load_demo", verbosity=0)
        other = make_region("84", "Auvergne-Rhône-Alpes")
        outsider = get_user_model().objects.create_user("outsider")
        membership_grant(user=outsider, region=other, role="planner")
        get_user_model().objects.create_superuser("chef", "chef@example.org", "pw-1")
        yield


@pytest.fixture
def demo(db, demo_of_the_module, django_user_model):
    """The module's demo region, its scenario and its users, read afresh for the test."""
    region = Region.objects.get(code="99")
    users = django_user_model.objects.in_bulk(
        ["planificateur", "directeur", "chef", "outsider"], field_name="username"
    )
    return {
        "region": region,
        "scenario": Scenario.objects.get(version__schema__region=region),
        "planner": users["planificateur"],
        "director": users["directeur"],
        "admin": users["chef"],
        "outsider": users["outsider"],
    }


def page_url(scenario, region_code="99", **query) -> str:
    url = reverse("dashboard:scenario", args=[region_code, scenario.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def layer_url(scenario, level_id, region_code="99") -> str:
    url = reverse("dashboard:scenario_layer", args=[region_code, scenario.pk])
    return f"{url}?level={level_id}"


def maternity() -> Level:
    return Level.objects.get(pathway__code="perinatalite", rank=1)


def emergency() -> Level:
    return Level.objects.get(pathway__code="urgences", rank=1)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("planner", 200), ("director", 200), ("admin", 200), ("outsider", 403)],
)
def test_the_page_and_layer_answer_region_members_and_admins_only(demo, client, persona, status):
    client.force_login(demo[persona])
    scenario = demo["scenario"]
    assert client.get(page_url(scenario)).status_code == status
    assert client.get(layer_url(scenario, maternity().pk)).status_code == status


def test_an_anonymous_visitor_is_sent_to_the_login(demo, client):
    for url in (page_url(demo["scenario"]), layer_url(demo["scenario"], maternity().pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/")


def test_a_region_the_scenario_is_not_of_is_a_404(demo, client):
    client.force_login(demo["admin"])
    scenario = demo["scenario"]
    for code in ("84", "00"):  # another region, no region
        assert client.get(page_url(scenario, code)).status_code == 404
        assert client.get(layer_url(scenario, maternity().pk, code)).status_code == 404
    assert client.get(page_url(scenario).replace(f"/{scenario.pk}/", "/999999/")).status_code == 404


def test_the_layer_wants_a_known_level(demo, client):
    client.force_login(demo["planner"])
    url = reverse("dashboard:scenario_layer", args=["99", demo["scenario"].pk])
    assert client.get(url).status_code == 400
    assert client.get(url + "?level=999999").status_code == 404
    assert client.get(url + "?level=abc").status_code == 400


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_the_first_touched_level_and_its_changed_figures(
    demo, client, django_assert_max_num_queries
):
    client.force_login(demo["planner"])
    scenario = demo["scenario"]
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(page_url(scenario))
    assert response.status_code == 200
    page = response.content.decode()
    result = scenarios.evaluate_scenario(scenario)
    [touched] = [level for level in result.levels if level.touched]
    assert touched.level == maternity()
    assert f'data-level="{touched.level.pk}"' in page  # chosen by default
    assert f'<option value="{touched.level.pk}" selected>' in page
    assert touched.closed[0] in page
    region = next(f for f in touched.region_figures if f.indicator == "mean_minutes")
    row = comparison.figure_row(region)
    assert row.base in page and row.scenario in page and row.delta in page
    assert row.trend == "loss" and row.delta.startswith("+")
    for change in touched.communes[:5]:
        assert f'<tr data-code="{change.code}">' in page
    for unit in comparison.unit_figures(touched.changed_figures):
        assert f'data-unit="{unit.kind}-{unit.code}"' in page
    [objective] = result.changed_objectives
    assert str(objective.objective).replace("'", "&#x27;") in page
    assert 'id="comparison-map-base"' in page and 'id="comparison-map-scenario"' in page
    assert layer_url(scenario, touched.level.pk) in page
    # computed now, it names the sources of the data loaded now (the demo's files)
    sources = page.split('<span class="run-sources">')[1].split("</span>")[0]
    assert sources.startswith("Sources : ") and "communes-demo.geojson" in sources


def test_another_level_and_the_difference_mode_come_from_the_query(demo, client):
    client.force_login(demo["planner"])
    page = client.get(page_url(demo["scenario"], level=emergency().pk, mode="difference"))
    html = page.content.decode()
    assert f'data-level="{emergency().pk}"' in html
    assert "Inchangé : aucun changement du scénario ne concerne ce niveau." in html
    assert '<option value="difference" selected>' in html
    assert 'id="comparison-pair" hidden' in html


def test_the_scenario_page_links_each_touched_level_to_the_map(demo, client):
    client.force_login(demo["planner"])
    scenario = demo["scenario"]
    page = client.get(reverse("schema:scenario", args=[scenario.pk])).content.decode()
    link = page_url(scenario, level=maternity().pk)
    assert page.count("Voir sur la carte") == 1  # the only touched level
    assert f'href="{link}"' in page


# --- the layer ------------------------------------------------------------------------------


def features_by_code(layer) -> dict[str, dict]:
    return {f["properties"]["c"]: f["properties"] for f in layer["features"]}


def test_the_layer_carries_the_evaluations_minutes_for_the_level(
    demo, client, django_assert_max_num_queries
):
    client.force_login(demo["planner"])
    scenario, level = demo["scenario"], maternity()
    with django_assert_max_num_queries(MAX_LAYER_QUERIES):
        response = client.get(layer_url(scenario, level.pk))
    assert response["Content-Type"].startswith("application/geo+json")
    layer = strict_json(response.content)
    [evaluated] = scenarios.evaluate_scenario(scenario, levels=[level.pk]).levels
    units = inputs.load_units(demo["region"])
    by_code = features_by_code(layer)
    assert len(by_code) == Commune.objects.filter(department__region__code="99").count()
    changed = np.flatnonzero(np.abs(evaluated.scenario_minutes - evaluated.base_minutes) > 1e-9)
    assert len(changed) >= 2
    for i in changed:
        p = by_code[units.places.ids[i]]
        assert p["b"] == pytest.approx(evaluated.base_minutes[i], abs=1e-9)
        assert p["s"] == pytest.approx(evaluated.scenario_minutes[i], abs=1e-9)
        expected = evaluated.scenario_minutes[i] - evaluated.base_minutes[i]
        assert p["d"] == pytest.approx(expected, abs=1e-9)
        assert p["d"] > 0  # the scenario closes a maternity: nobody gains
        assert p["fd"] in comparison.LOSS_COLOURS
        assert p["pv"] == units.population[i]
    for i in range(len(units)):  # every commune, changed or not
        assert by_code[units.places.ids[i]]["b"] == pytest.approx(evaluated.base_minutes[i])
    unchanged = by_code[units.places.ids[np.flatnonzero(evaluated.scenario_minutes
                                                        == evaluated.base_minutes)[0]]]  # fmt: skip
    assert unchanged["fd"] == comparison.UNCHANGED_COLOUR and unchanged["td"] == "inchangé"
    assert [s["finess"] for s in layer["sites"]] == evaluated.closed
    assert {s["status"] for s in layer["sites"]} == {"closed"}
    assert set(layer["legends"]) == {comparison.SIDE_BY_SIDE, comparison.DIFFERENCE}
    assert "cible 45 min" in layer["legends"][comparison.SIDE_BY_SIDE]["title"]


def test_closing_the_only_emergency_unit_near_a_commune_lengthens_its_trip(demo, client):
    """The site serving a commune of its own (nearly zero minutes) closes: that commune's
    difference is positive, painted as a loss, and the site is drawn as closed."""
    level = emergency()
    base = inputs.load_level_facilities(level)
    units = inputs.load_units(demo["region"])
    communes, counts = np.unique(base.commune_ids, return_counts=True)
    alone = [
        int(fid) for fid, commune in zip(base.facility_ids, base.commune_ids, strict=True)
        if counts[np.searchsorted(communes, commune)] == 1
    ]  # fmt: skip
    site = (
        Facility.objects.filter(pk__in=alone, commune__department__region__code="99")
        .select_related("commune")
        .order_by("finess_et")
        .first()
    )
    scenario = scenarios.scenario_create(
        version=demo["scenario"].version, name="Fermer des urgences", user=demo["planner"],
        changes=[{"kind": "close", "finess": site.finess_et}],
    )  # fmt: skip
    client.force_login(demo["planner"])
    layer = strict_json(client.get(layer_url(scenario, level.pk)).content)
    home = features_by_code(layer)[site.commune.code]
    i = int(np.flatnonzero(units.places.ids == site.commune.code)[0])
    [evaluated] = scenarios.evaluate_scenario(scenario, levels=[level.pk]).levels
    assert home["d"] > 0
    assert home["d"] == pytest.approx(
        evaluated.scenario_minutes[i] - evaluated.base_minutes[i], abs=1e-9
    )
    assert home["fd"] in (*comparison.LOSS_COLOURS, comparison.NO_LONGER_REACHED_COLOUR)
    assert home["td"].startswith("+")
    [drawn] = layer["sites"]
    assert (drawn["finess"], drawn["status"], drawn["label"]) == (
        site.finess_et, "closed", site.name,
    )  # fmt: skip
    assert (drawn["lon"], drawn["lat"]) == pytest.approx((site.point.x, site.point.y))
    page = client.get(page_url(scenario, level=level.pk)).content.decode()
    assert f'<tr data-code="{site.commune.code}">' in page


def test_a_level_nobody_reaches_any_more_stays_strict_json(demo, client):
    """Every site of a level closes: the scenario's minutes are infinite everywhere, which the
    layer writes as null with "n'est plus atteint", never as Infinity."""
    # The level with the fewest sites (the retired "régulation SAMU" was used before pathways
    # 0005: a scenario evaluates current levels only).
    level = Level.objects.get(pathway__code="perinatalite", rank=3)
    base = inputs.load_level_facilities(level)
    finess = sorted(base.places.ids.tolist())
    scenario = scenarios.scenario_create(
        version=demo["scenario"].version, name="Plus de type 3", user=demo["planner"],
        changes=[{"kind": "close", "finess": number} for number in finess],
    )  # fmt: skip
    client.force_login(demo["planner"])
    response = client.get(layer_url(scenario, level.pk))
    assert b"Infinity" not in response.content and b"NaN" not in response.content
    layer = strict_json(response.content)
    for p in layer["features"]:
        p = p["properties"]
        assert (p["s"], p["d"], p["ts"]) == (None, None, "non atteint")
        assert p["b"] is not None and p["td"] == "n'est plus atteint"
        assert p["fs"] == NO_DATA_COLOUR and p["fd"] == comparison.NO_LONGER_REACHED_COLOUR
    assert sorted(s["finess"] for s in layer["sites"]) == finess
    page = client.get(page_url(scenario, level=level.pk))
    assert page.status_code == 200
    assert "non atteint" in page.content.decode()


def test_a_site_the_scenario_opens_is_drawn_with_its_label(demo, client):
    units = inputs.load_units(demo["region"])
    far = int(np.argmax(units.places.lon + units.places.lat))
    lon, lat = float(units.places.lon[far]), float(units.places.lat[far])
    scenario = scenarios.scenario_create(
        version=demo["scenario"].version, name="Nouvelle maternité", user=demo["planner"],
        changes=[{"kind": "open", "label": "Maternité du Nord-Est (fictive)", "facility_kind": "ch",
                  "lon": lon, "lat": lat, "activity": "obstetrique", "modality": "obstetrique"}],
    )  # fmt: skip
    client.force_login(demo["planner"])
    layer = strict_json(client.get(layer_url(scenario, maternity().pk)).content)
    [site] = layer["sites"]
    assert site == {
        "finess": "", "label": "Maternité du Nord-Est (fictive)", "kind": "Centre hospitalier",
        "commune": "", "status": "opened", "lon": lon, "lat": lat,
    }  # fmt: skip
    there = features_by_code(layer)[units.places.ids[far]]
    assert there["d"] < 0 and there["fd"] in comparison.GAIN_COLOURS
    assert there["td"].startswith("\u2212")


# --- the evaluation of chosen levels --------------------------------------------------------


def test_evaluate_scenario_computes_only_the_levels_asked_for(demo):
    scenario = demo["scenario"]
    full = scenarios.evaluate_scenario(scenario)
    [one] = scenarios.evaluate_scenario(scenario, levels=[maternity().pk]).levels
    [same] = [level for level in full.levels if level.level == maternity()]
    np.testing.assert_array_equal(one.base_minutes, same.base_minutes)
    np.testing.assert_array_equal(one.scenario_minutes, same.scenario_minutes)
    assert one.figures == same.figures and one.closed == same.closed
    assert scenarios.evaluate_scenario(scenario, levels=[]).levels == []
    assert len(full.levels) == len(scenarios.evaluate_scenario(scenario, levels=None).levels) > 1


# --- the pure part --------------------------------------------------------------------------


def test_the_difference_palette_separates_gains_losses_and_reach():
    assert comparison.difference_colour(30.0, 30.0) == comparison.UNCHANGED_COLOUR
    assert comparison.difference_colour(30.0, 32.0) == comparison.LOSS_COLOURS[0]
    assert comparison.difference_colour(30.0, 40.0) == comparison.LOSS_COLOURS[1]
    assert comparison.difference_colour(30.0, 50.0) == comparison.LOSS_COLOURS[2]
    assert comparison.difference_colour(30.0, 28.0) == comparison.GAIN_COLOURS[0]
    assert comparison.difference_colour(30.0, 10.0) == comparison.GAIN_COLOURS[2]
    assert comparison.difference_colour(30.0, math.inf) == comparison.NO_LONGER_REACHED_COLOUR
    assert comparison.difference_colour(math.inf, 12.0) == comparison.NOW_REACHED_COLOUR
    assert comparison.difference_colour(math.inf, math.inf) == NO_DATA_COLOUR
    assert comparison.format_minute_delta(30.0, 32.46) == "+2,5\xa0min"
    assert comparison.format_minute_delta(30.0, 27.0) == "\u22123,0\xa0min"
    assert comparison.format_minutes(125.93) == "126\xa0min"  # rounded, not truncated
    assert comparison.format_minutes(math.inf) == "non atteint"


def test_the_layer_builder_handles_shapes_without_a_unit_and_unreachable_units():
    square = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}'
    shapes = [Shape("01001", "Une", square), Shape("01002", "Deux", square),
              Shape("01003", "Sans point", square)]  # fmt: skip
    text = comparison.comparison_layer(
        shapes, ["01001", "01002"], np.array([100.0, 2500.0]),
        np.array([10.0, math.inf]), np.array([math.nan, 20.0]), title="Test",
    )  # fmt: skip
    layer = strict_json(text.encode())
    one, two, none = (f["properties"] for f in layer["features"])
    assert (one["b"], one["s"], one["d"], one["td"]) == (10.0, None, None, "n'est plus atteint")
    assert (two["b"], two["s"], two["td"], two["fd"]) == (
        None, 20.0, "devient atteint", comparison.NOW_REACHED_COLOUR,
    )  # fmt: skip
    assert (none["b"], none["fb"], none["fd"], none["tb"]) == (
        None, NO_DATA_COLOUR, NO_DATA_COLOUR, "sans donnée",
    )  # fmt: skip
    assert layer["features"][0]["geometry"]["type"] == "Polygon"
    assert layer["sites"] == []
