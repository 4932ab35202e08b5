"""The consultation (issue 12 §2): comments on a version, a volet or an objective, replies,
the organisation they speak for, resolving and reopening; who may do what, the database's
checks, the list of a version's comments and its pages."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilities.models import Facility, LegalEntity
from sros import consultation_services as consultation
from sros import permissions, services, workflow
from sros.consultation_selectors import comment_counts, version_comments
from sros.models import Comment, SchemaVersion

pytest_plugins = ["tests.personas"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def hearing(world):
    """The persona world's draft with a volet and an objective, submitted to consultation; a
    FINESS legal entity; another draft of the other region."""
    planner = world.users["planner"]
    volet = services.volet_create(version=world.draft, title="Urgences", user=planner)
    objective = services.objective_create(
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities["urgences"], modality="su", minimum=1, maximum=2,
    )  # fmt: skip
    workflow.version_transition(world.draft, "submit", user=planner)
    version = SchemaVersion.objects.get(pk=world.draft.pk)
    entity = LegalEntity.objects.create(finess_ej="690781810", name="Hospices civils de Lyon")
    return SimpleNamespace(
        world=world, version=version, volet=volet, objective=objective, entity=entity,
        users=world.users, planner=planner, director=world.users["director"],
    )  # fmt: skip


def remark(h, **fields) -> Comment:
    values = {"version": h.version, "user": h.director, "text": "Avis", "organisation": h.entity}
    return consultation.comment_create(**(values | fields))


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "comments", "resolves"),
    [
        ("planner", True, True),
        ("director", True, False),
        ("analyst", True, False),
        ("other_planner", False, False),
        ("admin", False, False),  # no role in the region
    ],
)
def test_who_comments_and_who_resolves_during_consultation(hearing, persona, comments, resolves):
    user = hearing.users[persona]
    assert permissions.can_comment(user, hearing.version) is comments
    assert permissions.can_resolve(user, hearing.version) is resolves
    assert permissions.can_reply(user, hearing.version) is (comments or resolves)


def test_after_consultation_only_the_planner_replies_and_resolves_until_adoption(hearing):
    workflow.version_transition(hearing.version, "return_to_draft", user=hearing.planner)
    draft = SchemaVersion.objects.get(pk=hearing.version.pk)
    assert not permissions.can_comment(hearing.planner, draft)
    assert not permissions.can_reply(hearing.director, draft)
    assert permissions.can_resolve(hearing.planner, draft)
    workflow.version_transition(draft, "archive", user=hearing.planner)
    archived = SchemaVersion.objects.get(pk=draft.pk)
    assert not permissions.can_resolve(hearing.planner, archived)
    assert not permissions.can_reply(hearing.planner, archived)


def test_a_comment_is_refused_outside_consultation_and_nothing_is_stored(hearing):
    workflow.version_transition(hearing.version, "return_to_draft", user=hearing.planner)
    with pytest.raises(ValidationError, match="pendant la consultation"):
        remark(hearing)
    assert not Comment.objects.exists()


def test_a_comment_names_exactly_one_organisation(hearing):
    with pytest.raises(ValidationError, match="pas les deux"):
        remark(hearing, organisation_name="URPS")
    with pytest.raises(ValidationError, match="au nom de laquelle"):
        remark(hearing, organisation=None, organisation_name="  ")
    urps = remark(hearing, organisation=None, organisation_name=" URPS infirmiers ")
    assert urps.organisation_label == "URPS infirmiers"
    assert remark(hearing).organisation_label == "Hospices civils de Lyon"


def test_the_target_belongs_to_the_version_and_is_only_one(hearing):
    other = workflow.version_new_draft(hearing.world.schema, user=hearing.planner)
    foreign = services.volet_create(version=other, title="Ailleurs", user=hearing.planner)
    with pytest.raises(ValidationError, match="n'appartient pas"):
        remark(hearing, volet=foreign)
    with pytest.raises(ValidationError, match="pas les deux"):
        remark(hearing, volet=hearing.volet, objective=hearing.objective)
    with pytest.raises(ValidationError, match="vide"):
        remark(hearing, text="   ")
    assert not Comment.objects.exists()
    assert remark(hearing, volet=hearing.volet).target == hearing.volet


def test_a_reply_joins_the_thread_of_its_remark_with_its_target(hearing):
    first = remark(hearing, objective=hearing.objective)
    answer = consultation.reply(
        parent=first, user=hearing.planner, text="Pris en compte", organisation_name="ARS"
    )
    again = consultation.reply(
        parent=answer, user=hearing.director, text="Merci", organisation=hearing.entity
    )
    assert answer.parent == first and again.parent == first  # one level
    assert again.objective == hearing.objective and again.version == hearing.version
    with pytest.raises(ValidationError, match="Une réponse"):
        consultation.resolve(comment=answer, user=hearing.planner)


def test_resolving_and_reopening_are_idempotent_and_recorded(hearing):
    first = remark(hearing)
    resolved = consultation.resolve(comment=first, user=hearing.planner)
    at = resolved.resolved_at
    assert resolved.resolved_by == hearing.planner and at is not None
    assert consultation.resolve(comment=first.pk, user=hearing.planner).resolved_at == at
    reopened = consultation.reopen(comment=first, user=hearing.planner)
    assert reopened.resolved_at is None and reopened.resolved_by is None
    assert consultation.reopen(comment=first, user=hearing.planner).resolved_at is None
    history = list(
        first.history.order_by("history_date").values_list("history_user", "resolved_at")
    )
    assert [user for user, _ in history] == [hearing.director.pk] + [hearing.planner.pk] * 2
    assert [when is None for _, when in history] == [True, False, True]


def test_an_adopted_version_keeps_its_comments_as_they_are(hearing):
    first = remark(hearing)
    version = SchemaVersion.objects.get(pk=hearing.version.pk)
    workflow.version_transition(version, "adopt", user=hearing.planner)
    with pytest.raises(ValidationError, match="ne changent plus"):
        consultation.resolve(comment=first, user=hearing.planner)
    with pytest.raises(ValidationError, match="on ne répond plus"):
        consultation.reply(parent=first, user=hearing.planner, text="x", organisation_name="ARS")


# --- the database's checks ------------------------------------------------------------------


def _insert(h, **fields):
    values = {"version": h.version, "author": h.director, "text": "x", "organisation": h.entity}
    with transaction.atomic():
        Comment.objects.create(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"organisation_name": "URPS"}, "comment_one_organisation"),
        ({"organisation": None}, "comment_one_organisation"),
        ({"volet": "volet", "objective": "objective"}, "comment_one_target"),
        ({"resolved_by": "planner"}, "comment_resolved_by_has_date"),
        ({"parent": "parent", "resolved_at": "now"}, "comment_reply_not_resolved"),
    ],
)
def test_the_database_refuses_what_the_services_refuse(hearing, fields, constraint):
    parent = remark(hearing)
    known = {
        "volet": hearing.volet, "objective": hearing.objective, "planner": hearing.planner,
        "parent": parent, "now": parent.created_at,
    }  # fmt: skip
    values = {name: known.get(value, value) for name, value in fields.items()}
    with pytest.raises(IntegrityError, match=constraint):
        _insert(hearing, **values)
    assert Comment.objects.count() == 1


# --- selectors ------------------------------------------------------------------------------


def test_the_open_comments_of_a_version_come_in_the_schema_s_order(
    hearing, django_assert_num_queries
):
    on_objective = remark(hearing, objective=hearing.objective)
    on_volet = remark(hearing, volet=hearing.volet)
    on_version = remark(hearing, organisation=None, organisation_name="CRSA")
    done = remark(hearing)
    consultation.resolve(comment=done, user=hearing.planner)
    for _ in range(3):
        consultation.reply(parent=on_volet, user=hearing.planner, text="r", organisation_name="A")

    with django_assert_num_queries(2):  # the remarks, then their replies
        rows = list(version_comments(hearing.version))
        replies = [list(row.replies.all()) for row in rows]
        [(row.author.username, row.organisation_label, row.target) for row in rows]

    assert rows == [on_version, on_volet, on_objective]
    assert [len(r) for r in replies] == [0, 3, 0]
    assert rows[2].modality_label  # the catalogue's label, not the code
    assert list(version_comments(hearing.version, "resolved")) == [done]
    assert len(version_comments(hearing.version, "all")) == 4
    assert comment_counts(hearing.version) == {"open": 3, "resolved": 1}


# --- pages ----------------------------------------------------------------------------------


def _page(client, h, **query) -> str:
    response = client.get(reverse("schema:consultation", args=[h.version.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_director_comments_on_an_objective_by_its_finess_number(hearing, login_as):
    director = login_as("director")
    url = reverse("schema:comment_create", args=[hearing.version.pk])
    form = director.get(url, {"objective": hearing.objective.pk})
    assert form.status_code == 200 and 'name="objective"' in form.content.decode()
    data = {
        "objective": hearing.objective.pk,
        "text": "Trop peu",
        "organisation_finess": "690781810",
    }

    response = director.post(url, data)

    comment = Comment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.objective == hearing.objective and comment.organisation == hearing.entity
    again = director.get(url)  # the organisation is remembered
    assert 'value="690781810"' in again.content.decode()


def test_a_site_s_finess_number_names_its_legal_entity(hearing, login_as):
    site = Facility.objects.create(
        finess_et="690000880", name="Hôpital Édouard Herriot", kind="chu", source="manual",
        legal_entity=hearing.entity,
    )  # fmt: skip
    url = reverse("schema:comment_create", args=[hearing.version.pk])
    data = {"text": "Avis", "organisation_finess": site.finess_et}
    assert login_as("director").post(url, data).status_code == 302
    assert Comment.objects.get().organisation == hearing.entity


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"organisation_finess": "999999999"}, "Aucun établissement ni entité juridique n° 9"),
        ({"organisation_finess": "690781810", "organisation_name": "CH"}, "pas les deux"),
        ({}, "au nom de laquelle"),
        ({"organisation_name": "CH", "text": ""}, "Ce champ est obligatoire"),
    ],
)
def test_a_bad_comment_is_shown_again_with_the_reason(hearing, login_as, data, message):
    url = reverse("schema:comment_create", args=[hearing.version.pk])
    response = login_as("director").post(url, {"text": "Avis", **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("query", [{"volet": "abc"}, {"objective": "99999999"}])
def test_a_target_of_no_volet_or_objective_of_the_version_is_not_found(hearing, login_as, query):
    url = reverse("schema:comment_create", args=[hearing.version.pk])
    assert login_as("director").get(url, query).status_code == 404


def test_the_list_shows_each_remark_with_its_replies_and_filters_by_state(hearing, login_as):
    first = remark(hearing, volet=hearing.volet, text="Ajouter la filière AVC")
    consultation.reply(parent=first, user=hearing.planner, text="Prévu", organisation_name="ARS")
    done = remark(hearing, text="Coquille page 3")
    consultation.resolve(comment=done, user=hearing.planner)
    analyst = login_as("analyst")

    page = _page(analyst, hearing)
    assert "Ajouter la filière AVC" in page and "Prévu" in page and "Volet : Urgences" in page
    assert "Coquille page 3" not in page
    assert "Commentaires ouverts : 1 · résolus : 1" in page
    resolved = _page(analyst, hearing, etat="resolved")
    assert "Coquille page 3" in resolved and "Ajouter la filière AVC" not in resolved
    assert "Résolu par planner" in resolved
    unknown = _page(analyst, hearing, etat="nimporte")  # an unknown filter: the open ones
    assert "Ajouter la filière AVC" in unknown and "Coquille page 3" not in unknown


@pytest.mark.parametrize(
    ("persona", "reply", "resolve"),
    [("planner", True, True), ("director", True, False), ("analyst", True, False)],
)
def test_only_those_allowed_see_reply_and_resolve(hearing, login_as, persona, reply, resolve):
    first = remark(hearing)
    page = _page(login_as(persona), hearing)
    assert (reverse("schema:comment_reply", args=[first.pk]) in page) is reply
    assert (reverse("schema:comment_resolve", args=[first.pk]) in page) is resolve
    assert permissions.can_resolve(hearing.users[persona], hearing.version) is resolve


def test_the_version_page_links_each_volet_and_objective_to_a_comment(hearing, login_as):
    remark(hearing)
    for _ in range(2):
        remark(hearing, objective=hearing.objective)
    consultation.resolve(comment=remark(hearing, volet=hearing.volet), user=hearing.planner)
    page = login_as("director").get(reverse("schema:version", args=[hearing.version.pk]))
    html = page.content.decode()
    assert f"?volet={hearing.volet.pk}" in html and f"?objective={hearing.objective.pk}" in html
    assert re.search(r"3 commentaires ouverts\b", html)  # the version's
    row = html[html.index(f'id="objective-{hearing.objective.pk}"') :].split("</tr>")[0]
    assert "2 commentaires ouverts" in row
    volet = html[html.index(f'id="volet-{hearing.volet.pk}"') :].split("</h3>")[0]
    assert "commentaire" not in volet.replace("Commenter", "")  # its one remark is resolved
    workflow.version_transition(hearing.version, "return_to_draft", user=hearing.planner)
    html = login_as("director").get(reverse("schema:version", args=[hearing.version.pk]))
    assert "?volet=" not in html.content.decode()  # no comment outside consultation


def test_a_planner_resolves_and_reopens_from_the_list(hearing, login_as):
    first = remark(hearing)
    planner = login_as("planner")
    response = planner.post(reverse("schema:comment_resolve", args=[first.pk]))
    assert response.status_code == 302
    assert Comment.objects.get(pk=first.pk).resolved_by == hearing.planner
    assert "Aucun commentaire ouvert" in _page(planner, hearing)
    planner.post(reverse("schema:comment_reopen", args=[first.pk]))
    assert Comment.objects.get(pk=first.pk).resolved_at is None
    refused = login_as("director").post(reverse("schema:comment_resolve", args=[first.pk]))
    assert refused.status_code == 403
    assert Comment.objects.get(pk=first.pk).resolved_at is None


def test_a_reply_without_organisation_is_refused_with_a_message(hearing, login_as):
    first = remark(hearing)
    response = login_as("director").post(
        reverse("schema:comment_reply", args=[first.pk]), {"text": "Oui"}, follow=True
    )
    assert "au nom de laquelle" in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_list_page_costs_the_same_queries_for_one_comment_or_many(hearing, login_as):
    planner = login_as("planner")
    remark(hearing, objective=hearing.objective)
    planner.get(reverse("schema:consultation", args=[hearing.version.pk]))  # warm the session
    with CaptureQueriesContext(connection) as one:
        _page(planner, hearing)
    for target in ({"volet": hearing.volet}, {"objective": hearing.objective}, {}):
        parent = remark(hearing, **target)
        consultation.reply(parent=parent, user=hearing.planner, text="r", organisation_name="A")
    with CaptureQueriesContext(connection) as many:
        page = _page(planner, hearing)
    assert page.count('class="card comment"') == 4
    assert len(many) == len(one)
