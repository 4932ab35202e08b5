"""The volet, pilot-project, evaluation and inventory pages: who may see and use them, inline
validation, the conflict page, the objectives filter, and evaluation snapshots."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import IndicatorRun, IndicatorValue
from pathways.models import Level
from sros import services, workflow
from sros.models import Evaluation, Initiative, InitiativeDepartment, Milestone, PilotProject, Volet

pytest_plugins = ["tests.personas"]

PERSONAS = ["planner", "other_planner", "director", "analyst", "admin"]
READERS = {"planner": 200, "director": 200, "analyst": 200, "admin": 200, "other_planner": 403}
PLANNER_ONLY = {"planner": 200, "director": 403, "analyst": 403, "admin": 403, "other_planner": 403}


@pytest.fixture
def pages(world):
    """The persona world plus a volet, two objectives and a pilot project with a milestone."""
    planner = world.users["planner"]
    volet = services.volet_create(
        version=world.draft, title="Urgences", narrative="Texte **initial**", user=planner
    )
    for zone, (low, high) in (("A", (1, 2)), ("B", (0, 1))):
        services.objective_create(
            version=world.draft, user=planner, zone=world.zones[zone],
            activity=world.activities["urgences"], modality="su", minimum=low, maximum=high,
        )  # fmt: skip
    services.objective_create(
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities["psychiatrie"], modality="adultes", minimum=0, maximum=3,
    )  # fmt: skip
    project = services.pilot_project_create(
        schema=world.schema, title="Antenne SMUR", theme=_theme("urgences"),
        zone=world.zones["B"], start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 12, 31),
        user=planner,
    )  # fmt: skip
    services.milestone_add(project=project, title="Diagnostic", due_date=dt.date(2025, 3, 1))
    world.volet, world.project = volet, project
    return world


def _theme(code):
    from sros.models import VoletTheme

    return VoletTheme.objects.get(code=code)


def volet_post(w, **overrides):
    data = {
        "title": "Urgences", "theme": "", "narrative": "Nouveau texte", "pathway": "",
        "order": 0, "lock_version": w.volet.lock_version,
        "activities": [w.activities["urgences"].pk],
    }  # fmt: skip
    return {**data, **overrides}


def project_post(w, milestones=(), **overrides):
    project = getattr(w, "project", None)
    existing = list(project.milestones.all()) if project else []
    data = {
        "title": "Antenne SMUR", "theme": _theme("urgences").pk, "zone": w.zones["B"].pk,
        "start_date": "2025-01-01", "end_date": "2026-12-31", "description": "",
        "lock_version": project.lock_version if project else 0,
        "milestones-TOTAL_FORMS": len(existing) + len(milestones),
        "milestones-INITIAL_FORMS": len(existing), "milestones-MIN_NUM_FORMS": 0,
        "milestones-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    rows = [
        {"id": m.pk, "title": m.title, "due_date": m.due_date.isoformat(), "status": m.status}
        for m in existing
    ] + list(milestones)
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"milestones-{index}-{key}"] = value
    return {**data, **overrides}


CASES = {
    "volet_view": ("get", lambda w: reverse("schema:volet_edit", args=[w.volet.pk]), None, READERS),
    "volet_save": (
        "post", lambda w: reverse("schema:volet_edit", args=[w.volet.pk]), volet_post,
        {**PLANNER_ONLY, "planner": 302},
    ),
    "volet_new": (
        "get", lambda w: reverse("schema:volet_create", args=[w.draft.pk]), None, PLANNER_ONLY,
    ),
    "projects": ("get", lambda w: reverse("schema:projects", args=["84"]), None, READERS),
    "project": ("get", lambda w: reverse("schema:project", args=[w.project.pk]), None, READERS),
    "project_new": (
        "get", lambda w: reverse("schema:project_create", args=["84"]), None, PLANNER_ONLY,
    ),
    "project_edit": (
        "get", lambda w: reverse("schema:project_edit", args=[w.project.pk]), None, PLANNER_ONLY,
    ),
    "project_save": (
        "post", lambda w: reverse("schema:project_edit", args=[w.project.pk]), project_post,
        {**PLANNER_ONLY, "planner": 302},
    ),
    "evaluation_new": (
        "get", lambda w: reverse("schema:evaluation_create", args=[w.project.pk]), None,
        PLANNER_ONLY,
    ),
    "evaluation_save": (
        "post", lambda w: reverse("schema:evaluation_create", args=[w.project.pk]),
        lambda w: {"year": 2025, "text": "Bilan"}, {**PLANNER_ONLY, "planner": 302},
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("view", "persona"), [(v, p) for v in CASES for p in ["anonymous", *PERSONAS]]
)
def test_permission_matrix_of_the_new_pages(pages, login_as, client, view, persona):
    method, url_of, data_of, expected = CASES[view]
    http = client if persona == "anonymous" else login_as(persona)
    kwargs = {"data": data_of(pages)} if data_of else {}
    response = getattr(http, method)(url_of(pages), **kwargs)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == expected[persona], (view, persona)


def test_refused_writes_on_projects_and_volets_leave_nothing(pages, login_as):
    for persona in ["director", "analyst", "admin", "other_planner"]:
        http = login_as(persona)
        http.post(reverse("schema:volet_edit", args=[pages.volet.pk]), volet_post(pages))
        http.post(
            reverse("schema:evaluation_create", args=[pages.project.pk]),
            {"year": 2025, "text": "x"},
        )
        http.post(reverse("schema:project_create", args=["84"]), project_post(pages))
    assert Volet.objects.get(pk=pages.volet.pk).narrative == "Texte **initial**"
    assert Evaluation.objects.count() == 0
    assert PilotProject.objects.count() == 1


# --- Volets ---------------------------------------------------------------------------------


def test_the_preview_renders_sanitised_markdown_without_saving(pages, login_as):
    narrative = "## Titre\n\n**gras** <script>alert(1)</script> [x](javascript:alert(1))"
    response = login_as("planner").post(
        reverse("schema:volet_edit", args=[pages.volet.pk]),
        volet_post(pages, narrative=narrative, preview="1"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    preview = html[
        html.index('id="preview"') : html.index("</section>", html.index('id="preview"'))
    ]
    assert "<h2>Titre</h2>" in preview and "<strong>gras</strong>" in preview
    assert "<script>" not in preview and 'href="javascript' not in preview
    assert Volet.objects.get(pk=pages.volet.pk).narrative == "Texte **initial**"


def test_a_planner_creates_and_edits_a_volet(pages, login_as):
    planner = login_as("planner")
    response = planner.post(
        reverse("schema:volet_create", args=[pages.draft.pk]),
        {"title": "Périnatalité", "narrative": "Deux maternités", "order": 1,
         "activities": [pages.activities["obstetrique"].pk]},
    )  # fmt: skip
    assert response.status_code == 302
    volet = Volet.objects.get(title="Périnatalité")
    assert list(volet.activities.values_list("code", flat=True)) == ["obstetrique"]
    response = planner.post(reverse("schema:volet_edit", args=[pages.volet.pk]), volet_post(pages))
    assert response.status_code == 302
    assert Volet.objects.get(pk=pages.volet.pk).narrative == "Nouveau texte"
    page = planner.get(reverse("schema:version", args=[pages.draft.pk])).content.decode()
    assert "Deux maternités" in page and reverse("schema:volet_edit", args=[volet.pk]) in page


def test_a_volet_without_title_is_refused_inline(pages, login_as):
    response = login_as("planner").post(
        reverse("schema:volet_edit", args=[pages.volet.pk]), volet_post(pages, title="")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["title"]
    assert 'class="errorlist' in response.content.decode()


def test_a_stale_volet_save_gets_the_conflict_page_and_keeps_the_input(pages, login_as):
    stale = volet_post(pages, narrative="Ma version du texte")
    services.volet_update(
        pages.volet.pk, lock_version=pages.volet.lock_version, narrative="Texte de l'autre",
        user=pages.users["planner"],
    )  # fmt: skip
    response = login_as("planner").post(reverse("schema:volet_edit", args=[pages.volet.pk]), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Texte de l&#x27;autre" in html or "Texte de l'autre" in html
    assert response.context["form"]["narrative"].value() == "Ma version du texte"
    assert Volet.objects.get(pk=pages.volet.pk).narrative == "Texte de l'autre"
    retry = response.context["form"].data.copy()
    again = login_as("planner").post(reverse("schema:volet_edit", args=[pages.volet.pk]), retry)
    assert again.status_code == 302
    assert Volet.objects.get(pk=pages.volet.pk).narrative == "Ma version du texte"


def test_a_volet_of_an_adopted_version_cannot_be_changed(pages, login_as):
    planner = pages.users["planner"]
    workflow.version_transition(pages.draft, "submit", user=planner)
    response = login_as("planner").post(
        reverse("schema:volet_edit", args=[pages.volet.pk]), volet_post(pages)
    )
    assert response.status_code == 403
    page = login_as("planner").get(reverse("schema:volet_edit", args=[pages.volet.pk]))
    assert page.status_code == 200 and "lecture seule" in page.content.decode()


# --- Version page ---------------------------------------------------------------------------


def _rows(response):
    return [objective.pk for objective, _result in response.context["objectives"]]


def test_the_objectives_filter_by_activity_and_zone(pages, login_as):
    http = login_as("analyst")
    url = reverse("schema:version", args=[pages.draft.pk])
    urgences, zone_a = pages.activities["urgences"], pages.zones["A"]
    assert len(_rows(http.get(url))) == 3
    assert len(_rows(http.get(url, {"activity": urgences.pk}))) == 2
    assert len(_rows(http.get(url, {"zone": zone_a.pk}))) == 2
    both = http.get(url, {"activity": urgences.pk, "zone": zone_a.pk})
    (objective,) = [o for o, _r in both.context["objectives"]]
    assert (objective.activity, objective.zone) == (urgences, zone_a)
    assert 'class="badge badge-' in both.content.decode()
    zone_choices = {z.pk for z in both.context["filter_form"].fields["zone"].queryset}
    assert zone_choices == {z.pk for z in pages.zoning.zones.all()}


@pytest.mark.parametrize("query", [{"activity": "abc"}, {"zone": "-1"}, {"zone": "9999999"}])
def test_bad_filter_input_shows_the_page_not_an_error(pages, login_as, query):
    response = login_as("analyst").get(reverse("schema:version", args=[pages.draft.pk]), query)
    assert response.status_code == 200
    assert len(_rows(response)) == 3


def test_the_version_page_counts_the_open_comments_of_its_consultation(pages, login_as):
    workflow.version_transition(pages.draft, "submit", user=pages.users["planner"])
    login_as("director").post(
        reverse("schema:comment_create", args=[pages.draft.pk]),
        {"text": "Avis", "organisation_name": "CH de Lyon"},
    )
    page = login_as("analyst").get(reverse("schema:version", args=[pages.draft.pk]))
    assert "1 commentaire ouvert" in page.content.decode()
    page = login_as("analyst").get(reverse("schema:consultation", args=[pages.draft.pk]))
    assert "Avis" in page.content.decode() and "director" in page.content.decode()


# --- Pilot projects -------------------------------------------------------------------------


def test_a_planner_creates_a_project_with_milestones(pages, login_as):
    del pages.project
    data = project_post(
        pages,
        milestones=[
            {"title": "Lancement", "due_date": "2025-02-01", "status": "done"},
            {"title": "", "due_date": "", "status": "planned"},
        ],
        title="Télé-régulation",
    )
    response = login_as("planner").post(reverse("schema:project_create", args=["84"]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    project = PilotProject.objects.get(title="Télé-régulation")
    assert list(project.milestones.values_list("title", "status")) == [("Lancement", "done")]
    listing = login_as("director").get(
        reverse("schema:projects", args=["84"]), {"volet": "urgences"}
    )
    assert {p.title for p in listing.context["projects"]} == {"Antenne SMUR", "Télé-régulation"}
    other = login_as("director").get(reverse("schema:projects", args=["84"]), {"volet": "x"})
    assert list(other.context["projects"]) == []


def test_dates_out_of_order_are_refused_inline(pages, login_as):
    data = project_post(pages, start_date="2026-01-01", end_date="2025-01-01")
    response = login_as("planner").post(
        reverse("schema:project_edit", args=[pages.project.pk]), data
    )
    assert response.status_code == 422
    assert "précède la date de début" in response.context["form"].errors["end_date"][0]
    assert "précède la date de début" in response.content.decode()


def test_a_milestone_outside_the_period_is_refused_inline(pages, login_as):
    data = project_post(
        pages, milestones=[{"title": "Trop tard", "due_date": "2030-01-01", "status": "planned"}]
    )
    response = login_as("planner").post(
        reverse("schema:project_edit", args=[pages.project.pk]), data
    )
    assert response.status_code == 422
    errors = [form.errors for form in response.context["formset"] if form.errors]
    assert errors and "période du projet" in errors[0]["due_date"][0]
    assert not Milestone.objects.filter(title="Trop tard").exists()


def test_milestones_are_edited_and_deleted_from_the_project_form(pages, login_as):
    milestone = pages.project.milestones.get()
    data = project_post(
        pages, milestones=[{"title": "Ouverture", "due_date": "2026-06-01", "status": "planned"}]
    )
    data["milestones-0-status"] = "done"
    planner = login_as("planner")
    assert (
        planner.post(reverse("schema:project_edit", args=[pages.project.pk]), data).status_code
        == 302
    )
    assert Milestone.objects.get(pk=milestone.pk).status == "done"
    assert pages.project.milestones.count() == 2
    pages.project.refresh_from_db()
    data = project_post(pages)
    data["milestones-0-DELETE"] = "on"
    assert (
        planner.post(reverse("schema:project_edit", args=[pages.project.pk]), data).status_code
        == 302
    )
    assert list(pages.project.milestones.values_list("title", flat=True)) == ["Ouverture"]


def test_a_stale_project_save_gets_the_conflict_page(pages, login_as):
    data = project_post(pages, title="Mon titre")
    services.pilot_project_update(
        pages.project.pk, lock_version=0, title="Titre de l'autre", user=pages.users["planner"]
    )
    response = login_as("planner").post(
        reverse("schema:project_edit", args=[pages.project.pk]), data
    )
    assert response.status_code == 409
    assert response.context["form"]["title"].value() == "Mon titre"
    assert "Titre de l" in response.content.decode()
    assert PilotProject.objects.get(pk=pages.project.pk).title == "Titre de l'autre"


# --- Evaluations ----------------------------------------------------------------------------


def _done_run(region, zone, values, finished_at):
    run = IndicatorRun.objects.create(
        region=region, provider="crowfly", status="done", progress=100, finished_at=finished_at
    )
    level = Level.objects.order_by("pk").first()
    for indicator, value in values.items():
        IndicatorValue.objects.create(
            run=run, unit_kind="zone", unit_code=zone.code, zoning=zone.zoning,
            indicator=indicator, level=level, value=value,
        )  # fmt: skip
    # Another zone's value must not leak into the snapshot.
    IndicatorValue.objects.create(
        run=run, unit_kind="zone", unit_code="A", zoning=zone.zoning,
        indicator="mean_minutes", level=level, value=999.0,
    )  # fmt: skip
    return run, level


def test_an_evaluation_holds_the_latest_done_runs_values_for_the_zone(pages, login_as):
    zone, now = pages.zones["B"], timezone.now()
    _done_run(
        pages.region, zone, {"mean_minutes": 41.0, "share_beyond": 0.5}, now - dt.timedelta(days=9)
    )
    latest, level = _done_run(pages.region, zone, {"mean_minutes": 23.5, "share_beyond": 0.1}, now)
    IndicatorRun.objects.create(region=pages.region, provider="crowfly", status="running")
    response = login_as("planner").post(
        reverse("schema:evaluation_create", args=[pages.project.pk]),
        {"year": 2025, "text": "Bilan de la première année", "indicators": ["mean_minutes"]},
    )
    assert response.status_code == 302
    snapshot = Evaluation.objects.get(project=pages.project, year=2025).indicator_snapshot
    assert snapshot["run_id"] == latest.pk
    assert snapshot["run_date"] == now.isoformat()
    assert snapshot["values"] == [
        {
            "indicator": "mean_minutes", "level": str(level),
            "unit": f"zone B ({zone.zoning.name})", "value": 23.5,
            "run_id": latest.pk, "run_date": now.isoformat(),
        }
    ]  # fmt: skip
    # Later runs do not change what the evaluation recorded.
    _done_run(pages.region, zone, {"mean_minutes": 5.0}, now + dt.timedelta(days=1))
    page = login_as("analyst").get(reverse("schema:project", args=[pages.project.pk]))
    html = page.content.decode()
    assert "23,5" in html and "Temps d&#x27;accès moyen" in html or "Temps d'accès moyen" in html


def test_an_evaluation_without_any_done_run_has_an_empty_snapshot(pages, login_as):
    response = login_as("planner").post(
        reverse("schema:evaluation_create", args=[pages.project.pk]),
        {"year": 2025, "text": "Bilan", "indicators": ["mean_minutes"]},
    )
    assert response.status_code == 302
    assert Evaluation.objects.get().indicator_snapshot == {}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": 2019, "text": "Trop tôt"}, "year"),
        ({"year": 2025, "text": ""}, "text"),
        ({"year": "deux mille", "text": "x"}, "year"),
        ({"year": 2025, "text": "x", "indicators": ["inconnu"]}, "indicators"),
    ],
)
def test_invalid_evaluations_are_refused_inline(pages, login_as, data, field):
    response = login_as("planner").post(
        reverse("schema:evaluation_create", args=[pages.project.pk]), data
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors.get(field) or (field == "year" and form.non_field_errors())
    assert Evaluation.objects.count() == 0


def test_a_second_evaluation_of_the_same_year_is_refused(pages, login_as):
    url = reverse("schema:evaluation_create", args=[pages.project.pk])
    planner = login_as("planner")
    assert planner.post(url, {"year": 2025, "text": "a"}).status_code == 302
    response = planner.post(url, {"year": 2025, "text": "b"})
    assert response.status_code == 422
    assert "existe déjà" in response.content.decode()


# --- Initiatives ----------------------------------------------------------------------------


def test_the_inventory_filters_by_kind_departement_and_reproducibility(world, login_as):
    Initiative.objects.all().delete()
    msp = Initiative.objects.create(
        title="MSP du plateau", kind="regroupement", description="Maison de santé",
        reproducibility="Reproductible en zone rurale",
    )  # fmt: skip
    InitiativeDepartment.objects.create(initiative=msp, department_code="15")
    tele = Initiative.objects.create(
        title="Télé-expertise", kind="telemedecine", description="Dermatologie"
    )
    InitiativeDepartment.objects.create(initiative=tele, department_code="69")
    http, url = login_as("other_planner"), reverse("schema:initiatives")

    def titles(**query):
        response = http.get(url, query)
        assert response.status_code == 200
        return [i.title for i in response.context["initiatives"]]

    assert titles() == ["MSP du plateau", "Télé-expertise"]
    assert titles(kind="telemedecine") == ["Télé-expertise"]
    assert titles(department="15") == ["MSP du plateau"]
    assert titles(reproducibility="rurale") == ["MSP du plateau"]
    assert titles(q="santé plateau") == ["MSP du plateau"]
    assert titles(kind="inexistant") == ["MSP du plateau", "Télé-expertise"]
