"""Suggestions written as scenarios, and the « Fermetures » table, on the demo region: a
suggestion's answer becomes ordinary changes that the scenario tests' full recompute accepts,
existing sites are never dropped, the lock version is respected, a dead worker's job ends by
itself; the closures' figures equal a full re-evaluation of the scenario closing each site."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from access.services import membership_grant
from facilities import perinatal
from facilities.models import Facility
from indicators import inputs
from indicators.engine.travel import Places
from pathways.models import Level
from sros import closures, scenarios, suggestion_jobs, suggestions, workflow
from sros.models import Scenario, ScenarioChange, SuggestionJob
from sros.suggestion_forms import SuggestionForm, parse_points
from territories.models import Commune
from tests.test_schema_scenarios import (
    assert_equal_to_full_recompute,
    demo,  # noqa: F401 - a fixture
    full_recompute,
)

pytest_plugins = ["tests.personas"]

Kind = ScenarioChange.Kind
Status = SuggestionJob.Status
#: As measured on the demo: nothing grows with the sites or the communes.
MAX_CLOSURE_QUERIES = 9


def level_of(key: str) -> Level:
    pathway, rank = key.split(":")
    return Level.objects.prefetch_related("requirements").get(pathway__code=pathway, rank=rank)


def ask(
    scenario, user, level, model="mclp", p=2, points=None, minutes=None, goal=None
) -> SuggestionJob:
    """A job as the form stores it, run in this process (as the worker would)."""
    target = minutes or inputs.load_level_facilities(level).target_minutes
    job = suggestion_jobs.suggestion_create(
        scenario=scenario, user=user, level=level, model=model, target_minutes=target, p=p,
        points=points, goal=goal,
    )  # fmt: skip
    return suggestion_jobs.suggestion_run(job.pk)


@pytest.fixture
def scenario(demo, world):  # noqa: F811 - the fixture above
    return scenarios.scenario_create(version=demo, name="Suggestion", user=world.users["planner"])


def served(scenario, level, result):
    """Demand within the target in the scenario's evaluation of ``level``."""
    units = inputs.load_units(scenario.version.schema.region, with_zonings=False)
    sites = inputs.load_level_facilities(level)
    evaluated = next(r for r in result.levels if r.level == level)
    demand = inputs.level_population(units, sites)
    return float(demand[evaluated.scenario_minutes <= sites.target_minutes].sum())


# --- suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["urgences:1", "perinatalite:1"])
def test_an_mclp_suggestion_becomes_an_ordinary_scenario(scenario, world, key):
    level = level_of(key)
    job = ask(scenario, world.users["planner"], level, p=2)

    assert job.status == Status.DONE, job.error
    scenario = Scenario.objects.get(pk=scenario.pk)
    changes = list(scenario.changes.order_by("order"))
    assert [c.kind for c in changes] == [Kind.OPEN, Kind.OPEN]
    assert all(c.reason.startswith("suggéré par MCLP : +") for c in changes)
    assert scenario.lock_version == 1  # written through scenario_update
    values = [scenarios.change_values(c) for c in changes]
    assert scenarios.changes_errors(scenario.version, values) == [{}, {}]
    result = scenarios.evaluate_scenario(scenario)
    evaluated = next(r for r in result.levels if r.level == level)
    assert evaluated.opened == ["new-1", "new-2"] and evaluated.closed == []
    # what the model says it covers is what the ordinary evaluation finds covered
    assert served(scenario, level, result) == pytest.approx(job.result["covered"], rel=1e-9)
    assert job.result["added"][0] >= job.result["added"][1] > 0

    new = [(c.point.x, c.point.y) for c in changes]

    def with_new(level_key, places):
        if level_key != key:
            return places
        return Places(
            np.concatenate([places.ids, np.array(["new-1", "new-2"], dtype=object)]),
            np.concatenate([places.lon, [p[0] for p in new]]),
            np.concatenate([places.lat, [p[1] for p in new]]),
        )

    units, expected = full_recompute(scenario.version, with_new)
    assert_equal_to_full_recompute(result, units, expected)


@pytest.mark.parametrize("key", ["perinatalite:2", "perinatalite:3"])
def test_a_maternity_above_type_1_is_suggested_as_one_site_with_its_units(scenario, world, key):
    level = level_of(key)
    site = suggestions.new_site_of(level)
    requirement = level.requirements.all()[0]
    assert site.activity == "obstetrique" and requirement.maternity_type in ("2a", "2b", "3")
    assert site.modalities == perinatal.UNITS_OF_TYPE[requirement.maternity_type]
    assert level in suggestions.suggestible_levels()

    job = ask(scenario, world.users["planner"], level, p=2)

    assert job.status == Status.DONE, job.error
    scenario = Scenario.objects.get(pk=scenario.pk)
    changes = list(scenario.changes.order_by("order"))
    # One « Ouvrir » row per unit, each site's rows at one place: two sites.
    assert len(changes) == 2 * len(site.modalities)
    assert {c.modality for c in changes} == set(site.modalities)
    assert len({(c.point.x, c.point.y) for c in changes}) == 2
    values = [scenarios.change_values(c) for c in changes]
    assert scenarios.changes_errors(scenario.version, values) == [{}] * len(changes)
    groups = scenarios.new_site_groups(changes)
    assert [len(g) for g in groups] == [len(site.modalities)] * 2
    result = scenarios.evaluate_scenario(scenario)
    evaluated = next(r for r in result.levels if r.level == level)
    # Each new site holds the units of its type: it serves the level, as the model assumed.
    assert evaluated.opened == ["new-1", "new-2"] and evaluated.closed == []
    assert served(scenario, level, result) == pytest.approx(job.result["covered"], rel=1e-9)
    assert job.result["opened"] == 2


def test_one_unit_alone_does_not_make_a_maternity_of_a_higher_type(scenario, world):
    level = level_of("perinatalite:2")
    site = next(iter(scenarios.scenario_sites(scenario)), None)
    assert site is None  # an empty scenario
    point = Commune.objects.filter(department__region__code="99").order_by("-population")[0]
    lon, lat = point.point.x, point.point.y
    base = {"kind": Kind.OPEN, "label": "Néonatologie seule", "facility_kind": "ch",
            "lon": lon, "lat": lat, "activity": "obstetrique"}  # fmt: skip
    scenario = scenarios.scenario_update(
        scenario.pk, lock_version=scenario.lock_version, name=scenario.name,
        changes=[{**base, "modality": "neonatologie"}], user=world.users["planner"],
    )  # fmt: skip
    result = scenarios.evaluate_scenario(scenario)
    assert next(r for r in result.levels if r.level == level).opened == []
    # The same place with obstétrique too: one type 2A site, which serves the level.
    scenario = scenarios.scenario_update(
        scenario.pk, lock_version=scenario.lock_version, name=scenario.name,
        changes=[{**base, "modality": "neonatologie"}, {**base, "modality": "obstetrique"}],
        user=world.users["planner"],
    )  # fmt: skip
    result = scenarios.evaluate_scenario(scenario)
    assert next(r for r in result.levels if r.level == level).opened == ["new-1"]
    # The same unit twice at one place is refused as a duplicate.
    with pytest.raises(ValidationError):
        scenarios.scenario_update(
            scenario.pk, lock_version=scenario.lock_version, name=scenario.name,
            changes=[{**base, "modality": "obstetrique"}] * 2, user=world.users["planner"],
        )  # fmt: skip


def test_fixed_sites_are_never_dropped_and_the_scenario_state_is_the_base(scenario, world):
    """The sites the scenario closes are not fixed; every other site stays open."""
    level = level_of("urgences:1")
    sites = inputs.load_level_facilities(level)
    closed = sites.places.ids[0]
    planner = world.users["planner"]
    scenario = scenarios.scenario_update(
        scenario.pk, lock_version=0, name=scenario.name,
        changes=[{"kind": Kind.CLOSE, "finess": closed}], user=planner,
    )  # fmt: skip
    job = ask(scenario, planner, level, p=1)

    assert job.status == Status.DONE, job.error
    assert job.result["fixed_sites"] == len(sites) - 1
    result = scenarios.evaluate_scenario(Scenario.objects.get(pk=scenario.pk))
    evaluated = next(r for r in result.levels if r.level == level)
    assert evaluated.closed == [closed]  # only the planner's closure
    assert evaluated.opened == ["new-1"]
    kinds = list(Scenario.objects.get(pk=scenario.pk).changes.values_list("kind", flat=True))
    assert kinds == [Kind.CLOSE, Kind.OPEN]


def test_lscp_covers_every_coverable_commune(scenario, world):
    level = level_of("urgences:1")
    job = ask(scenario, world.users["planner"], level, model="lscp", p=None, minutes=20)

    assert job.status == Status.DONE, job.error
    result = scenarios.evaluate_scenario(Scenario.objects.get(pk=scenario.pk))
    units = inputs.load_units(scenario.version.schema.region, with_zonings=False)
    evaluated = next(r for r in result.levels if r.level == level)
    beyond = float(units.population[evaluated.scenario_minutes > 20].sum())
    assert beyond == pytest.approx(job.result["uncoverable"], abs=1e-6)
    assert job.result["opened"] == Scenario.objects.get(pk=scenario.pk).changes.count() > 0


def test_a_pmedian_suggestion_on_clicked_points_picks_among_them(scenario, world):
    level = level_of("urgences:1")
    units = inputs.load_units(scenario.version.schema.region, with_zonings=False)
    points = [[float(units.places.lon[i]), float(units.places.lat[i])] for i in (0, 5, 10)]
    job = ask(scenario, world.users["planner"], level, model="pmedian", p=1, points=points)

    assert job.status == Status.DONE, job.error
    [change] = Scenario.objects.get(pk=scenario.pk).changes.all()
    assert [change.point.x, change.point.y] in points
    assert change.reason.startswith("suggéré par p-médiane : temps moyen réduit de ")
    assert job.result["candidates"] == 3


def test_a_scenario_saved_meanwhile_fails_the_job_and_keeps_its_changes(scenario, world):
    planner = world.users["planner"]
    level = level_of("urgences:1")
    target = inputs.load_level_facilities(level).target_minutes
    job = suggestion_jobs.suggestion_create(
        scenario=scenario, user=planner, level=level, model="mclp", target_minutes=target, p=1,
        points=None,
    )  # fmt: skip
    finess = inputs.load_level_facilities(level).places.ids[0]
    scenarios.scenario_update(
        scenario.pk, lock_version=0, name=scenario.name,
        changes=[{"kind": Kind.CLOSE, "finess": finess}], user=planner,
    )  # fmt: skip
    job = suggestion_jobs.suggestion_run(job.pk)

    assert job.status == Status.FAILED
    assert "modifié depuis la demande" in job.error
    kept = Scenario.objects.get(pk=scenario.pk)
    assert list(kept.changes.values_list("kind", flat=True)) == [Kind.CLOSE]
    assert kept.lock_version == 1
    assert suggestion_jobs.suggestion_run(job.pk).status == Status.FAILED  # a redelivery: nothing


def test_a_job_whose_worker_stopped_beating_is_failed_by_the_reaper(scenario, world, settings):
    old = timezone.now() - dt.timedelta(seconds=settings.SROS_STALE_SECONDS + 5)
    job = SuggestionJob.objects.create(
        scenario=scenario, user=world.users["planner"], model="mclp", status=Status.RUNNING,
        heartbeat_at=old, parameters={},
    )  # fmt: skip
    live = SuggestionJob.objects.create(
        scenario=scenario, model="mclp", status=Status.RUNNING, heartbeat_at=timezone.now()
    )

    assert suggestion_jobs.suggestion_jobs_reap() == {"requeued": 0, "failed": 1}
    job.refresh_from_db(), live.refresh_from_db()
    assert job.status == Status.FAILED and "ne répond plus" in job.error
    assert live.status == Status.RUNNING


def test_the_form_names_each_bad_line_and_points_outside_the_region(scenario):
    points, errors = parse_points("4,8 ; 45,7\n\nabc\n200 ; 10\n")
    assert points == [[4.8, 45.7]]
    assert errors == [
        "Ligne 3 : « abc » n'est pas « longitude ; latitude ».",
        "Ligne 4 : coordonnées invalides (degrés WGS84).",
    ]
    level = level_of("urgences:1")
    form = SuggestionForm(
        {"level": level.pk, "model": "mclp", "p": "", "candidates": "points",
         "points": "0 ; 0"},
        version=scenario.version,
    )  # fmt: skip
    assert not form.is_valid()
    assert form.errors["p"] == ["Donnez le nombre de nouveaux sites."]
    assert form.errors["points"] == ["Points hors de la région du schéma : n° 1."]


def test_the_suggest_page_starts_a_job_and_the_job_page_shows_its_answer(
    scenario, world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.users["planner"])
    url = reverse("schema:scenario_suggest", args=[scenario.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="suggest-map"' in page.content.decode()
    level = level_of("urgences:1")
    data = {"level": level.pk, "model": "mclp", "p": "2", "candidates": "communes"}
    # the publish is what a commit would do; the job then runs here as the worker would
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, data)
    assert response.status_code == 302 and len(callbacks) == 1
    job = SuggestionJob.objects.get()
    assert response["Location"] == reverse("schema:suggestion", args=[job.pk])
    assert job.parameters["target_minutes"] == 30.0 and job.lock_version == 0
    suggestion_jobs.suggestion_run(job.pk)
    text = client.get(response["Location"]).content.decode()
    assert "2 sites ajoutés aux changements du scénario." in text
    assert "Réponse optimale (écart nul)." in text
    detail = client.get(reverse("schema:scenario", args=[scenario.pk])).content.decode()
    assert detail.count("suggéré par MCLP") == 2


# --- closures -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["urgences:1", "perinatalite:1"])
def test_the_closures_figures_equal_a_full_evaluation_of_each_closure(demo, world, key):  # noqa: F811
    level = level_of(key)
    table = closures.closures(demo, level)
    units = inputs.load_units(demo.schema.region, with_zonings=False)
    sites = inputs.load_level_facilities(level)
    demand = inputs.level_population(units, sites)
    target = sites.target_minutes
    harms = [row.harm for row in table.rows]
    assert harms == sorted(harms, reverse=True) and harms[0] > 0
    planner = world.users["planner"]
    for row in table.rows[:4]:
        facility = sites.facility_ids.tolist().index(row.facility_id)
        scenario = closures.close_in_scenario(
            version=demo, facility=Facility.objects.get(pk=row.facility_id),
            user=planner,
        )  # fmt: skip
        evaluated = next(r for r in scenarios.evaluate_scenario(scenario, levels=[level.pk]).levels)
        assert evaluated.closed == [sites.places.ids[facility]]
        before, after = evaluated.base_minutes, evaluated.scenario_minutes
        reach = np.isfinite(after)
        newly = (before <= target) & (after > target) & reach
        assert row.population_beyond == pytest.approx(float(demand[newly].sum()), abs=1e-6)
        assert row.communes_beyond == int(newly.sum())
        lost = np.isfinite(before) & ~reach
        assert row.population_losing_reach == pytest.approx(float(demand[lost].sum()), abs=1e-6)
        mean_after = float((demand[reach] * after[reach]).sum() / demand[reach].sum())
        mean_before = float((demand * before).sum() / demand.sum())
        assert row.mean_minutes_change == pytest.approx(mean_after - mean_before, abs=1e-9)


def test_a_closure_button_creates_the_scenario_once(demo, world, client):  # noqa: F811
    level = level_of("urgences:1")
    row = closures.closures(demo, level).rows[0]
    client.force_login(world.users["planner"])
    page = client.get(reverse("schema:closures", args=[demo.pk]), {"niveau": level.pk})
    assert page.status_code == 200
    assert f'value="{row.facility_id}"' in page.content.decode()
    url = reverse("schema:closure_create", args=[demo.pk])
    first = client.post(url, {"facility": row.facility_id})
    again = client.post(url, {"facility": row.facility_id})

    scenario = Scenario.objects.get(version=demo)
    assert first["Location"] == again["Location"] == reverse("schema:scenario", args=[scenario.pk])
    assert list(scenario.changes.values_list("kind", "facility_id")) == [
        (Kind.CLOSE, row.facility_id)
    ]
    director = world.users["director"]
    membership_grant(user=director, region=demo.schema.region, role="director")
    client.force_login(director)
    text = client.get(reverse("schema:closures", args=[demo.pk])).content.decode()
    assert "Fermer dans un scénario" not in text  # the button only where the POST is allowed


def test_a_version_submitted_meanwhile_fails_the_job_and_leaves_the_scenario(scenario, world):
    planner = world.users["planner"]
    level = level_of("urgences:1")
    job = suggestion_jobs.suggestion_create(
        scenario=scenario, user=planner, level=level, model="mclp", target_minutes=30, p=1,
        points=None,
    )  # fmt: skip
    workflow.version_transition(scenario.version, "submit", user=planner)
    job = suggestion_jobs.suggestion_run(job.pk)

    assert job.status == Status.FAILED
    assert job.error == "La version n'est plus un brouillon : le scénario est figé."
    assert not Scenario.objects.get(pk=scenario.pk).changes.exists()


def test_a_job_the_reaper_failed_meanwhile_writes_nothing(scenario, world):
    level = level_of("urgences:1")
    job = suggestion_jobs.suggestion_create(
        scenario=scenario, user=world.users["planner"], level=level, model="mclp",
        target_minutes=30, p=1, points=None,
    )  # fmt: skip
    job = suggestion_jobs._start(job.pk)
    suggestion_jobs.suggestion_fail(job.pk, "abandonné")  # as the reaper does
    SuggestionJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)  # a redelivery
    suggestion_jobs._start(job.pk)
    suggestion_jobs.suggestion_fail(job.pk, "abandonné")
    assert suggestion_jobs.suggestion_run(job.pk).status == Status.FAILED
    assert not Scenario.objects.get(pk=scenario.pk).changes.exists()


def test_the_closures_page_reads_in_pinned_queries(
    demo,  # noqa: F811 - the fixture imported above
    world,
    client,
    django_assert_max_num_queries,
):
    level = level_of("perinatalite:1")
    client.force_login(world.users["planner"])
    url = reverse("schema:closures", args=[demo.pk])
    with django_assert_max_num_queries(MAX_CLOSURE_QUERIES):
        page = client.get(url, {"niveau": level.pk})
    assert page.status_code == 200
    assert "mais les âges des communes ne sont pas chargés" in page.content.decode()


def test_a_suggested_site_edited_elsewhere_in_the_form_keeps_its_reason(scenario, world):
    planner = world.users["planner"]
    job = ask(scenario, planner, level_of("urgences:1"), p=1)
    [suggested] = Scenario.objects.get(pk=scenario.pk).changes.all()
    finess = inputs.load_level_facilities(level_of("urgences:1")).places.ids[0]
    form_values = [  # what the scenario form sends: no reason field
        {k: v for k, v in scenarios.change_values(suggested).items() if k != "reason"},
        {"kind": Kind.CLOSE, "finess": finess},
    ]
    scenarios.scenario_update(
        scenario.pk, lock_version=job.lock_version + 1, name="Revu", changes=form_values,
        user=planner,
    )  # fmt: skip
    kept = Scenario.objects.get(pk=scenario.pk).changes.order_by("order")
    assert [c.reason for c in kept] == [suggested.reason, ""]
    moved = {**form_values[0], "lon": form_values[0]["lon"] + 0.01}  # a moved site is new
    scenarios.scenario_update(
        scenario.pk, lock_version=job.lock_version + 2, name="Revu", changes=[moved],
        user=planner,
    )  # fmt: skip
    assert Scenario.objects.get(pk=scenario.pk).changes.get().reason == ""


def test_the_pages_read_in_english(scenario, world, client, settings):
    client.force_login(world.users["planner"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # The middleware activates English in this thread: the tests after this one read French.
    with translation.override(settings.LANGUAGE_CODE):
        suggest = client.get(reverse("schema:scenario_suggest", args=[scenario.pk]))
        table = client.get(reverse("schema:closures", args=[scenario.version.pk]))
    assert "Suggest sites" in suggest.content.decode()
    assert "Maximal coverage (MCLP): p new sites" in suggest.content.decode()
    assert "Communes beyond the target" in table.content.decode()
    assert "Close in a scenario" in table.content.decode()


def test_a_heuristic_answer_says_so_with_its_gap(scenario, world, client):
    job = SuggestionJob.objects.create(
        scenario=scenario, model="mclp", status=Status.DONE, progress=100,
        parameters={"level": level_of("urgences:1").pk, "target_minutes": 30.0, "p": 2},
        result={"solver": "greedy", "gap": 0.012, "heuristic": True, "seconds": 0.4,
                "covered": 1000.0, "uncoverable": 0.0, "demand": 1200.0, "opened": 2,
                "fixed_sites": 12, "candidates": 540, "weight": "total"},
    )  # fmt: skip
    client.force_login(world.users["planner"])
    text = client.get(reverse("schema:suggestion", args=[job.pk])).content.decode()
    assert "Réponse heuristique</strong> : écart à la borne 1,20\xa0%." in text
    assert "Résolu par l'algorithme glouton en 0,40 s" in text.replace("&#x27;", "'")
    assert "Réponse optimale" not in text


# --- the coverage goal ------------------------------------------------------------------------


def goal_shares(scenario, level, minutes, points=None):
    """Today's share of the level's demand within ``minutes`` and the best share any choice of
    the candidates (the communes' points, or ``points``) reaches, on the suggestion's own
    instance."""
    instance = suggestions.build_instance(scenario, level, minutes, points)
    today = suggestions.solve(instance, "goal", None, 0.01)  # met today: nothing opened
    total = float(instance.demand.sum())
    return instance, today.covered / total, (total - today.uncoverable) / total


def test_a_coverage_goal_suggestion_opens_the_fewest_sites_reaching_the_share(scenario, world):
    level = level_of("urgences:1")
    instance, today, best = goal_shares(scenario, level, 30.0)
    assert today < best
    goal = round(100 * (today + 0.6 * (best - today)), 1)
    job = ask(scenario, world.users["planner"], level, model="goal", p=None, goal=goal)

    assert job.status == Status.DONE, job.error
    result = job.result
    assert result["goal_met"] is True and result["share"] >= goal / 100
    assert result["solver"] == "highs" and result["gap"] == 0
    changes = list(Scenario.objects.get(pk=scenario.pk).changes.order_by("order"))
    assert len(changes) == result["opened"] > 0 and job.parameters["p"] is None
    assert all(
        c.reason.startswith("suggéré par l'objectif de couverture : +")
        and "à moins de 30" in c.reason
        for c in changes
    )
    # the fewest: the best p = n − 1 sites (MCLP, gap 0) fall short of the goal
    fewer = suggestions.solve(instance, "mclp", result["opened"] - 1)
    assert fewer.gap == 0 and fewer.objective < goal / 100 * result["demand"]
    # what the model says it covers is what the ordinary evaluation finds covered
    evaluation = scenarios.evaluate_scenario(Scenario.objects.get(pk=scenario.pk))
    assert served(scenario, level, evaluation) == pytest.approx(result["covered"], rel=1e-9)


def test_a_coverage_goal_met_today_opens_nothing_and_says_so(scenario, world, client):
    level = level_of("urgences:1")
    job = ask(scenario, world.users["planner"], level, model="goal", p=None, goal=1)

    assert job.status == Status.DONE, job.error
    assert job.result["opened"] == 0 and job.result["goal_met"] is True
    assert not Scenario.objects.get(pk=scenario.pk).changes.exists()
    client.force_login(world.users["planner"])
    text = client.get(reverse("schema:suggestion", args=[job.pk])).content.decode()
    assert "Aucun site ajouté aux changements du scénario." in text
    assert "Objectif atteint : " in text and "pour un objectif de 1,0\xa0%." in text


def test_an_unreachable_coverage_goal_says_so_and_opens_the_lscp_sites(scenario, world, client):
    level = level_of("urgences:1")
    units = inputs.load_units(scenario.version.schema.region, with_zonings=False)
    points = [[float(units.places.lon[i]), float(units.places.lat[i])] for i in (0, 5, 10)]
    _, today, best = goal_shares(scenario, level, 20.0, points)
    assert today < best < 1  # three points: some communes stay beyond 20 minutes of any site
    job = ask(
        scenario, world.users["planner"], level, model="goal", p=None, goal=100, minutes=20,
        points=points,
    )  # fmt: skip

    assert job.status == Status.DONE, job.error
    assert job.result["goal_met"] is False
    assert job.result["share"] == pytest.approx(best) == job.result["reachable_share"]
    other = scenarios.scenario_create(
        version=scenario.version, name="LSCP", user=world.users["planner"]
    )
    lscp_job = ask(
        other, world.users["planner"], level, model="lscp", p=None, minutes=20, points=points
    )
    assert job.result["opened"] == lscp_job.result["opened"] > 0
    client.force_login(world.users["planner"])
    text = client.get(reverse("schema:suggestion", args=[job.pk])).content.decode()
    assert "Objectif hors de portée</strong> : même en ouvrant tous les candidats, au plus " in text
    assert "pour un objectif de 100,0\xa0%" in text and "alert-warning" in text


@pytest.mark.parametrize(
    "typed, error",
    [
        ("", "Donnez la part de la population à couvrir."),
        ("0,5", "La part à couvrir va de 1\xa0% à 100\xa0%."),
        ("100,1", "La part à couvrir va de 1\xa0% à 100\xa0%."),
        ("9,5,1", "« 9,5,1 » : un seul séparateur décimal (une virgule ou un point)."),
        ("abc", "« abc » n'est pas un nombre décimal (par exemple 6,95 ou 6.95)."),
    ],
)
def test_the_form_checks_the_coverage_goal(scenario, typed, error):
    level = level_of("urgences:1")
    data = {"level": level.pk, "model": "goal", "goal": typed, "candidates": "communes"}
    form = SuggestionForm(data, version=scenario.version)
    assert not form.is_valid()
    assert form.errors["goal"] == [error] and "p" not in form.errors


def test_the_form_takes_a_goal_with_a_decimal_comma_and_asks_no_p(scenario):
    level = level_of("urgences:1")
    for typed, value in [("97,5", 97.5), ("92.25", 92.25), ("1", 1.0), ("100", 100.0)]:
        data = {"level": level.pk, "model": "goal", "goal": typed, "p": "3",
                "candidates": "communes"}  # fmt: skip
        form = SuggestionForm(data, version=scenario.version)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["goal"] == value and form.cleaned_data["p"] is None
    # each field is only read for its models: what the other holds stops nothing
    for goal in ("500", "abc"):
        data = {"level": level.pk, "model": "mclp", "p": "2", "goal": goal,
                "candidates": "communes"}  # fmt: skip
        form = SuggestionForm(data, version=scenario.version)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["goal"] is None
    for model, goal in (("goal", "95"), ("lscp", "")):
        data = {"level": level.pk, "model": model, "goal": goal, "p": "abc",
                "candidates": "communes"}  # fmt: skip
        form = SuggestionForm(data, version=scenario.version)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["p"] is None


def test_the_suggest_page_starts_a_coverage_goal_job(
    scenario, world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.users["planner"])
    url = reverse("schema:scenario_suggest", args=[scenario.pk])
    page = client.get(url).content.decode()
    assert "Objectif de couverture : le moins de sites pour une part de la population" in page
    assert "Part de la population à couvrir (%)" in page
    data = {"level": level_of("urgences:1").pk, "model": "goal", "goal": "92,5",
            "candidates": "communes"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, data)
    assert response.status_code == 302
    job = SuggestionJob.objects.get()
    assert job.model == "goal" and job.parameters["goal"] == 92.5 and job.parameters["p"] is None
    suggestion_jobs.suggestion_run(job.pk)
    text = client.get(response["Location"]).content.decode()
    assert "<dt>Part de la population à couvrir</dt><dd>92,5\xa0%</dd>" in text
    assert "Réponse optimale (écart nul)." in text and "Résolu par " in text
    job.refresh_from_db()
    if job.result["goal_met"]:
        assert "Objectif atteint : " in text
    bad = client.post(url, {**data, "goal": "0"})
    assert bad.status_code == 422
    assert "La part à couvrir va de 1\xa0% à 100\xa0%." in bad.content.decode()


def test_the_coverage_goal_reads_in_english(scenario, world, client, settings):
    client.force_login(world.users["planner"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):
        page = client.get(reverse("schema:scenario_suggest", args=[scenario.pk]))
    text = page.content.decode()
    assert "Coverage goal: the fewest sites for a share of the population" in text
    assert "Share of the population to cover (%)" in text
    with translation.override("en"):
        job = ask(scenario, world.users["planner"], level_of("urgences:1"), model="goal", p=None,
                  goal=99)  # fmt: skip
    reasons = Scenario.objects.get(pk=scenario.pk).changes.values_list("reason", flat=True)
    assert job.status == Status.DONE and reasons
    assert all(r.startswith("suggested by the coverage goal: +") for r in reasons)
