"""One door (issue 9, section 2): every entry point checks the region and the role.

``TABLE`` declares, for every URL pattern and every method its view accepts (plus the methods
it refuses, where refusing is the point), which of the nine personas may do it. Each persona
sends the request once, on a minimal region built once for the module:

- allowed → 2xx/3xx (a logged-in persona is never sent to the login page instead);
- refused → 403/404/405 (anonymous: 302 to the login page on pages, 401/403 on the API, the
  admin's own login on the admin), **and the database is unchanged**: every insert, update
  and delete of the request is read from ``pg_stat_xact_user_tables`` (PostgreSQL's counters
  of the current transaction, per table), before and after. That is stricter than comparing
  row counts: an update, or an insert undone by a delete, shows too.

Each request runs in a savepoint rolled back afterwards, so an allowed write (a new draft, a
submitted version…) leaves the region as it was for the next persona; the ``on_commit``
hooks (Celery) never fire. ``test_every_url_pattern_has_a_row`` walks the URL resolver (the
includes, the API router, the admin as one prefix row) and names any pattern without a row.

The table runs with CSRF checks off (``Client()``); ``test_csrf_holds_…`` proves they hold.
This module replaces ``test_login_required.py`` (anonymous visitors on sample paths): the
anonymous persona is in every row, and the admin walk keeps its sample paths.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from operator import attrgetter
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access.models import RegionMembership
from access.services import membership_grant
from dashboard.models import ExportJob
from facilities.models import Facility, FacilityGroup, LegalEntity
from indicators import services as indicator_services
from indicators.models import AplRun, IndicatorRun, IndicatorValue, PatientFlow, PmsiGeoCommune
from opendata.models import ImportRecord, ImportUpload
from pathways.models import Level
from sros import consultation_services, scenarios, services, workflow
from sros.models import (
    AuthorisedActivity,
    DoctorsZoning,
    DoctorsZoningEntry,
    Initiative,
    Scenario,
    SchemaVersion,
    SuggestionJob,
    VoletTheme,
    ZoningMethod,
)
from territories.services import zoning_create
from tests.factories import make_commune_grid, make_department, make_region
from tests.module_data import data_of_the_module
from tests.personas import make_user

pytestmark = pytest.mark.django_db

# --- personas -------------------------------------------------------------------------------

PERSONAS = (
    "anonymous", "no_role",
    "planner", "director", "analyst",
    "other_planner", "other_director", "other_analyst",
    "admin",
)  # fmt: skip
EVERYONE = frozenset(PERSONAS)
USERS = EVERYONE - {"anonymous"}
READERS = frozenset({"planner", "director", "analyst", "admin"})  # may view region 84
STARTERS = frozenset({"planner", "admin"})  # access.roles.can_start_run
PLANNER = frozenset({"planner"})  # edits the schema of region 84 (admins do not)
COMMENTERS = frozenset({"planner", "director", "analyst"})  # during consultation
OWNER = frozenset({"analyst"})  # asked for the export job
ADMIN = frozenset({"admin"})
NOBODY = frozenset()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Region 84 (one département, three communes, a zoning of two zones, two facilities, a
    crow-fly run of one level, a schema with a version in consultation and a draft, volets,
    objectives, a scenario, a pilot project, an export job, an initiative) and region 11 with
    the same three roles; one logged-in client per persona. Built once, rolled back at the
    end of the module."""
    with data_of_the_module(django_db_blocker):
        yield _build()


def _build() -> SimpleNamespace:
    region = make_region("84", "Région d'essai")
    other_region = make_region("11", "Autre région")
    department = make_department("69", "Rhône", region=region)
    make_commune_grid(1, 1, department=make_department("75", "Paris", region=other_region))
    communes = make_commune_grid(3, 1, department=department)
    codes = [c.code for c in communes]
    zoning = zoning_create(
        region=region, name="Zones", kind="schema",
        zones={"A": ("Zone A", codes[:2]), "B": ("Zone B", codes[2:])},
    )  # fmt: skip
    zones = {z.code: z for z in zoning.zones.all()}
    hospital = _facility("690000011", communes[0], "ch")
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    clinic = _facility("690000029", communes[2], "clinique")
    entity = LegalEntity.objects.create(finess_ej="690000003", name="CH fictif")
    Facility.objects.filter(pk__in=[hospital.pk, clinic.pk]).update(legal_entity=entity)
    group = FacilityGroup.objects.create(kind="ght", code="GHT84", name="GHT", support=entity)
    group.members.add(entity)
    # Patient flows: residents of the first commune's PMSI code treated at the hospital.
    PmsiGeoCommune.objects.create(year=2023, pmsi_code="69001", commune=communes[0], share=1.0)
    PatientFlow.objects.create(
        year=2023, activity="MCO", pmsi_code="69001", finess="690000011", level="et",
        facility=hospital, stays=120,
    )  # fmt: skip

    users = {"no_role": make_user("p_no_role"), "admin": make_user("p_admin", is_superuser=True)}
    users["admin"].is_staff = True
    users["admin"].save(update_fields=["is_staff"])
    for prefix, where in (("", region), ("other_", other_region)):
        for role in RegionMembership.Role.values:
            users[prefix + role] = make_user(f"p_{prefix}{role}")
            membership_grant(user=users[prefix + role], region=where, role=role)
    planner = users["planner"]

    level = Level.objects.get(pathway__code="urgences", rank=1)
    run = indicator_services.run_create(
        region=region, levels=[level], requested_by=planner, enqueue=False
    )
    run = indicator_services.run_compute(run.pk)
    apl_run = AplRun.objects.create(region=region, provider="crow_fly", unit="ETP")
    doctors_zoning = _doctors_zoning(region, codes)
    activity = AuthorisedActivity.objects.get(code="urgences")
    theme = VoletTheme.objects.get(code="urgences")

    schema = services.schema_create(region=region)
    consultation = workflow.version_new_draft(schema, user=planner)
    services.version_set_zoning(version=consultation, zoning=zoning, user=planner)
    consultation_volet = services.volet_create(version=consultation, title="Avant", user=planner)
    consultation_objective = services.objective_create(
        version=consultation, zone=zones["A"], activity=activity, modality="su",
        minimum=0, maximum=2, user=planner,
    )  # fmt: skip
    workflow.version_transition(consultation, "submit", user=planner)
    comment = consultation_services.comment_create(
        version=consultation, user=users["director"], text="Avis", organisation=entity,
        objective=consultation_objective,
    )  # fmt: skip
    resolved = consultation_services.comment_create(
        version=consultation, user=users["analyst"], text="Vu", organisation_name="URPS"
    )
    consultation_services.resolve(comment=resolved, user=planner)
    draft = workflow.version_new_draft(schema, user=planner)
    services.version_set_zoning(version=draft, zoning=zoning, user=planner)
    volet = services.volet_create(version=draft, title="Urgences", user=planner)
    objective = services.objective_create(
        version=draft, zone=zones["A"], activity=activity, modality="su",
        minimum=0, maximum=2, user=planner,
    )  # fmt: skip
    scenario = scenarios.scenario_create(
        version=draft, name="Fermeture", user=planner,
        changes=[{"kind": "close", "finess": hospital.finess_et}],
    )  # fmt: skip
    suggestion = SuggestionJob.objects.create(
        scenario=scenario, user=planner, model="mclp", status="done", progress=100,
        parameters={"level": level.pk, "target_minutes": 30.0, "p": 1, "points": None},
    )  # fmt: skip
    project = services.pilot_project_create(
        schema=schema, title="Antenne", theme=theme, zone=zones["B"],
        start_date=dt.date(2025, 1, 1), user=planner,
    )  # fmt: skip
    initiative = Initiative.objects.create(title="MSP", kind="regroupement", description="x")
    job = ExportJob.objects.create(
        user=users["analyst"], region=region, target=ExportJob.Target.FACILITIES,
        extension="csv", status=ExportJob.Status.DONE, progress=100, filename="e.csv",
        content=b"finess\n", size=7,
    )  # fmt: skip

    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    imports = [
        ImportRecord.objects.create(
            kind="finess", file_name=f"finess-{code}.csv", started_at=now, finished_at=now,
            status="done", created=1, rows_by_department={code: 1},
        )
        for code in ("69", "75")
    ]  # fmt: skip

    upload = ImportUpload.objects.create(
        user=planner, region=region, kind="authorisations", file_name="a.csv", size=1,
        sha256="0" * 64, status=ImportUpload.Status.DONE, progress=100,
    )  # fmt: skip

    clients, sessions = {}, {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if persona != "anonymous":
            clients[persona].force_login(users[persona])
            sessions[persona] = clients[persona].cookies[settings.SESSION_COOKIE_NAME].value
    return SimpleNamespace(
        region=region, other_region=other_region, department=department, communes=communes,
        commune=communes[0], zoning=zoning, zones=zones, zone_a=zones["A"], hospital=hospital,
        clinic=clinic,
        authorisation=hospital.authorisations.get(), group=group, level=level, run=run,
        value=IndicatorValue.objects.filter(run=run).first(), activity=activity, theme=theme,
        schema=schema, consultation=consultation, consultation_volet=consultation_volet,
        consultation_objective=consultation_objective, draft=draft, volet=volet,
        objective=objective, scenario=Scenario.objects.get(pk=scenario.pk), project=project,
        initiative=initiative, job=job, users=users, clients=clients, sessions=sessions,
        import_84=imports[0], import_11=imports[1], apl_run=apl_run, upload=upload,
        doctors_zoning=doctors_zoning, comment=comment, resolved=resolved, suggestion=suggestion,
    )  # fmt: skip


def _doctors_zoning(region, codes) -> DoctorsZoning:
    """A confirmed doctors' zoning of one TVS in the vivier (a planner may move it)."""
    tvs = zoning_create(region=region, name="TVS", kind="tvs", zones={"T1": ("TVS 1", codes)})
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    zoning = DoctorsZoning.objects.create(
        region=region, method=ZoningMethod.objects.get(code="2017-11-13"), tvs_zoning=tvs,
        basis="estimate", basis_label="calcul #0", apl_unit="consultations",
        region_population=600, computed_at=now, confirmed_at=now,
    )  # fmt: skip
    DoctorsZoningEntry.objects.create(
        zoning=zoning, zone=tvs.zones.get(), population=600, apl=3.0, apl_basis="calcul #0",
        automatic="vivier", category="vivier",
    )  # fmt: skip
    return zoning


def _facility(finess: str, commune, kind: str) -> Facility:
    return Facility.objects.create(
        finess_et=finess, name=f"Site fictif {finess}", kind=kind, source="manual",
        commune=commune, point=Point(*commune.point.coords, srid=4326),
    )  # fmt: skip


def client_of(w, persona: str) -> Client:
    """The persona's client with its session cookie only: a previous request's language,
    CSRF or logout cookie does not carry over."""
    client = w.clients[persona]
    client.cookies = SimpleCookie()
    if persona in w.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[persona]
    return client


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """``url_name`` with ``kwargs`` (``"@draft.pk"`` reads the fixture), sent with ``method``
    (and ``data``, a function of the fixture; JSON on the API), allowed to ``allowed``.
    ``ok`` replaces 2xx/3xx as the allowed answer where the endpoint answers a public
    request with an error by design (the token endpoint without valid credentials);
    ``to_login`` where being sent to the login page is the answer (logging out)."""

    url_name: str
    kwargs: dict = field(default_factory=dict)
    method: str = "GET"
    allowed: frozenset = NOBODY
    data: object = None
    query: str = ""
    ok: frozenset = frozenset()
    to_login: bool = False

    def path(self, w) -> str:
        kwargs = {
            k: attrgetter(v[1:])(w) if isinstance(v, str) and v.startswith("@") else v
            for k, v in self.kwargs.items()
        }
        path = reverse(self.url_name, kwargs=kwargs)
        query = self.query(w) if callable(self.query) else self.query
        return f"{path}?{query}" if query else path

    @property
    def id(self) -> str:
        return f"{self.method} {self.url_name} {','.join(sorted(self.kwargs.values(), key=str))}"


def R(url_name, kwargs=None, method="GET", allowed=NOBODY, data=None, **options) -> Row:
    return Row(url_name, kwargs or {}, method, frozenset(allowed), data, **options)


def objective_form(w, zone="B", **extra):
    return {
        "activity": w.activity.pk, "modality": "su", "zone": w.zones[zone].pk, "minimum": 0,
        "maximum": 3, "max_access_minutes": "", "justification": "", **extra,
    }  # fmt: skip


def objective_grid_form(objective):
    """The objectives grid sent with one row edited (its minimum 0 → 1)."""

    def data(w):
        row = attrgetter(objective)(w)
        values = {"minimum": "1", "maximum": "2", "max_access_minutes": "", "justification": ""}
        shown = {**values, "minimum": "0"}
        return {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "5000", "form-0-id": row.pk,
            "form-0-lock_version": row.lock_version,
            **{f"form-0-{name}": value for name, value in values.items()},
            **{f"initial-form-0-{name}": value for name, value in shown.items()},
        }  # fmt: skip

    return data


def confirmed(version, name):
    """The confirmation page's POST of an irreversible transition (the version read again:
    the fixture's instance predates its own transitions)."""
    version = SchemaVersion.objects.get(pk=version.pk)
    return {"confirm": "1", "expected": workflow.transition_plan(version, name).token}


def volet_form(w, **extra):
    return {"title": "Volet", "theme": "", "narrative": "Texte", "pathway": "", "order": 0,
            "activities": [w.activity.pk], **extra}  # fmt: skip


def comment_form(w, **extra):
    return {"text": "Avis", "organisation_name": "URPS médecins libéraux", **extra}


def scenario_form(w, **extra):
    data = {"name": "Scénario", "description": "", "lock_version": "", **extra}
    data |= {"changes-TOTAL_FORMS": "1", "changes-INITIAL_FORMS": "0",
             "changes-MIN_NUM_FORMS": "0", "changes-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for name in ("kind", "finess", "label", "facility_kind", "lon", "lat", "activity"):
        data[f"changes-0-{name}"] = ""
    data["changes-0-modality"] = ""
    data["changes-0-kind"], data["changes-0-finess"] = "close", w.hospital.finess_et
    return data


def suggestion_form(w, **extra):
    return {"level": w.level.pk, "model": "mclp", "target_minutes": "", "p": "1",
            "candidates": "communes", "points": "", **extra}  # fmt: skip


def project_form(w, **extra):
    return {
        "title": "Projet", "theme": w.theme.pk, "zone": w.zones["B"].pk,
        "start_date": "2025-01-01", "end_date": "", "description": "", "lock_version": 0,
        "milestones-TOTAL_FORMS": 0, "milestones-INITIAL_FORMS": 0,
        "milestones-MIN_NUM_FORMS": 0, "milestones-MAX_NUM_FORMS": 1000, **extra,
    }  # fmt: skip


DRAFT = {"pk": "@draft.pk"}
CONSULTATION = {"pk": "@consultation.pk"}
IN_84 = {"region_code": "84"}
JOB = {"job_id": "@job.pk"}
UPLOAD = {"upload_id": "@upload.pk"}


def upload_form(w):
    """An authorisations file of region 84's hospital, posted for region 84."""
    content = b"finess_et;activity;modality;start_date\n690000011;urgences;smur;2020-01-01\n"
    return {"kind": "authorisations", "region": w.region.pk,
            "file": SimpleUploadedFile("autorisations.csv", content, "text/csv")}  # fmt: skip


PAGES = [
    R("home", allowed=USERS),
    R("home_communes", IN_84, allowed=USERS),
    R("login", allowed=EVERYONE),
    R("login", method="POST", allowed=EVERYONE, data=lambda w: {"username": "x", "password": ""}),
    R("logout", method="POST", allowed=EVERYONE, to_login=True),
    R("logout", method="GET"),
    R("set_language", method="POST", allowed=EVERYONE,
      data=lambda w: {"language": "en", "next": "/"}),
    R("admin:index", allowed=ADMIN),
    R("admin:indicators_indicatorrun_add", allowed=ADMIN),
    # indicators
    R("indicators:run_list", allowed=USERS),
    R("indicators:run_list", method="POST"),
    R("indicators:run_start", IN_84, "POST", STARTERS),
    R("indicators:run_start", IN_84, "GET"),
    R("indicators:run_progress", {"run_id": "@run.pk"}, allowed=READERS),
    # Only a failed run restarts (tests/test_reaper.py): the fixture's done run is a 404 to all.
    R("indicators:run_restart", {"run_id": "@run.pk"}, "POST"),
    R("indicators:run_restart", {"run_id": "@run.pk"}, "GET"),
    R("indicators:apl", IN_84, allowed=READERS),
    R("indicators:apl", IN_84, "POST"),
    R("indicators:urgent_care", IN_84, allowed=READERS),
    R("indicators:urgent_care", IN_84, "POST"),
    R("indicators:urgent_care_start", IN_84, "POST", STARTERS),
    R("indicators:urgent_care_start", IN_84, "GET"),
    # the Imports page (issue 10 §4): whoever holds a role somewhere; an import, the roles
    # of the regions it touched (and administrators)
    R("opendata:import_list", allowed=USERS - {"no_role"}),
    R("opendata:import_list", allowed=USERS - {"no_role"}, query="kind=finess&page=2"),
    R("opendata:import_list", method="POST"),
    R("opendata:import_detail", {"import_id": "@import_84.pk"}, allowed=READERS),
    R("opendata:import_detail", {"import_id": "@import_11.pk"},
      allowed={"other_planner", "other_director", "other_analyst", "admin"}),
    R("opendata:import_detail", {"import_id": "@import_84.pk"}, "POST"),
    # uploads (issue 12 §2): administrators upload any kind, a planner their region's kinds
    # for their region (the other region's planner is refused region 84); an upload is
    # followed by whoever uploaded it and by administrators
    R("opendata:upload_start", method="POST", allowed={"planner", "admin"}, data=upload_form),
    R("opendata:upload_start", method="GET"),
    R("opendata:upload_detail", UPLOAD, allowed={"planner", "admin"}),
    R("opendata:upload_detail", UPLOAD, "POST"),
    R("opendata:upload_progress", UPLOAD, allowed={"planner", "admin"}),
    # the schema
    R("schema:index", allowed=USERS),
    R("schema:initiatives", allowed=USERS),
    R("schema:region", IN_84, allowed=READERS),
    R("schema:new_draft", IN_84, "POST", PLANNER),
    R("schema:new_draft", IN_84, "GET"),
    R("schema:version", DRAFT, allowed=READERS),
    R("schema:version", CONSULTATION, allowed=READERS),
    R("schema:transition", {"pk": "@draft.pk", "name": "submit"}, "POST", PLANNER),
    # adopt and archive: the confirmation page (GET, or a POST without ``confirm``), then
    # the confirmed POST carrying what the page said the transition would do
    R("schema:transition", {"pk": "@consultation.pk", "name": "adopt"}, "POST", PLANNER,
      lambda w: confirmed(w.consultation, "adopt")),
    R("schema:transition", {"pk": "@consultation.pk", "name": "adopt"}, allowed=PLANNER),
    R("schema:transition", {"pk": "@draft.pk", "name": "archive"}, "POST", PLANNER),
    R("schema:transition", {"pk": "@draft.pk", "name": "submit"}, allowed=PLANNER),
    R("schema:transition", {"pk": "@draft.pk", "name": "submit"}, "PUT"),
    R("schema:objective_create", DRAFT, allowed=PLANNER),
    R("schema:objective_create", DRAFT, "POST", PLANNER, objective_form),
    R("schema:objective_create", CONSULTATION, "POST", NOBODY, objective_form),
    # the objectives grid (issue 12 §2): the region's planners, on a draft
    R("schema:objective_grid", DRAFT, allowed=PLANNER),
    R("schema:objective_grid", DRAFT, "POST", PLANNER, objective_grid_form("objective")),
    R("schema:objective_grid", CONSULTATION),
    R("schema:objective_grid", CONSULTATION, "POST", NOBODY,
      objective_grid_form("consultation_objective")),
    R("schema:objective_grid", DRAFT, "PUT"),
    # the consultation (issue 12 §2): every reader sees a version's comments; the region's
    # roles comment and reply during consultation; its planners resolve and reopen
    R("schema:consultation", CONSULTATION, allowed=READERS),
    R("schema:consultation", DRAFT, allowed=READERS, query="etat=all"),
    R("schema:consultation", CONSULTATION, "POST"),
    R("schema:comment_create", CONSULTATION, allowed=COMMENTERS),
    R("schema:comment_create", CONSULTATION, allowed=COMMENTERS,
      query=lambda w: f"objective={w.consultation_objective.pk}"),
    R("schema:comment_create", CONSULTATION, "POST", COMMENTERS, comment_form),
    R("schema:comment_create", CONSULTATION, "POST", COMMENTERS,
      lambda w: comment_form(w, volet=w.consultation_volet.pk)),
    R("schema:comment_create", DRAFT),
    R("schema:comment_create", DRAFT, "POST", NOBODY, comment_form),
    R("schema:comment_create", CONSULTATION, "PUT"),
    R("schema:comment_reply", {"pk": "@comment.pk"}, "POST", COMMENTERS, comment_form),
    R("schema:comment_reply", {"pk": "@comment.pk"}),
    R("schema:comment_resolve", {"pk": "@comment.pk"}, "POST", PLANNER),
    R("schema:comment_resolve", {"pk": "@comment.pk"}),
    R("schema:comment_reopen", {"pk": "@resolved.pk"}, "POST", PLANNER),
    R("schema:comment_reopen", {"pk": "@resolved.pk"}),
    R("schema:history", DRAFT, allowed=READERS),
    R("schema:compliance_map", DRAFT, allowed=READERS),
    R("schema:compliance_layer", DRAFT, allowed=READERS),
    R("schema:diff", {"pk": "@consultation.pk", "other": "@draft.pk"}, allowed=READERS),
    R("schema:objective_edit", {"pk": "@objective.pk"}, allowed=READERS),
    R("schema:objective_edit", {"pk": "@objective.pk"}, "POST", PLANNER,
      lambda w: objective_form(w, "A", lock_version=w.objective.lock_version)),
    R("schema:objective_edit", {"pk": "@consultation_objective.pk"}, "POST", NOBODY,
      lambda w: objective_form(w, "A", lock_version=0)),
    R("schema:scenarios", DRAFT, allowed=READERS),
    R("schema:scenario_create", DRAFT, allowed=PLANNER),
    R("schema:scenario_create", DRAFT, "POST", PLANNER, scenario_form),
    R("schema:scenario_preview", DRAFT, "POST", PLANNER, scenario_form),
    R("schema:scenario_preview", DRAFT),
    R("schema:scenario", {"pk": "@scenario.pk"}, allowed=READERS),
    R("schema:scenario_edit", {"pk": "@scenario.pk"}, allowed=PLANNER),
    R("schema:scenario_edit", {"pk": "@scenario.pk"}, "POST", PLANNER,
      lambda w: scenario_form(w, lock_version=w.scenario.lock_version)),
    # suggestions and closures (issue 13 §2): the region's planners ask and close, on a
    # draft; its readers follow a suggestion and read the closures' ranking
    R("schema:scenario_suggest", {"pk": "@scenario.pk"}, allowed=PLANNER),
    R("schema:scenario_suggest", {"pk": "@scenario.pk"}, "POST", PLANNER, suggestion_form),
    R("schema:scenario_suggest", {"pk": "@scenario.pk"}, "PUT"),
    R("schema:suggestion", {"pk": "@suggestion.pk"}, allowed=READERS),
    R("schema:suggestion", {"pk": "@suggestion.pk"}, "POST"),
    R("schema:suggestion_progress", {"pk": "@suggestion.pk"}, allowed=READERS),
    R("schema:closures", DRAFT, allowed=READERS),
    R("schema:closures", CONSULTATION, allowed=READERS),
    R("schema:closure_create", DRAFT, "POST", PLANNER, lambda w: {"facility": w.hospital.pk}),
    R("schema:closure_create", CONSULTATION, "POST", NOBODY,
      lambda w: {"facility": w.hospital.pk}),
    R("schema:closure_create", DRAFT, "GET"),
    R("schema:volet_create", DRAFT, allowed=PLANNER),
    R("schema:volet_create", DRAFT, "POST", PLANNER, volet_form),
    R("schema:volet_edit", {"pk": "@volet.pk"}, allowed=READERS),
    R("schema:volet_edit", {"pk": "@volet.pk"}, "POST", PLANNER,
      lambda w: volet_form(w, lock_version=w.volet.lock_version)),
    R("schema:volet_edit", {"pk": "@consultation_volet.pk"}, "POST", NOBODY,
      lambda w: volet_form(w, lock_version=0)),
    R("schema:projects", IN_84, allowed=READERS),
    # the doctors' zoning (issue 11 §2)
    R("schema:doctors_zoning", IN_84, allowed=READERS),
    R("schema:doctors_zoning", IN_84, "POST"),
    R("schema:doctors_zoning_annex", IN_84, allowed=READERS),
    R("schema:doctors_zoning_compute", IN_84, "POST", PLANNER,
      lambda w: {"method": "2017-11-13"}),
    R("schema:doctors_zoning_compute", IN_84, "GET"),
    R("schema:doctors_zoning_confirm", IN_84, "POST", PLANNER,
      lambda w: {"lock_version": w.doctors_zoning.lock_version}),
    R("schema:doctors_zoning_move", IN_84, "POST", PLANNER,
      lambda w: {"zone": w.doctors_zoning.entries.get().zone_id, "category": "hors_zonage",
                 "lock_version": w.doctors_zoning.lock_version}),
    R("schema:doctors_zoning_move", IN_84, "GET"),
    R("schema:project_create", IN_84, allowed=PLANNER),
    R("schema:project_create", IN_84, "POST", PLANNER, project_form),
    R("schema:project", {"pk": "@project.pk"}, allowed=READERS),
    R("schema:project_edit", {"pk": "@project.pk"}, allowed=PLANNER),
    R("schema:project_edit", {"pk": "@project.pk"}, "POST", PLANNER,
      lambda w: project_form(w, lock_version=w.project.lock_version)),
    R("schema:evaluation_create", {"pk": "@project.pk"}, allowed=PLANNER),
    R("schema:evaluation_create", {"pk": "@project.pk"}, "POST", PLANNER,
      lambda w: {"year": 2025, "text": "Bilan"}),
    # the dashboard
    R("dashboard:index", allowed=USERS),
    R("dashboard:region", IN_84, allowed=READERS),
    R("dashboard:map", IN_84, allowed=READERS),
    R("dashboard:patient_flows", IN_84, allowed=READERS),
    R("dashboard:patient_flows", IN_84, "POST"),
    R("dashboard:export_patient_flows", {**IN_84, "extension": "csv"}, allowed=READERS),
    R("dashboard:export_patient_flows", {**IN_84, "extension": "xlsx"}, allowed=READERS),
    R("dashboard:natural_territories", IN_84, allowed=READERS),
    R("dashboard:natural_territories", IN_84, "POST"),
    R("dashboard:natural_territories_propose", IN_84, "POST", PLANNER,
      lambda w: {"criterion": "zones", "n_zones": 1, "level": w.level.pk}),
    R("dashboard:natural_territories_propose", IN_84, "GET"),
    R("dashboard:natural_territories_use", {**IN_84, "zoning_id": "@zoning.pk"}, "POST",
      PLANNER),
    R("dashboard:natural_territories_use", {**IN_84, "zoning_id": "@zoning.pk"}, "GET"),
    R("dashboard:catchments_layer", IN_84, allowed=READERS,
      query=lambda w: f"niveau={w.level.pk}"),
    R("dashboard:export_catchments", {**IN_84, "extension": "csv"}, allowed=READERS,
      query=lambda w: f"niveau={w.level.pk}"),
    R("dashboard:export_catchments", {**IN_84, "extension": "geojson"}, allowed=READERS,
      query=lambda w: f"niveau={w.level.pk}"),
    R("dashboard:export_catchments", {**IN_84, "extension": "gpkg"}, allowed=READERS,
      query=lambda w: f"niveau={w.level.pk}"),
    R("dashboard:pathway", {**IN_84, "pathway_code": "urgences"}, allowed=READERS),
    R("dashboard:zone", {**IN_84, "zoning_id": "@zoning.pk", "code": "A"}, allowed=READERS),
    R("dashboard:territory", {**IN_84, "kind": "commune", "code": "@commune.code"},
      allowed=READERS),
    R("dashboard:choropleth", IN_84, allowed=READERS),
    R("dashboard:facilities", IN_84, allowed=READERS),
    R("dashboard:boundaries", IN_84, allowed=READERS),
    R("dashboard:scenario", {**IN_84, "scenario_id": "@scenario.pk"}, allowed=READERS),
    R("dashboard:scenario_layer", {**IN_84, "scenario_id": "@scenario.pk"}, allowed=READERS,
      query=lambda w: f"level={w.level.pk}"),
    R("dashboard:export_indicators", {**IN_84, "extension": "csv"}, allowed=READERS),
    R("dashboard:export_indicators", {**IN_84, "extension": "csv"}, "POST"),
    R("dashboard:export_facilities", {**IN_84, "extension": "csv"}, allowed=READERS),
    R("dashboard:export_sources", IN_84, allowed=READERS),
    R("dashboard:export_sources", IN_84, "POST"),
    R("dashboard:export_zone_report", {**IN_84, "zoning_id": "@zoning.pk", "code": "A"},
      allowed=READERS),
    R("dashboard:export_territory_report", {**IN_84, "kind": "commune", "code": "@commune.code"},
      allowed=READERS),
    R("dashboard:export_schema_document", {**IN_84, "version_id": "@draft.pk"},
      allowed=READERS),
    R("dashboard:export_schema_document", {**IN_84, "version_id": "@draft.pk"}, "POST"),
    R("dashboard:export_job_start", method="POST", allowed=READERS,
      data=lambda w: {"url": reverse("dashboard:export_facilities", args=["84", "csv"])}),
    R("dashboard:export_job_start", method="GET"),
    R("dashboard:export_job", JOB, allowed=OWNER),
    R("dashboard:export_job_progress", JOB, allowed=OWNER),
    R("dashboard:export_job_file", JOB, allowed=OWNER),
    # POST by its owner on a failed job only (tests/test_reaper.py); GET is refused to all.
    R("dashboard:export_job_restart", JOB, "GET"),
]  # fmt: skip

# The API router: per basename, the detail's kwargs, who reads the detail (lists answer every
# signed-in user, scoped to what they may read), and the payloads of the writable ones
# (create, update, partial update; the planner of region 84 only).
API_READ_ONLY = {
    "region": ({"pk": "@region.pk"}, USERS),
    "department": ({"pk": "@department.pk"}, USERS),
    "commune": ({"pk": "@commune.pk"}, USERS),
    "zoning": ({"pk": "@zoning.pk"}, READERS),
    "zone": ({"pk": "@zone_a.pk"}, READERS),
    "facility": ({"finess_et": "@hospital.finess_et"}, USERS),
    "authorisation": ({"pk": "@authorisation.pk"}, USERS),
    "group": ({"pk": "@group.pk"}, USERS),
    "pathway": ({"code": "urgences"}, USERS),
    "level": ({"pk": "@level.pk"}, USERS),
    "apl": ({"pk": "@apl_run.pk"}, READERS),
    "value": ({"pk": "@value.pk"}, READERS),
    "version": ({"pk": "@draft.pk"}, READERS),
    "initiative": ({"pk": "@initiative.pk"}, USERS),
}
API_WRITABLE = {
    "volet": (
        {"pk": "@volet.pk"},
        lambda w: {"version": w.draft.pk, "title": "API"},
        lambda w: {"lock_version": w.volet.lock_version, "title": "Remplacé"},
    ),
    "objective": (
        {"pk": "@objective.pk"},
        lambda w: {"version": w.draft.pk, "zone": w.zones["B"].pk, "activity": w.activity.pk,
                   "modality": "su", "minimum": 0, "maximum": 2},
        lambda w: {"lock_version": w.objective.lock_version, "zone": w.zones["A"].pk,
                   "activity": w.activity.pk, "modality": "su", "minimum": 1, "maximum": 3},
    ),
    "scenario": (
        {"pk": "@scenario.pk"},
        lambda w: {"version": w.draft.pk, "name": "API", "changes": []},
        lambda w: {"lock_version": w.scenario.lock_version, "name": "Remplacé"},
    ),
    "pilot-project": (
        {"pk": "@project.pk"},
        lambda w: {"region": "84", "title": "API", "theme": w.theme.pk,
                   "zone": w.zones["B"].pk, "start_date": "2025-01-01"},
        lambda w: {"lock_version": w.project.lock_version, "title": "Remplacé",
                   "theme": w.theme.pk, "zone": w.zones["B"].pk, "start_date": "2025-02-01"},
    ),
}  # fmt: skip


def api_rows() -> list[Row]:
    rows = [
        R("api:api-root", allowed=USERS),
        R("api:schema", allowed=USERS),
        R("api:docs", allowed=USERS),
        R("api:token", method="GET"),
        # Public: answers 400 to missing credentials whoever asks (an empty password: no hashing).
        R("api:token", method="POST", allowed=EVERYONE, ok=frozenset({400}),
          data=lambda w: {"username": "p_planner", "password": ""}),
        R("api:scenario-result", {"pk": "@scenario.pk"}, allowed=READERS),
        R("api:scenario-result", {"pk": "@scenario.pk"}, "POST"),
        *(R(f"api:apl-{action}", {"pk": "@apl_run.pk"}, allowed=READERS)
          for action in ("communes", "communes-csv", "zones")),
        R("api:objective-detail", {"pk": "@objective.pk"}, "DELETE", PLANNER,
          query=lambda w: f"lock_version={w.objective.lock_version}"),
    ]  # fmt: skip
    for basename, (kwargs, readers) in API_READ_ONLY.items():
        rows += [R(f"api:{basename}-list", allowed=USERS), R(f"api:{basename}-list", method="POST")]
        rows += [R(f"api:{basename}-detail", kwargs, allowed=readers)]
        rows += [R(f"api:{basename}-detail", kwargs, m) for m in ("PUT", "PATCH", "DELETE")]
    rows += [  # runs are read, and started (POST) by whom may start them; never edited
        R("api:run-list", allowed=USERS),
        R("api:run-list", method="POST", allowed=STARTERS, data=lambda w: {"region": "84"}),
        R("api:run-detail", {"pk": "@run.pk"}, allowed=READERS),
        *(R("api:run-detail", {"pk": "@run.pk"}, m) for m in ("PUT", "PATCH", "DELETE")),
    ]
    for basename, (kwargs, create, update) in API_WRITABLE.items():
        rows += [
            R(f"api:{basename}-list", allowed=USERS),
            R(f"api:{basename}-list", method="POST", allowed=PLANNER, data=create),
            R(f"api:{basename}-detail", kwargs, allowed=READERS),
            R(f"api:{basename}-detail", kwargs, "PUT", PLANNER, update),
            R(f"api:{basename}-detail", kwargs, "PATCH", PLANNER, update),
        ]
        if basename != "objective":
            rows.append(R(f"api:{basename}-detail", kwargs, "DELETE"))
    return rows


TABLE = PAGES + api_rows()

# --- the checks -----------------------------------------------------------------------------


def db_writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this transaction, per table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
        )
        return {name: tuple(counts) for name, *counts in cursor.fetchall()}


def send(client: Client, row: Row, w):
    path = row.path(w)
    data = row.data(w) if row.data else None
    if path.startswith("/api/") and row.method != "GET":
        body = json.dumps(data or {})
        return client.generic(row.method, path, body, content_type="application/json")
    if row.method in ("GET", "POST"):
        return getattr(client, row.method.lower())(path, data or {})
    return client.generic(row.method, path)


def verdict(row: Row, persona: str, response, changed: list[str]) -> str | None:
    """What is wrong with ``response`` for ``persona``, or None."""
    code = response.status_code
    location = response.get("Location", "")
    path = response.wsgi_request.path
    if persona in row.allowed:
        if row.ok:
            return None if code in row.ok else f"allowed, got {code}"
        if not 200 <= code < 400:
            return f"allowed, got {code}"
        if persona != "anonymous" and not row.to_login and location.startswith(reverse("login")):
            return "allowed, sent to the login page"
        return None
    if changed:
        return f"refused ({code}) but wrote to {changed}"
    if code in (403, 404, 405):
        return None
    if path.startswith("/api/") and persona == "anonymous" and code == 401:
        return None
    if path.startswith("/admin/") and code == 302 and location.startswith(reverse("admin:login")):
        return None
    if persona == "anonymous" and code == 302 and location.startswith(reverse("login")):
        return None
    return f"refused, got {code} {location}"


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.id)
def test_only_the_rows_personas_get_in_and_the_others_change_nothing(world, row):
    problems = {}
    for persona in PERSONAS:
        client = client_of(world, persona)
        with transaction.atomic():
            before = db_writes()
            response = send(client, row, world)
            after = db_writes()
            transaction.set_rollback(True)
        changed = sorted(t for t, counts in after.items() if counts != before.get(t, (0, 0, 0)))
        problem = verdict(row, persona, response, changed)
        if problem:
            problems[persona] = problem
    assert problems == {}, row.id


def _names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            prefix = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            names |= _names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {pattern.pattern} → {pattern.lookup_str}>"
            names.add(f"{namespace}:{name}" if namespace else name)
    return names


def test_every_url_pattern_has_a_row():
    """A new URL fails here until the table says who may use it. The admin is one prefix
    row: its own permission system (staff, model permissions) answers inside it."""
    covered = {row.url_name for row in TABLE}
    names = _names(get_resolver().url_patterns)
    missing = sorted(n for n in names - covered if not n.startswith("admin:"))
    assert missing == []
    assert "admin:index" in covered and len(names) > 80


def _admin_paths(patterns, prefix: str = "/admin/") -> list[str]:
    """Every path of the admin, with a sample value in each parameter (none exists: refused
    personas must not learn that either)."""
    paths = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if route.startswith("^") or "(?P" in route:  # regex routes (admin internals)
            continue
        route = re.sub(r"<(?:(\w+):)?\w+>", "1", route)
        if isinstance(pattern, URLResolver):
            paths += _admin_paths(pattern.url_patterns, prefix + route)
        else:
            paths.append(prefix + route)
    return sorted(set(paths))


def test_inside_the_admin_only_staff_get_past_its_login(world):
    """The admin's one prefix row, for every path under it: whoever is not staff gets the
    admin's login page (its own door), and the administrator gets in."""
    from django.contrib import admin

    paths = _admin_paths(admin.site.urls[0])
    assert len(paths) > 40
    login = reverse("admin:login")
    for persona in ("anonymous", "no_role", "planner"):
        client = client_of(world, persona)
        for path in paths:
            if path.startswith((login, reverse("admin:logout"))):
                continue
            response = client.get(path)
            assert response.status_code in (302, 404), (persona, path)
            if response.status_code == 302:
                assert response["Location"].startswith(login), (persona, path)
    assert client_of(world, "admin").get(reverse("admin:index")).status_code == 200


def test_the_table_has_every_persona_and_no_unknown_one():
    for row in TABLE:
        assert row.allowed <= EVERYONE, row.id


# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_holds_on_a_page_post_and_on_a_session_api_post(world):
    http = Client(enforce_csrf_checks=True)
    http.force_login(world.users["planner"])
    runs = IndicatorRun.objects.count()
    start = reverse("indicators:run_start", args=["84"])
    assert http.post(start).status_code == 403
    created = http.post(reverse("api:volet-list"), {"version": world.draft.pk, "title": "x"},
                        content_type="application/json")  # fmt: skip
    assert created.status_code == 403
    assert IndicatorRun.objects.count() == runs
    http.get(reverse("indicators:run_list"))  # the page sets the CSRF cookie
    token = http.cookies[settings.CSRF_COOKIE_NAME].value
    assert http.post(start, {"csrfmiddlewaretoken": token}).status_code == 302
    assert IndicatorRun.objects.count() == runs + 1


# --- pages offer only what the persona may do -----------------------------------------------


@pytest.mark.parametrize("persona", sorted(USERS))
def test_the_start_button_and_the_requester_show_only_to_whom_may_start_runs(world, persona):
    """The runs page and the region dashboard ask ``access.roles.can_start_run``, as the view
    that starts a run does."""
    client = client_of(world, persona)
    runs_page = client.get(reverse("indicators:run_list")).content.decode()
    may_start = persona in STARTERS
    start = reverse("indicators:run_start", args=["84"])
    assert (f'action="{start}"' in runs_page) is may_start
    assert ('class="run-requester"' in runs_page) is may_start
    assert (f'data-run="{world.run.pk}"' in runs_page) is (persona in READERS)
    if persona in READERS:
        dashboard = client.get(reverse("dashboard:region", args=["84"])).content.decode()
        assert (f'action="{start}"' in dashboard) is may_start


def test_new_runs_in_the_admin_stay_with_administrators_even_for_staff_with_the_permission(
    world,
):
    """ "Nouveau calcul" picks any region: a staff planner given every permission on runs
    still gets no add page, and posting it queues nothing (the admin site is for
    administrators only, ``access.admin_site``)."""
    from django.contrib.auth.models import Permission

    staff = make_user("p_staff_planner", is_staff=True)
    membership_grant(user=staff, region=world.region, role=RegionMembership.Role.PLANNER)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="indicatorrun"))
    http = Client()
    http.force_login(staff)
    url = reverse("admin:indicators_indicatorrun_add")
    runs = IndicatorRun.objects.count()
    for answer in (http.get(url), http.post(url, {"region": world.other_region.pk})):
        assert answer.status_code == 302 and "/admin/login/" in answer["Location"]
    assert IndicatorRun.objects.count() == runs
    # Nor does a staff account that is not an administrator see any admin page.
    changelist = http.get(reverse("admin:indicators_indicatorrun_changelist"))
    assert changelist.status_code == 302 and "/admin/login/" in changelist["Location"]
