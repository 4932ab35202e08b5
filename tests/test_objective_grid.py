"""Objectives in bulk (issue 12 §2): the grid saves each row on its own; a stale row is refused
with the other person's values and never overwritten; the others are saved, with history."""

from __future__ import annotations

import html as html_lib

import pytest
from django.urls import reverse

from sros import objective_grid, services, workflow
from sros.models import Objective
from sros.objective_grid import GridRow, Outcome

pytest_plugins = ["tests.personas"]


@pytest.fixture
def objectives(world):
    """Four objectives of the draft: urgences SU and psychiatrie adultes in zones A and B."""
    planner = world.users["planner"]
    made = []
    for code, modality in (("urgences", "su"), ("psychiatrie", "adultes")):
        for zone in ("A", "B"):
            made.append(
                services.objective_create(
                    version=world.draft,
                    user=planner,
                    zone=world.zones[zone],
                    activity=world.activities[code],
                    modality=modality,
                    minimum=1,
                    maximum=2,
                    justification=f"{code} {zone}",
                )  # fmt: skip
            )
    return made


def grid_url(world):
    return reverse("schema:objective_grid", args=[world.draft.pk])


def posted(grid, changes=None, new=()):
    """The POST a browser sends for ``grid`` (a formset from the page's context) with
    ``changes`` ({objective pk: {field: value}}) typed into its rows and ``new`` rows filled."""
    changes = changes or {}
    data = {
        f"{grid.prefix}-TOTAL_FORMS": str(grid.total_form_count()),
        f"{grid.prefix}-INITIAL_FORMS": str(grid.initial_form_count()),
        f"{grid.prefix}-MIN_NUM_FORMS": "0",
        f"{grid.prefix}-MAX_NUM_FORMS": "5000",
    }
    extra = iter(new)
    for form in grid.forms:
        typed = changes.get(form.instance.pk, {}) if form.existing else {}
        if not form.existing:
            typed = next(extra, {})
        for name, field in form.fields.items():
            value = form[name].value()
            value = "" if value is None or value is False else str(value)
            if field.show_hidden_initial:  # as Django renders it: a bound row propagates it
                initial = form[name].html_initial_name
                data[initial] = form.data.get(initial, value) if form.is_bound else value
            if name in typed:
                value = str(typed[name])
            if name == "in_conflict" and value:
                value = "on"
            if name == "resolution" and not value:
                continue
            data[form[name].html_name] = value
    return data


# --- The service ----------------------------------------------------------------------------


def test_a_stale_row_is_refused_and_the_others_are_saved_with_history(world, objectives):
    planner, director = world.users["planner"], world.users["director"]
    first, stale, third, _fourth = objectives
    # Someone saves ``stale`` after the grid was loaded at lock_version 0.
    services.objective_update(stale.pk, lock_version=0, user=director, maximum=5)
    rows = [
        GridRow("a", first.pk, 0, {"minimum": 0, "maximum": 3}),
        GridRow("b", stale.pk, 0, {"minimum": 2, "maximum": 2}),
        GridRow("c", third.pk, 0, {"justification": "Revu en bloc"}),
    ]
    results = objective_grid.objectives_save(world.draft, rows, user=planner)

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.CONFLICT, Outcome.UPDATED]
    assert results[1].current.maximum == 5  # the other person's values, to show
    assert results[1].current.lock_version == 1
    assert Objective.objects.get(pk=stale.pk).maximum == 5  # not overwritten
    assert Objective.objects.get(pk=stale.pk).minimum == 1
    assert (
        Objective.objects.get(pk=first.pk).maximum,
        Objective.objects.get(pk=first.pk).lock_version,
    ) == (3, 1)
    assert Objective.objects.get(pk=third.pk).justification == "Revu en bloc"
    history = Objective.history.filter(id=first.pk).order_by("history_date")
    assert [(h.history_type, h.history_user) for h in history] == [("+", planner), ("~", planner)]
    assert (
        Objective.history.filter(id=stale.pk, history_user=planner, history_type="~").count() == 0
    )


def test_a_broken_row_does_not_block_the_others(world, objectives):
    first, second, *_ = objectives
    rows = [
        GridRow("a", first.pk, 0, {"minimum": 3, "maximum": 1}),
        GridRow("b", second.pk, 0, {"maximum": 4}),
        GridRow(
            "c",
            None,
            0,
            {
                "zone": world.zones["A"],
                "activity": world.activities["urgences"],
                "modality": "adultes",
                "minimum": 0,
            },
        ),  # fmt: skip
        GridRow(
            "d",
            None,
            0,
            {
                "zone": world.zones["A"],
                "activity": world.activities["urgences"],
                "modality": "smur",
                "minimum": 1,
                "maximum": 1,
            },
        ),  # fmt: skip
    ]
    results = objective_grid.objectives_save(world.draft, rows, user=world.users["planner"])

    assert [r.outcome for r in results] == [
        Outcome.INVALID, Outcome.UPDATED, Outcome.INVALID, Outcome.CREATED,
    ]  # fmt: skip
    assert "inférieur au minimum" in results[0].errors["maximum"][0]
    assert "ne s'applique pas" in results[2].errors["modality"][0]
    assert Objective.objects.get(pk=first.pk).maximum == 2
    assert Objective.objects.get(pk=second.pk).maximum == 4
    assert world.draft.objectives.filter(modality="smur").count() == 1


def test_a_row_of_another_version_or_deleted_is_gone(world, objectives):
    first, second, *_ = objectives
    planner = world.users["planner"]
    services.objective_delete(second.pk, lock_version=0, user=planner)
    other = workflow.version_new_draft(world.schema, user=planner)
    rows = [GridRow("a", first.pk, 0, {"maximum": 9}), GridRow("b", second.pk, 0, {"maximum": 9})]
    results = objective_grid.objectives_save(other, rows, user=planner)
    assert [r.outcome for r in results] == [Outcome.GONE, Outcome.GONE]
    assert Objective.objects.get(pk=first.pk).maximum == 2


def test_a_version_out_of_draft_saves_nothing(world, objectives):
    planner = world.users["planner"]
    workflow.version_transition(world.draft, "submit", user=planner)
    with pytest.raises(services.VersionReadOnly):
        objective_grid.objectives_save(
            world.draft, [GridRow("a", objectives[0].pk, 0, {"maximum": 9})], user=planner
        )
    assert Objective.objects.get(pk=objectives[0].pk).maximum == 2


# --- The page -------------------------------------------------------------------------------


def test_the_grid_lists_every_objective_and_blank_rows(login_as, world, objectives):
    page = login_as("planner").get(grid_url(world))
    assert page.status_code == 200
    grid = page.context["grid"]
    assert [f.instance.pk for f in grid.forms if f.existing] == [
        o.pk for o in world.draft.objectives.all()
    ]
    assert sum(1 for f in grid.forms if not f.existing) == 3
    html = page.content.decode()
    for objective in objectives:
        assert f'id="grid-row-{objective.pk}"' in html
    # every input has its label (the row's objective named in it)
    assert 'for="id_form-0-minimum"' in html


def test_the_version_page_links_to_the_grid_only_for_those_who_may_edit(login_as, world):
    url = reverse("schema:version", args=[world.draft.pk])
    assert 'id="objective-grid-link"' in login_as("planner").get(url).content.decode()
    assert 'id="objective-grid-link"' not in login_as("director").get(url).content.decode()
    workflow.version_transition(world.draft, "submit", user=world.users["planner"])
    assert 'id="objective-grid-link"' not in login_as("planner").get(url).content.decode()


def test_saving_edited_rows_redirects_and_leaves_untouched_rows_alone(login_as, world, objectives):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    first, second, third, _ = objectives
    # Someone else saves ``third``, which this user does not touch: it is not sent, no conflict.
    services.objective_update(third.pk, lock_version=0, user=world.users["planner"], maximum=7)
    data = posted(
        grid, {first.pk: {"maximum": 4}, second.pk: {"justification": "Nouvelle raison"}},
        new=[{"activity": world.activities["urgences"].pk, "modality": "smur",
              "zone": world.zones["B"].pk, "minimum": 1, "maximum": 1}],
    )  # fmt: skip
    response = client.post(grid_url(world), data)
    assert response.status_code == 302
    assert response["Location"] == grid_url(world)
    assert Objective.objects.get(pk=first.pk).maximum == 4
    assert Objective.objects.get(pk=second.pk).justification == "Nouvelle raison"
    assert Objective.objects.get(pk=third.pk).maximum == 7
    assert world.draft.objectives.filter(modality="smur", zone=world.zones["B"]).exists()
    followed = client.get(grid_url(world))
    assert "3 objectifs enregistrés." in followed.content.decode()


def test_a_stale_row_is_shown_in_conflict_and_saved_only_when_asked(login_as, world, objectives):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    first, stale, *_ = objectives
    services.objective_update(
        stale.pk, lock_version=0, user=world.users["director"], maximum=6, justification="Avis B"
    )
    data = posted(grid, {first.pk: {"maximum": 3}, stale.pk: {"minimum": 2, "maximum": 4}})
    response = client.post(grid_url(world), data)

    assert response.status_code == 409
    html = html_lib.unescape(response.content.decode())
    assert "1 objectif enregistré." in html
    assert "modifiée entre-temps" in html
    assert Objective.objects.get(pk=first.pk).maximum == 3
    assert (
        Objective.objects.get(pk=stale.pk).minimum,
        Objective.objects.get(pk=stale.pk).maximum,
    ) == (1, 6)
    conflict = next(f for f in response.context["grid"].forms if f.instance.pk == stale.pk)
    assert conflict.conflict.maximum == 6 and conflict.conflict.justification == "Avis B"
    assert (conflict["minimum"].value(), conflict["maximum"].value()) == ("2", "4")  # mine kept
    assert f'id="grid-conflict-{stale.pk}"' in html and "Avis B" in html
    saved_row = next(f for f in response.context["grid"].forms if f.instance.pk == first.pk)
    assert not saved_row.is_bound and saved_row["lock_version"].value() == 1

    # Saving again without choosing keeps the conflict.
    again = client.post(grid_url(world), posted(response.context["grid"]))
    assert again.status_code == 422
    assert "Choisissez" in html_lib.unescape(again.content.decode())
    assert Objective.objects.get(pk=stale.pk).maximum == 6

    # "Keep theirs" leaves the saved row as it is.
    keep = posted(again.context["grid"], {stale.pk: {"resolution": "theirs"}})
    assert client.post(grid_url(world), keep).status_code == 302
    assert Objective.objects.get(pk=stale.pk).maximum == 6


def test_re_applying_mine_overwrites_knowingly(login_as, world, objectives):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    stale = objectives[1]
    services.objective_update(
        stale.pk, lock_version=0, user=world.users["director"], maximum=6, justification="Avis B"
    )
    conflicted = client.post(grid_url(world), posted(grid, {stale.pk: {"maximum": 4}}))
    assert conflicted.status_code == 409
    row = next(f for f in conflicted.context["grid"].forms if f.instance.pk == stale.pk)
    # my change laid on their row: my maximum, their justification
    assert (row["maximum"].value(), row["justification"].value()) == ("4", "Avis B")
    mine = posted(conflicted.context["grid"], {stale.pk: {"resolution": "mine"}})
    assert client.post(grid_url(world), mine).status_code == 302
    saved = Objective.objects.get(pk=stale.pk)
    assert (saved.maximum, saved.justification, saved.lock_version) == (4, "Avis B", 2)
    assert saved.history.first().history_user == world.users["planner"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"minimum": 3, "maximum": 2}, "maximum", "inférieur au minimum"),
        ({"minimum": -1}, "minimum", "négative"),
        ({"max_access_minutes": -5}, "max_access_minutes", "négative"),
    ],
)
def test_each_broken_row_shows_its_message_in_french(
    login_as, world, objectives, changes, field, message
):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    first, second, *_ = objectives
    response = client.post(
        grid_url(world), posted(grid, {first.pk: changes, second.pk: {"maximum": 5}})
    )
    assert response.status_code == 422
    broken = next(f for f in response.context["grid"].forms if f.instance.pk == first.pk)
    assert message in " ".join(broken.errors[field])
    assert message in html_lib.unescape(response.content.decode())
    assert Objective.objects.get(pk=second.pk).maximum == 5  # the other row is saved
    assert Objective.objects.get(pk=first.pk).lock_version == 0


def test_a_new_row_with_a_modality_of_another_activity_is_refused(login_as, world, objectives):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    data = posted(grid, new=[{"activity": world.activities["urgences"].pk, "modality": "adultes",
                              "zone": world.zones["A"].pk, "minimum": 1}])  # fmt: skip
    response = client.post(grid_url(world), data)
    assert response.status_code == 422
    new = [f for f in response.context["grid"].forms if not f.existing]
    assert "ne s'applique pas" in " ".join(new[0].errors["modality"])
    assert str(new[0]["modality"].value()) == "adultes"  # the input kept
    assert world.draft.objectives.count() == 4


def test_a_duplicate_new_row_gets_the_service_message(login_as, world, objectives):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    data = posted(grid, new=[{"activity": world.activities["urgences"].pk, "modality": "su",
                              "zone": world.zones["A"].pk, "minimum": 1}])  # fmt: skip
    response = client.post(grid_url(world), data)
    assert response.status_code == 422
    assert "existe déjà" in html_lib.unescape(response.content.decode())


def test_the_grid_reads_a_fixed_number_of_queries_whatever_its_rows(
    login_as, world, objectives, django_assert_max_num_queries
):
    client = login_as("planner")
    client.get(grid_url(world))  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(grid_url(world))
    for code in ("obstetrique", "chirurgie"):
        for zone in ("A", "B"):
            activity = world.activities[code]
            modality = activity.modalities.first()
            services.objective_create(
                version=world.draft, zone=world.zones[zone], activity=activity,
                modality=modality.code if modality else "", minimum=0,
            )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        client.get(grid_url(world))
    assert len(more) == len(few)


def test_a_gone_row_is_reported(login_as, world, objectives):
    client = login_as("planner")
    grid = client.get(grid_url(world)).context["grid"]
    first, second, *_ = objectives
    services.objective_delete(second.pk, lock_version=0, user=world.users["planner"])
    response = client.post(
        grid_url(world), posted(grid, {first.pk: {"maximum": 5}, second.pk: {"maximum": 5}})
    )
    assert response.status_code == 422
    assert "supprimé entre-temps" in html_lib.unescape(response.content.decode())
    assert Objective.objects.get(pk=first.pk).maximum == 5


def test_a_broken_management_form_saves_nothing(login_as, world, objectives):
    response = login_as("planner").post(grid_url(world), {"form-0-id": objectives[0].pk})
    assert response.status_code == 400
    assert Objective.objects.get(pk=objectives[0].pk).lock_version == 0
