"""The workflow on the pages (issue 12 §2): adopting and archiving ask for a confirmation that
says what they will do, the transition happens only on the confirmed POST and only if its
effects are still those shown; the actions are on the version page, shown to whoever the
server lets do them."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from sros import workflow
from sros.models import SchemaVersion, VersionTransition

pytest_plugins = ["tests.personas"]

State = SchemaVersion.State


@pytest.fixture
def v1_adopted_v2_in_consultation(world):
    planner = world.users["planner"]
    workflow.version_transition(world.draft, "submit", user=planner)
    v1 = workflow.version_transition(world.draft, "adopt", user=planner)
    v2 = workflow.version_new_draft(world.schema, user=planner)
    workflow.version_transition(v2, "submit", user=planner)
    return v1, v2


def url(version, name, **query):
    path = reverse("schema:transition", args=[version.pk, name])
    return f"{path}?back={query['back']}" if query else path


def expected_token(page: str) -> str:
    return re.search(r'name="expected" value="([^"]*)"', page).group(1)


def state(version) -> str:
    return SchemaVersion.objects.get(pk=version.pk).state


def test_adopting_asks_first_and_says_it_archives_the_adopted_version(
    world, client, v1_adopted_v2_in_consultation
):
    v1, v2 = v1_adopted_v2_in_consultation
    client.force_login(world.users["planner"])
    logged = VersionTransition.objects.count()

    page = client.post(url(v2, "adopt"), {"back": "version"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "Adopter la version 2 archivera la version 1" in text
    assert 'name="confirm"' in text
    assert (state(v1), state(v2)) == (State.ADOPTED, State.CONSULTATION)
    assert VersionTransition.objects.count() == logged  # nothing done yet

    done = client.post(
        url(v2, "adopt"),
        {"confirm": "1", "expected": expected_token(text), "back": "version",
         "comment": "Arrêté du DG"},
    )  # fmt: skip

    assert done.status_code == 302
    assert done["Location"] == reverse("schema:version", args=[v2.pk])
    assert (state(v1), state(v2)) == (State.ARCHIVED, State.ADOPTED)
    assert SchemaVersion.objects.get(pk=v2.pk).transitions.last().comment == "Arrêté du DG"


def test_the_confirmation_page_is_reachable_by_a_link_and_names_the_first_adoption(world, client):
    planner = world.users["planner"]
    workflow.version_transition(world.draft, "submit", user=planner)
    client.force_login(planner)

    page = client.get(url(world.draft, "adopt", back="region"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "aucune version n'est adoptée aujourd'hui" in text
    assert reverse("schema:region", args=["84"]) in text  # "Annuler" goes back there
    assert state(world.draft) == State.CONSULTATION


def test_a_confirmation_whose_effects_changed_does_nothing_and_shows_them_again(world, client):
    """The planner opens the confirmation of v2's adoption while nothing is adopted; a
    colleague adopts v3 meanwhile; confirming must not archive v3 unseen."""
    planner = world.users["planner"]
    v2 = world.draft
    workflow.version_transition(v2, "submit", user=planner)
    v3 = workflow.version_new_draft(world.schema, user=planner)
    workflow.version_transition(v3, "submit", user=planner)
    client.force_login(planner)
    stale = expected_token(client.get(url(v2, "adopt")).content.decode())
    workflow.version_transition(v3, "adopt", user=planner)

    page = client.post(url(v2, "adopt"), {"confirm": "1", "expected": stale})

    assert page.status_code == 409
    assert "Adopter la version 1 archivera la version 2" in page.content.decode()
    assert (state(v2), state(v3)) == (State.CONSULTATION, State.ADOPTED)
    fresh = expected_token(page.content.decode())
    client.post(url(v2, "adopt"), {"confirm": "1", "expected": fresh})
    assert (state(v2), state(v3)) == (State.ADOPTED, State.ARCHIVED)


def test_archiving_says_whether_it_leaves_the_schema_without_an_adopted_version(
    world, client, v1_adopted_v2_in_consultation
):
    v1, _v2 = v1_adopted_v2_in_consultation
    v3 = workflow.version_new_draft(world.schema, user=world.users["planner"])
    client.force_login(world.users["planner"])

    adopted = client.post(url(v1, "archive")).content.decode()
    draft = client.post(url(v3, "archive")).content.decode()

    assert "laissera le schéma sans version adoptée" in adopted
    assert "abandonne ce brouillon" in draft
    assert (state(v1), state(v3)) == (State.ADOPTED, State.DRAFT)


def test_a_reversible_transition_is_done_at_once_and_returns_to_the_version_page(world, client):
    client.force_login(world.users["planner"])

    done = client.post(url(world.draft, "submit"), {"back": "version", "comment": "Avis"})

    assert done["Location"] == reverse("schema:version", args=[world.draft.pk])
    assert state(world.draft) == State.CONSULTATION


def test_a_huge_comment_on_the_confirmation_page_adopts_nothing(world, client):
    submitted = workflow.version_transition(world.draft, "submit", user=world.users["planner"])
    client.force_login(world.users["planner"])
    token = workflow.transition_plan(submitted, "adopt").token

    client.post(
        url(world.draft, "adopt"), {"confirm": "1", "expected": token, "comment": "x" * 5001}
    )

    assert state(world.draft) == State.CONSULTATION


@pytest.mark.parametrize(
    "persona, sees", [("planner", True), ("director", False), ("analyst", False), ("admin", False)]
)
def test_the_version_page_shows_the_actions_to_whom_the_server_lets_do_them(
    world, client, persona, sees
):
    client.force_login(world.users[persona])

    page = client.get(reverse("schema:version", args=[world.draft.pk])).content.decode()
    listed = client.get(reverse("schema:region", args=["84"])).content.decode()

    assert ('id="workflow-actions"' in page) is sees
    submit = reverse("schema:transition", args=[world.draft.pk, "submit"])
    archive = reverse("schema:transition", args=[world.draft.pk, "archive"])
    assert (submit in page and archive in page) is sees
    assert (submit in listed) is sees
    refused = client.post(url(world.draft, "archive"), {"confirm": "1", "expected": "draft:"})
    assert (refused.status_code == 302) is sees
    assert state(world.draft) == (State.ARCHIVED if sees else State.DRAFT)


def test_the_confirmation_reads_in_english(world, client, v1_adopted_v2_in_consultation):
    _v1, v2 = v1_adopted_v2_in_consultation
    client.force_login(world.users["planner"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = client.get(url(v2, "adopt")).content.decode()

    assert "Adopting version 2 will archive version 1" in text
    assert "Confirm: " in text
