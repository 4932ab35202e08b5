"""Objectives (OQOS): validation messages, optimistic locking (service and page), history and
the diff between two versions."""

import datetime as dt
import html as html_lib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.locking import ConflictError
from sros import services, workflow
from sros.diff import version_diff
from sros.models import Objective, SchemaVersion, Volet, VoletTheme

pytest_plugins = ["tests.personas"]


@pytest.fixture
def objective(world):
    return services.objective_create(
        version=world.draft, user=world.users["planner"], zone=world.zones["A"],
        activity=world.activities["urgences"], modality="su", minimum=1, maximum=2,
        justification="Une structure des urgences par zone",
    )  # fmt: skip


def form_data(world, objective, **changes):
    data = {
        "activity": objective.activity_id,
        "modality": objective.modality,
        "zone": objective.zone_id,
        "minimum": objective.minimum,
        "maximum": objective.maximum if objective.maximum is not None else "",
        "max_access_minutes": "",
        "justification": objective.justification,
        "lock_version": objective.lock_version,
    }
    data.update(changes)
    return data


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"minimum": 3, "maximum": 2}, "maximum", "inférieur au minimum"),
        ({"minimum": -1}, "minimum", "négative"),
        ({"maximum": -2}, "maximum", "négative"),
        ({"max_access_minutes": -5}, "max_access_minutes", "négative"),
        ({"modality": "adultes"}, "modality", "ne s'applique pas"),
    ],
)
def test_the_form_shows_each_broken_rule_next_to_its_field(
    login_as, world, objective, changes, field, message
):
    client = login_as("planner")
    url = reverse("schema:objective_edit", args=[objective.pk])
    response = client.post(url, form_data(world, objective, **changes))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert message in html_lib.unescape(response.content.decode())
    assert Objective.objects.get(pk=objective.pk).lock_version == objective.lock_version


def test_a_zone_outside_the_zoning_used_for_the_activity_is_refused(login_as, world, objective):
    client = login_as("planner")
    ght_zone = world.ght_zoning.zones.get()
    # The GHT zoning is not used by this version for urgences: the zone is not even offered.
    response = client.post(
        reverse("schema:objective_edit", args=[objective.pk]),
        form_data(world, objective, zone=ght_zone.pk),
    )
    assert response.status_code == 422
    assert "zone" in response.context["form"].errors
    # Once the version uses the GHT zoning for psychiatry only, urgences still refuses it.
    services.version_set_zoning(
        version=world.draft, zoning=world.ght_zoning, activity=world.activities["psychiatrie"]
    )
    response = client.post(
        reverse("schema:objective_edit", args=[objective.pk]),
        form_data(world, objective, zone=ght_zone.pk),
    )
    assert response.status_code == 422
    assert "n'appartient pas au zonage" in " ".join(response.context["form"].errors["zone"])


def test_the_service_refuses_a_zone_of_another_zoning_and_a_duplicate(world, objective):
    planner = world.users["planner"]
    with pytest.raises(ValidationError) as error:
        services.objective_create(
            version=world.draft, user=planner, zone=world.other_zoning.zones.get(),
            activity=world.activities["urgences"], modality="su", minimum=0,
        )  # fmt: skip
    assert "zone" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.objective_create(
            version=world.draft, user=planner, zone=world.zones["A"],
            activity=world.activities["urgences"], modality="su", minimum=0,
        )  # fmt: skip
    assert "existe déjà" in error.value.message_dict["zone"][0]


def test_a_pilot_project_with_dates_out_of_order_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.pilot_project_create(
            schema=world.schema, title="Périnatalité Nord",
            theme=VoletTheme.objects.get(code="perinatalite"), zone=world.zones["A"],
            start_date=dt.date(2012, 1, 1), end_date=dt.date(2011, 1, 1),
        )  # fmt: skip
    assert "précède" in error.value.message_dict["end_date"][0]


def test_the_edit_form_of_an_adopted_version_is_read_only(login_as, world, objective):
    planner = world.users["planner"]
    workflow.version_transition(world.draft, "submit", user=planner)
    workflow.version_transition(world.draft, "adopt", user=planner)
    client = login_as("planner")
    url = reverse("schema:objective_edit", args=[objective.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert client.post(url, form_data(world, objective, minimum=0)).status_code == 403
    assert Objective.objects.get(pk=objective.pk).minimum == 1


# --- Optimistic locking ---------------------------------------------------------------------


def test_a_stale_save_is_refused_with_the_current_row(world, objective):
    planner = world.users["planner"]
    services.objective_update(objective.pk, lock_version=0, user=planner, maximum=3)
    with pytest.raises(ConflictError) as conflict:
        services.objective_update(objective.pk, lock_version=0, user=planner, maximum=4)
    assert conflict.value.current.maximum == 3
    assert conflict.value.current.lock_version == 1
    assert Objective.objects.get(pk=objective.pk).maximum == 3


def test_two_sessions_edit_the_same_objective_and_the_second_keeps_its_input(
    login_as, world, objective
):
    url = reverse("schema:objective_edit", args=[objective.pk])
    first, second = login_as("planner"), login_as("planner")
    form_first = first.get(url).context["form"]
    form_second = second.get(url).context["form"]
    assert form_first["lock_version"].value() == form_second["lock_version"].value() == 0

    saved = first.post(url, form_data(world, objective, maximum=3, justification="Avis de A"))
    assert saved.status_code == 302

    stale = second.post(url, form_data(world, objective, maximum=5, justification="Avis de B"))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "modifié cet objectif" in html
    assert stale.context["conflict"].justification == "Avis de A"  # the other person's values
    form = stale.context["form"]
    assert form["justification"].value() == "Avis de B"  # the user's input is kept
    assert str(form["maximum"].value()) == "5"
    assert str(form["lock_version"].value()) == "1"
    assert Objective.objects.get(pk=objective.pk).justification == "Avis de A"

    # Submitting again, knowingly, overwrites.
    again = second.post(url, form_data(world, objective, maximum=5, justification="Avis de B",
                                       lock_version=1))  # fmt: skip
    assert again.status_code == 302
    assert Objective.objects.get(pk=objective.pk).justification == "Avis de B"


def test_a_stale_volet_save_is_refused(world):
    planner = world.users["planner"]
    volet = services.volet_create(version=world.draft, title="Périnatalité", user=planner)
    services.volet_update(volet.pk, lock_version=0, user=planner, narrative="Texte de A")
    with pytest.raises(ConflictError):
        services.volet_update(volet.pk, lock_version=0, user=planner, narrative="Texte de B")
    assert Volet.objects.get(pk=volet.pk).narrative == "Texte de A"


# --- History and diff -----------------------------------------------------------------------


def test_history_records_who_changed_what(login_as, world, objective):
    planner = world.users["planner"]
    services.objective_update(objective.pk, lock_version=0, user=planner, maximum=4)
    records = list(Objective.history.filter(id=objective.pk).order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert all(r.history_user == planner for r in records)
    delta = records[1].diff_against(records[0], excluded_fields=["lock_version"])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("maximum", 2, 4)]
    workflow.version_transition(world.draft, "submit", user=planner)
    states = list(
        SchemaVersion.history.filter(id=world.draft.pk)
        .order_by("history_date")
        .values_list("state", flat=True)
    )
    assert states[-1] == "consultation"

    client = login_as("director")
    page = client.get(reverse("schema:history", args=[world.draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "planner" in html
    assert "maximum : 2 → 4" in html


def test_the_diff_lists_objectives_added_removed_changed_and_volet_text(login_as, world, objective):
    planner = world.users["planner"]
    services.objective_create(
        version=world.draft, user=planner, zone=world.zones["B"],
        activity=world.activities["urgences"], modality="su", minimum=1, maximum=1,
    )  # fmt: skip
    services.volet_create(
        version=world.draft, title="Urgences", narrative="Ligne 1\nLigne 2", user=planner,
        theme=VoletTheme.objects.get(code="urgences"),
    )  # fmt: skip
    old = world.draft
    workflow.version_transition(old, "submit", user=planner)
    workflow.version_transition(old, "adopt", user=planner)
    new = workflow.version_new_draft(world.schema, user=planner)
    changed = new.objectives.get(zone__code="A")
    services.objective_update(changed, lock_version=0, user=planner, maximum=3)
    services.objective_delete(new.objectives.get(zone__code="B").pk, lock_version=0, user=planner)
    services.objective_create(
        version=new, user=planner, zone=world.zones["B"], activity=world.activities["urgences"],
        modality="smur", minimum=1, maximum=2,
    )  # fmt: skip
    volet = new.volets.get()
    services.volet_update(volet.pk, lock_version=0, user=planner, narrative="Ligne 1\nLigne 2 bis")

    diff = version_diff(old, new)
    assert [(o.zone.code, o.modality) for o in diff.added] == [("B", "smur")]
    assert [(o.zone.code, o.modality) for o in diff.removed] == [("B", "su")]
    assert [(c.new.zone.code, c.fields) for c in diff.changed] == [("A", {"maximum": (2, 3)})]
    assert [v.title for v in diff.volets] == ["Urgences"]
    lines = diff.volets[0].lines
    assert ("del", "-Ligne 2") in lines and ("add", "+Ligne 2 bis") in lines

    client = login_as("analyst")
    page = client.get(reverse("schema:diff", args=[old.pk, new.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "+Ligne 2 bis" in html and "maximum 2 → 3" in html


def test_the_diff_of_a_version_with_itself_is_empty(world, objective):
    assert version_diff(world.draft, world.draft).is_empty
