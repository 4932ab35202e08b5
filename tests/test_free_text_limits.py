"""Free text typed by users is bounded (sros.text_limits): a 2 MB comment, justification,
narrative or description is refused with a clear message (the form's error, or a 400 naming
the field in the API) and nothing is stored."""

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from sros import text_limits, workflow
from sros.models import Comment, Objective, PilotProject, Scenario, SchemaVersion, Volet, VoletTheme
from tests.api_helpers import api_client

pytest_plugins = ["tests.personas"]

TWO_MB = "a" * (2 * 1024 * 1024)


def counts() -> list[int]:
    return [model.objects.count() for model in (Volet, Objective, Scenario, PilotProject)]


def test_every_free_text_field_of_the_schema_is_bounded():
    unbounded = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("sros").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.max_length is None
    ]
    assert unbounded == []


def test_a_two_megabyte_comment_is_refused_with_the_limit_named(world, client):
    workflow.version_transition(world.draft, "submit", user=world.users["planner"])
    client.force_login(world.users["director"])
    url = reverse("schema:comment_create", args=[world.draft.pk])

    response = client.post(url, {"text": TWO_MB, "organisation_name": "CH"})

    assert response.status_code == 422
    page = response.content.decode()
    assert f"au plus {text_limits.COMMENT} caractères" in page
    assert f'maxlength="{text_limits.COMMENT}"' in page
    assert not Comment.objects.exists()
    response = client.post(url, {"text": "Avis", "organisation_name": "x" * 2000})
    assert f"au plus {text_limits.ORGANISATION} caractères" in response.content.decode()
    assert not Comment.objects.exists()
    client.post(url, {"text": "Avis favorable", "organisation_name": "CH"})
    assert Comment.objects.get().text == "Avis favorable"


def test_a_transition_with_a_huge_comment_does_not_happen(world, client):
    client.force_login(world.users["planner"])
    url = reverse("schema:transition", args=[world.draft.pk, "submit"])

    response = client.post(url, {"comment": TWO_MB}, follow=True)

    assert "caractères" in response.content.decode()
    assert SchemaVersion.objects.get(pk=world.draft.pk).state == "draft"


def test_the_objective_form_refuses_a_huge_justification(world, client):
    client.force_login(world.users["planner"])
    url = reverse("schema:objective_create", args=[world.draft.pk])
    data = {
        "zone": world.zones["A"].pk,
        "activity": world.activities["urgences"].pk,
        "modality": "su",
        "minimum": 1,
        "maximum": 2,
        "justification": TWO_MB,
    }
    form = client.get(url).content.decode()
    assert f'maxlength="{text_limits.COMMENT}"' in form  # the browser stops typing there too

    response = client.post(url, data)

    assert response.status_code in (200, 422)
    assert "justification" in response.context["form"].errors
    assert not Objective.objects.filter(version=world.draft).exists()


@pytest.mark.parametrize(
    ("endpoint", "field", "payload"),
    [
        ("/api/volets/", "narrative", lambda w: {"version": w.draft.pk, "title": "Urgences"}),
        (
            "/api/objectifs/",
            "justification",
            lambda w: {
                "version": w.draft.pk,
                "zone": w.zones["B"].pk,
                "activity": w.activities["urgences"].pk,
                "modality": "su",
                "minimum": 1,
            },
        ),
        ("/api/scenarios/", "description", lambda w: {"version": w.draft.pk, "name": "Fermeture"}),
        (
            "/api/projets-pilotes/",
            "description",
            lambda w: {
                "region": w.region.code,
                "title": "Télé-expertise",
                "theme": VoletTheme.objects.first().pk,
                "zone": w.zones["A"].pk,
                "start_date": "2026-01-01",
            },
        ),
    ],
)
def test_the_api_answers_400_naming_the_too_long_field(world, endpoint, field, payload):
    client = api_client(world.users["planner"])
    body = payload(world)

    before = counts()

    response = client.post(endpoint, {**body, field: TWO_MB}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert "caractères" in response.json()[field][0]
    assert counts() == before
    accepted = client.post(endpoint, {**body, field: "Court."}, format="json")
    assert accepted.status_code == 201, accepted.content
