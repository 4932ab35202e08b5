"""load_demo's schema: an adopted version and its draft copy for region 99, volets, OQOS with a
mix of compliance, a pilot project, and the demo accounts; a second run changes nothing."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from access import roles
from access.models import RegionMembership
from demo.schema import DEMO_PASSWORD
from sros import compliance
from sros.models import (
    Milestone,
    Objective,
    PilotProject,
    Schema,
    SchemaVersion,
    VersionTransition,
    Volet,
)


@pytest.fixture
def demo_output(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _snapshot():
    return {
        "versions": list(SchemaVersion.objects.values_list("id", "state", "lock_version")),
        "volets": Volet.objects.count(),
        "objectives": list(Objective.objects.values_list("id", "minimum", "maximum")),
        "transitions": VersionTransition.objects.count(),
        "projects": PilotProject.objects.count(),
        "milestones": Milestone.objects.count(),
        "memberships": list(RegionMembership.objects.values_list("user__username", "role")),
        "history": Objective.history.count(),
    }


def test_it_writes_an_adopted_version_and_a_draft_copied_from_it(demo_output):
    schema = Schema.objects.get(region__code="99")
    adopted, draft = schema.versions.order_by("number")
    assert (adopted.state, draft.state) == ("adopted", "draft")
    assert draft.based_on == adopted
    assert draft.objectives.count() == adopted.objectives.count() == 18
    assert sorted(draft.volets.values_list("title", flat=True)) == [
        "Périnatalité", "Santé mentale", "Urgences",
    ]  # fmt: skip
    assert all("fictif" in v.narrative for v in draft.volets.all())
    zonings = set(draft.zonings.values_list("activity__code", "zoning__name"))
    assert zonings == {
        (code, "Zones du schéma (fictives)") for code in ("urgences", "obstetrique", "psychiatrie")
    }


def test_its_objectives_are_below_within_and_above_on_the_demo_data(demo_output):
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    results = compliance.compliance_for(draft.objectives.select_related("zone", "activity"))
    statuses = Counter(result.status for result in results.values())
    assert statuses["below"] >= 3 and statuses["within"] >= 3 and statuses["above"] >= 2
    assert {result.method for result in results.values()} == {"authorisation"}
    by_activity = Counter((o.activity.code, results[o.pk].status) for o in draft.objectives.all())
    for activity in ("urgences", "obstetrique", "psychiatrie"):
        assert by_activity[(activity, "below")] >= 1, activity


def test_it_creates_a_pilot_project_in_one_zone_with_milestones(demo_output):
    project = PilotProject.objects.get(schema__region__code="99")
    assert project.zone.zoning.name == "Zones du schéma (fictives)"
    assert project.theme.code == "urgences"
    statuses = list(project.milestones.values_list("status", flat=True))
    assert len(statuses) == 3 and "done" in statuses
    assert all(
        project.start_date <= m.due_date <= project.end_date for m in project.milestones.all()
    )


def test_the_demo_accounts_log_in_with_their_region_roles(demo_output):
    for username, role in [
        ("planificateur", "planner"), ("directeur", "director"), ("analyste", "analyst"),
    ]:  # fmt: skip
        user = authenticate(
            RequestFactory().post("/connexion/"), username=username, password=DEMO_PASSWORD
        )
        assert user is not None, username
        assert roles.role_in(user, user.region_memberships.get().region) == role
        assert user.region_memberships.get().region.code == "99"
        assert f"{username} / {DEMO_PASSWORD}" in demo_output


def test_a_second_run_changes_nothing(demo_output):
    before = _snapshot()
    password = RegionMembership.objects.get(user__username="planificateur").user.password
    call_command("load_demo", stdout=StringIO())
    assert _snapshot() == before
    assert RegionMembership.objects.get(user__username="planificateur").user.password == password


def test_it_reseeds_a_catalogue_emptied_since_the_migrations(db):
    from sros.models import AuthorisedActivity, VoletTheme

    VoletTheme.objects.all().delete()
    # An activity the pathways and the catalogue's modalities name is protected: empty it as
    # ``flush`` leaves it, rows naming it first.
    from facilities.models import Modality
    from pathways.models import LevelRequirement

    LevelRequirement.objects.filter(activity="psychiatrie").delete()
    Modality.objects.filter(activity__code="psychiatrie").delete()
    AuthorisedActivity.objects.filter(code="psychiatrie").delete()
    call_command("load_demo", stdout=StringIO())
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    assert draft.volets.filter(theme__code="sante-mentale").exists()
    assert draft.objectives.filter(activity__code="psychiatrie").count() == 6


def test_the_draft_carries_a_maternity_closure_scenario_that_evaluates(demo_output):
    from sros.models import Scenario
    from sros.scenarios import evaluate_scenario

    scenario = Scenario.objects.get(version__schema__region__code="99")
    assert scenario.version.state == "draft"
    assert scenario.name.startswith("Fermeture de la maternité ") and "(fictif)" in scenario.name
    kinds = [(c.kind, c.activity, c.modality) for c in scenario.changes.all()]
    assert kinds == [("withdraw", "obstetrique", "obstetrique"), ("open", "", "")]
    assert scenario.changes.get(kind="open").facility_kind == "msp"
    assert "1 scenario(s)" in demo_output
    result = evaluate_scenario(scenario)
    changed = {(o.objective.activity.code, o.objective.modality) for o in result.changed_objectives}
    assert changed == {("obstetrique", "obstetrique")}
    change = result.changed_objectives[0]
    assert change.scenario.count == change.base.count - 1
    assert any(level.touched for level in result.levels)


def test_a_second_run_keeps_the_one_scenario(demo_output):
    from sros.models import Scenario, ScenarioChange

    before = list(Scenario.objects.values_list("id", "name", "lock_version"))
    call_command("load_demo", stdout=StringIO())
    assert list(Scenario.objects.values_list("id", "name", "lock_version")) == before
    assert ScenarioChange.objects.count() == 2
