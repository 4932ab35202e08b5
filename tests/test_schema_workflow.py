"""The life of a schema version: transitions allowed and refused, the log, one adopted version
per region, read-only adopted versions, and a new draft copied from the adopted one."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from sros import services, workflow
from sros.models import Objective, SchemaVersion, VersionTransition

pytest_plugins = ["tests.personas"]

State = SchemaVersion.State


def adopt(version, user):
    workflow.version_transition(version, "submit", user=user)
    return workflow.version_transition(version, "adopt", user=user, comment="Arrêté du DG")


def fill(world):
    """Give the draft a volet with two activities, a specific zoning and two objectives."""
    planner, draft = world.users["planner"], world.draft
    services.volet_create(
        version=draft,
        title="Urgences",
        narrative="Garantir **30 minutes** d'accès.",
        activities=[world.activities["urgences"], world.activities["soins_critiques"]],
        user=planner,
    )
    services.version_set_zoning(
        version=draft, zoning=world.ght_zoning, activity=world.activities["psychiatrie"]
    )
    services.objective_create(
        version=draft, user=planner, zone=world.zones["A"], activity=world.activities["urgences"],
        modality="su", minimum=1, maximum=2, justification="Bassin de 3 communes",
    )  # fmt: skip
    services.objective_create(
        version=draft, user=planner, zone=world.ght_zoning.zones.get(),
        activity=world.activities["psychiatrie"], modality="adultes", minimum=1, maximum=None,
    )  # fmt: skip


def test_a_draft_goes_to_consultation_back_to_draft_and_on_to_adoption(world):
    planner, draft = world.users["planner"], world.draft
    assert workflow.available_transitions(draft, planner) == ["submit", "archive"]
    workflow.version_transition(draft, "submit", user=planner, comment="Ouverture")
    draft.refresh_from_db()
    assert draft.state == State.CONSULTATION
    assert workflow.available_transitions(draft, planner) == ["return_to_draft", "adopt"]
    workflow.version_transition(draft, "return_to_draft", user=planner)
    workflow.version_transition(draft, "submit", user=planner)
    version = workflow.version_transition(draft, "adopt", user=planner, comment="Arrêté")
    assert version.state == State.ADOPTED
    assert version.adopted_at is not None
    log = list(
        VersionTransition.objects.filter(version=draft).values_list("name", "source", "target")
    )
    assert log == [
        ("create", "", "draft"),
        ("submit", "draft", "consultation"),
        ("return_to_draft", "consultation", "draft"),
        ("submit", "draft", "consultation"),
        ("adopt", "consultation", "adopted"),
    ]
    last = VersionTransition.objects.filter(version=draft).last()
    assert last.by == planner and last.comment == "Arrêté" and last.at is not None


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "adopt"),  # a draft is not adopted without consultation
        ([], "return_to_draft"),
        (["submit"], "submit"),
        (["submit"], "archive"),
        (["submit", "adopt"], "submit"),
        (["submit", "adopt"], "return_to_draft"),
        (["submit", "adopt", "archive"], "submit"),
        (["submit", "adopt", "archive"], "adopt"),
    ],
)
def test_it_refuses_transitions_the_state_does_not_allow(world, path, refused):
    planner, draft = world.users["planner"], world.draft
    for name in path:
        workflow.version_transition(draft, name, user=planner)
    state = SchemaVersion.objects.get(pk=draft.pk).state
    with pytest.raises(workflow.WorkflowError):
        workflow.version_transition(draft, refused, user=planner)
    assert SchemaVersion.objects.get(pk=draft.pk).state == state


@pytest.mark.parametrize("persona", ["director", "analyst", "admin", "other_planner"])
def test_only_a_planner_of_the_region_moves_a_version(world, persona):
    with pytest.raises(PermissionDenied):
        workflow.version_transition(world.draft, "submit", user=world.users[persona])
    assert workflow.available_transitions(world.draft, world.users[persona]) == []
    assert SchemaVersion.objects.get(pk=world.draft.pk).state == State.DRAFT


def test_the_state_cannot_be_assigned_directly(world):
    with pytest.raises(AttributeError):
        world.draft.state = State.ADOPTED


def test_a_new_draft_copies_the_adopted_version(world):
    planner = world.users["planner"]
    fill(world)
    adopted = adopt(world.draft, planner)
    draft = workflow.version_new_draft(world.schema, user=planner)
    assert draft.number == 2 and draft.state == State.DRAFT and draft.based_on == adopted
    assert draft.default_zoning == world.zoning
    assert list(draft.zonings.values_list("activity__code", "zoning__name")) == [
        ("psychiatrie", "GHT")
    ]
    volet = draft.volets.get()
    assert volet.title == "Urgences" and "30 minutes" in volet.narrative
    assert set(volet.activities.values_list("code", flat=True)) == {"urgences", "soins_critiques"}
    fields = ["zone__code", "activity__code", "modality", "minimum", "maximum", "justification"]
    assert list(draft.objectives.values_list(*fields)) == list(
        adopted.objectives.values_list(*fields)
    )
    assert draft.objectives.count() == 2
    # The copies are new rows: editing the draft leaves the adopted version untouched.
    copy = draft.objectives.get(activity__code="urgences")
    services.objective_update(copy, lock_version=copy.lock_version, user=planner, maximum=5)
    assert adopted.objectives.get(activity__code="urgences").maximum == 2


def test_a_first_draft_without_adopted_version_starts_empty(world):
    assert world.draft.based_on is None
    assert world.draft.volets.count() == 0 and world.draft.objectives.count() == 0


def test_adopting_a_version_archives_the_previously_adopted_one(world):
    planner = world.users["planner"]
    first = adopt(world.draft, planner)
    second = adopt(workflow.version_new_draft(world.schema, user=planner), planner)
    first.refresh_from_db()
    assert first.state == State.ARCHIVED
    assert second.state == State.ADOPTED
    assert SchemaVersion.objects.filter(schema=world.schema, state=State.ADOPTED).count() == 1
    archive = VersionTransition.objects.get(version=first, name="archive")
    assert archive.by == planner and "2" in archive.comment


def test_the_database_refuses_a_second_adopted_version_of_a_region(world):
    planner = world.users["planner"]
    adopt(world.draft, planner)
    other = workflow.version_new_draft(world.schema, user=planner)
    with pytest.raises(IntegrityError), transaction.atomic():
        SchemaVersion.objects.filter(pk=other.pk).update(state=State.ADOPTED)


@pytest.mark.parametrize("final", [["submit"], ["submit", "adopt"], ["submit", "adopt", "archive"]])
def test_versions_other_than_drafts_are_read_only(world, final):
    planner = world.users["planner"]
    fill(world)
    objective = world.draft.objectives.first()
    volet = world.draft.volets.first()
    for name in final:
        workflow.version_transition(world.draft, name, user=planner)
    version = SchemaVersion.objects.get(pk=world.draft.pk)
    with pytest.raises(services.VersionReadOnly):
        services.objective_update(objective.pk, lock_version=0, user=planner, minimum=0)
    with pytest.raises(services.VersionReadOnly):
        services.objective_create(
            version=version, user=planner, zone=world.zones["B"],
            activity=world.activities["urgences"], modality="su", minimum=0,
        )  # fmt: skip
    with pytest.raises(services.VersionReadOnly):
        services.objective_delete(objective.pk, lock_version=0, user=planner)
    with pytest.raises(services.VersionReadOnly):
        services.volet_update(volet.pk, lock_version=0, user=planner, title="x")
    with pytest.raises(services.VersionReadOnly):
        services.volet_create(version=version, title="x", user=planner)
    assert Objective.objects.get(pk=objective.pk).minimum == 1


def test_a_draft_may_be_abandoned(world):
    workflow.version_transition(world.draft, "archive", user=world.users["planner"])
    assert SchemaVersion.objects.get(pk=world.draft.pk).state == State.ARCHIVED
