"""The permission matrix: every schema page × every persona, including a planner of another
region. Anonymous visitors are sent to the login page; a refused user gets a 403."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from access.services import membership_grant
from sros import services, workflow
from sros.models import Comment, SchemaVersion

pytest_plugins = ["tests.personas"]

READERS = {"planner": 200, "director": 200, "analyst": 200, "admin": 200, "other_planner": 403}
PLANNER_ONLY = {"planner": 200, "director": 403, "analyst": 403, "admin": 403, "other_planner": 403}


@pytest.fixture
def versions(world):
    """v1 adopted, v2 a draft with one objective, v3 in consultation."""
    planner = world.users["planner"]
    services.objective_create(
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities["urgences"], modality="su", minimum=1, maximum=2,
    )  # fmt: skip
    workflow.version_transition(world.draft, "submit", user=planner)
    v1 = workflow.version_transition(world.draft, "adopt", user=planner)
    v2 = workflow.version_new_draft(world.schema, user=planner)
    v3 = workflow.version_new_draft(world.schema, user=planner)
    workflow.version_transition(v3, "submit", user=planner)
    return {"v1": v1, "v2": v2, "v3": v3, "objective": v2.objectives.get()}


def objective_post(versions):
    o = versions["objective"]
    return {
        "activity": o.activity_id, "modality": o.modality, "zone": o.zone_id, "minimum": 0,
        "maximum": 4, "max_access_minutes": "", "justification": "", "lock_version": 0,
    }  # fmt: skip


# name: (method, url, data, {persona: expected status}); 302 means the action succeeded.
CASES = {
    "index": ("get", lambda v: reverse("schema:index"), None, {**READERS, "other_planner": 200}),
    "initiatives": (
        "get", lambda v: reverse("schema:initiatives"), None, {**READERS, "other_planner": 200},
    ),
    "region": ("get", lambda v: reverse("schema:region", args=["84"]), None, READERS),
    "version": ("get", lambda v: reverse("schema:version", args=[v["v2"].pk]), None, READERS),
    "history": ("get", lambda v: reverse("schema:history", args=[v["v2"].pk]), None, READERS),
    "diff": (
        "get", lambda v: reverse("schema:diff", args=[v["v1"].pk, v["v2"].pk]), None, READERS,
    ),
    "objective_view": (
        "get", lambda v: reverse("schema:objective_edit", args=[v["objective"].pk]), None,
        READERS,
    ),
    "objective_save": (
        "post", lambda v: reverse("schema:objective_edit", args=[v["objective"].pk]),
        objective_post, {**PLANNER_ONLY, "planner": 302},
    ),
    "objective_new": (
        "get", lambda v: reverse("schema:objective_create", args=[v["v2"].pk]), None,
        PLANNER_ONLY,
    ),
    "new_draft": (
        "post", lambda v: reverse("schema:new_draft", args=["84"]), lambda v: {},
        {**PLANNER_ONLY, "planner": 302},
    ),
    "transition": (
        "post", lambda v: reverse("schema:transition", args=[v["v2"].pk, "submit"]),
        lambda v: {"comment": "ok"}, {**PLANNER_ONLY, "planner": 302},
    ),
    "comment": (
        "post", lambda v: reverse("schema:comment_create", args=[v["v3"].pk]),
        lambda v: {"text": "Avis du CH", "organisation_name": "CH de Lyon"},
        {**PLANNER_ONLY, "planner": 302, "director": 302, "analyst": 302},
    ),
}  # fmt: skip

MATRIX = [
    (view, persona)
    for view in CASES
    for persona in ["anonymous", "planner", "other_planner", "director", "analyst", "admin"]
]


@pytest.mark.parametrize(("view", "persona"), MATRIX)
def test_permission_matrix(world, versions, login_as, client, view, persona):
    method, url_of, data_of, expected = CASES[view]
    http = client if persona == "anonymous" else login_as(persona)
    url = url_of(versions)
    kwargs = {"data": data_of(versions)} if data_of else {}
    response = getattr(http, method)(url, **kwargs)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == expected[persona], (view, persona)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("login"))


def test_refused_writes_leave_nothing_behind(world, versions, login_as):
    for persona in ["director", "analyst", "admin", "other_planner"]:
        http = login_as(persona)
        http.post(reverse("schema:transition", args=[versions["v2"].pk, "submit"]))
        http.post(reverse("schema:new_draft", args=["84"]))
    assert SchemaVersion.objects.get(pk=versions["v2"].pk).state == "draft"
    assert SchemaVersion.objects.filter(schema=world.schema).count() == 3
    for persona in ["admin", "other_planner"]:  # no role in region 84: no comment
        login_as(persona).post(
            reverse("schema:comment_create", args=[versions["v3"].pk]),
            {"text": "x", "organisation_name": "ARS"},
        )
    assert Comment.objects.count() == 0


def test_a_director_comments_only_during_consultation(world, versions, login_as):
    director = login_as("director")
    opinion = {"text": "Avis du CH", "organisation_name": "CH de Lyon"}
    director.post(reverse("schema:comment_create", args=[versions["v3"].pk]), opinion)
    assert Comment.objects.get().author == world.users["director"]
    response = director.post(reverse("schema:comment_create", args=[versions["v2"].pk]), opinion)
    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_the_login_page_is_the_only_page_for_anonymous_visitors(client, world):
    assert client.get(reverse("login")).status_code == 200
    lea = get_user_model().objects.create_user("lea", password="mot-de-passe-sur-1")
    membership_grant(user=lea, region=world.region, role="analyst")
    response = client.post(reverse("login"), {"username": "lea", "password": "mot-de-passe-sur-1"})
    assert response.status_code == 302
    assert client.get(reverse("schema:region", args=["84"])).status_code == 200


def test_index_lists_only_the_regions_of_the_user(world, versions, login_as):
    assert [
        r.code for r in login_as("planner").get(reverse("schema:index")).context["regions"]
    ] == ["84"]
    assert list(login_as("other_planner").get(reverse("schema:index")).context["regions"]) == [
        world.other_region
    ]
    assert {r.code for r in login_as("admin").get(reverse("schema:index")).context["regions"]} == {
        "11", "84",
    }  # fmt: skip
