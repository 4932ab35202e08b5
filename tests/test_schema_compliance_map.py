"""The compliance map of a version: the layer's zone statuses are ``compliance_for``'s on the
demo draft, the counted facilities are the ones the counts count, the page offers the
version's activities, and only readers of the region see it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from facilities.selectors import facilities_matching
from sros import compliance, services
from sros.models import SchemaVersion
from territories.models import ZoneMembership
from tests.api_helpers import decimals
from tests.personas import PERSONAS

pytest_plugins = ["tests.personas"]


@pytest.fixture
def demo_draft(db):
    call_command("load_demo", stdout=StringIO())
    return SchemaVersion.objects.get(schema__region__code="99", state="draft")


def demo_planner(version):
    return version.schema.region.memberships.get(user__username="planificateur").user


def layer_of(client, version, choice: str) -> dict:
    url = reverse("schema:compliance_layer", args=[version.pk])
    response = client.get(url, {"activite": choice})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


@pytest.mark.parametrize(
    ("activity", "modality"),
    [("urgences", "su"), ("obstetrique", "obstetrique"), ("psychiatrie", "adultes")],
)
def test_the_layer_statuses_are_those_of_compliance_for(demo_draft, client, activity, modality):
    client.force_login(demo_planner(demo_draft))
    data = layer_of(client, demo_draft, f"{activity}:{modality}")
    objectives = list(
        demo_draft.objectives.filter(activity__code=activity, modality=modality).select_related(
            "zone", "activity"
        )
    )
    expected = compliance.compliance_for(objectives)
    by_zone = {f["properties"]["c"]: f["properties"] for f in data["features"]}
    assert len(by_zone) == 6 and len(objectives) == 6
    for objective in objectives:
        shown = by_zone[objective.zone.code]
        result = expected[objective.pk]
        assert (shown["s"], shown["k"]) == (result.status, result.count)
        assert (shown["min"], shown["max"]) == (objective.minimum, objective.maximum)
        assert shown["f"] == _colour(result.status)
    assert {p["s"] for p in by_zone.values()} >= {"below", "within"}
    assert data["method"] == "authorisation"
    # zones at map precision, as the dashboard draws them
    assert decimals([f["geometry"]["coordinates"] for f in data["features"]]) == 4
    # the points are the facilities counted, and there are as many as the counts add up to
    counted = facilities_matching(activity=activity, modality=modality)
    zoning_communes = ZoneMembership.objects.filter(zone__zoning=objectives[0].zone.zoning)
    expected_sites = set(
        counted.filter(commune_id__in=zoning_communes.values("commune_id")).values_list(
            "finess_et", flat=True
        )
    )
    sites = {f["properties"]["f"] for f in data["facilities"]["features"]}
    assert sites == expected_sites
    assert len(sites) == sum(r.count for r in expected.values())


def _colour(status):
    from sros.compliance_map import STATUS_COLOURS

    return STATUS_COLOURS[status]


def test_the_page_offers_the_versions_activities_and_a_table(demo_draft, client):
    client.force_login(demo_planner(demo_draft))
    version_page = client.get(reverse("schema:version", args=[demo_draft.pk]))
    url = reverse("schema:compliance_map", args=[demo_draft.pk])
    assert url in version_page.content.decode()
    page = client.get(url, {"activite": "obstetrique:obstetrique"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="obstetrique:obstetrique" selected' in html
    assert 'value="urgences:su"' in html and 'value="psychiatrie:adultes"' in html
    assert html.count('<tr data-zone="') == 6
    assert "schema/compliance_map.js" in html and "leaflet.js" in html
    assert "?activite=obstetrique%3Aobstetrique" in html
    unknown = client.get(url, {"activite": "nope:"})
    assert unknown.status_code == 200  # falls back on the first activity, never a 500


def test_a_zone_without_objective_is_shown_without_status(world, client):
    services.objective_create(
        version=world.draft, zone=world.zones["A"], activity=world.activities["urgences"],
        modality="su", minimum=1, maximum=2,
    )  # fmt: skip
    client.force_login(world.users["analyst"])
    data = layer_of(client, world.draft, "urgences:su")
    statuses = {f["properties"]["c"]: f["properties"]["s"] for f in data["features"]}
    assert statuses == {"A": "below", "B": "none"}
    assert data["facilities"]["features"] == []


MAP = {"anonymous": 302, "planner": 200, "other_planner": 403, "director": 200}
MAP |= {"analyst": 200, "admin": 200}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["schema:compliance_map", "schema:compliance_layer"])
def test_who_sees_the_compliance_map(world, login_as, persona, name):
    services.objective_create(
        version=world.draft, zone=world.zones["A"], activity=world.activities["urgences"],
        modality="su", minimum=1, maximum=2,
    )  # fmt: skip
    client = (
        login_as(persona) if persona != "anonymous" else __import__("django.test").test.Client()
    )
    response = client.get(reverse(name, args=[world.draft.pk]))
    assert response.status_code == MAP[persona]
    if persona == "anonymous":
        assert reverse("login") in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_draws_the_zones_in_their_status_colour_in_chromium(live_server, client):
    from tests.browser import open_browser, session_cookie

    call_command("load_demo", verbosity=0)
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    choice = "obstetrique:obstetrique"
    expected = {
        f["properties"]["c"]: f["properties"]["s"]
        for f in layer_of(_logged_in(client, draft), draft, choice)["features"]
    }
    cookie = session_cookie(client, demo_planner(draft))
    url = reverse("schema:compliance_map", args=[draft.pk])
    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(f"{live_server.url}{url}?activite={choice}")
        page.wait_for_selector(f"#compliance-map[data-loaded='{choice}']")
        drawn = dict(
            page.eval_on_selector_all(
                "path[data-zone]",
                "els => els.map(e => [e.getAttribute('data-zone'), e.getAttribute('data-status')])",
            )
        )
        sites = int(page.get_attribute("#compliance-map", "data-sites"))
        markers = page.locator(".leaflet-marker-pane .counted-site").count()
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    assert drawn == expected
    assert markers == sites > 0


def _logged_in(client, version):
    client.force_login(demo_planner(version))
    return client
