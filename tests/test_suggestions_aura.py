"""Suggestions and the « Fermetures » table on the real Auvergne-Rhône-Alpes data (4,000
communes, the GISCO hospitals): the closures' figures of the most harmful sites equal a full
evaluation of the scenario closing each, and an MCLP suggestion over every commune's point
answers exactly within seconds and is what the evaluation then finds covered."""

import time

import numpy as np
import pytest

from facilities.models import Facility
from indicators import inputs
from sros import closures, scenarios, suggestion_jobs, suggestions
from sros.models import Scenario, SuggestionJob
from tests.test_schema_aura_pages import aura, aura_schema  # noqa: F401 (fixtures)

pytestmark = pytest.mark.open_data


def _served_level(version):
    """The first level a new site can serve that has sites on AURA and a target."""
    for level in suggestions.suggestible_levels():
        sites = inputs.load_level_facilities(level)
        if len(sites) and sites.target_minutes is not None:
            return level, sites
    pytest.skip("no level with sites and a target on AURA")


def test_closures_and_a_suggestion_on_aura_equal_full_evaluations(aura_schema):  # noqa: F811
    draft, planner = aura_schema["draft"], aura_schema["planner"]
    level, sites = _served_level(draft)
    started = time.perf_counter()
    table = closures.closures(draft, level)
    closure_seconds = time.perf_counter() - started
    units = inputs.load_units(draft.schema.region, with_zonings=False)
    demand = inputs.level_population(units, sites)
    target = sites.target_minutes
    assert len(table.rows) > 10 and table.rows[0].harm > 0
    for row in table.rows[:3]:
        scenario = closures.close_in_scenario(
            version=draft, facility=Facility.objects.get(pk=row.facility_id), user=planner
        )
        [evaluated] = scenarios.evaluate_scenario(scenario, levels=[level.pk]).levels
        before, after = evaluated.base_minutes, evaluated.scenario_minutes
        newly = (before <= target) & (after > target) & np.isfinite(after)
        assert row.population_beyond == pytest.approx(float(demand[newly].sum()), abs=1e-6)
        assert row.communes_beyond == int(newly.sum())
        reach = np.isfinite(after)
        mean = float((demand[reach] * after[reach]).sum() / demand[reach].sum())
        base = float((demand * before).sum() / demand.sum())
        assert row.mean_minutes_change == pytest.approx(mean - base, abs=1e-9)

    scenario = scenarios.scenario_create(version=draft, name="Suggestion AURA", user=planner)
    job = suggestion_jobs.suggestion_create(
        scenario=scenario, user=planner, level=level, model="mclp", target_minutes=target, p=3,
        points=None,
    )  # fmt: skip
    started = time.perf_counter()
    job = suggestion_jobs.suggestion_run(job.pk)
    suggestion_seconds = time.perf_counter() - started
    assert job.status == SuggestionJob.Status.DONE, job.error
    assert job.result["candidates"] == len(units) > 4000
    scenario = Scenario.objects.get(pk=scenario.pk)
    assert scenario.changes.count() == 3
    [evaluated] = scenarios.evaluate_scenario(scenario, levels=[level.pk]).levels
    covered = float(demand[evaluated.scenario_minutes <= target].sum())
    assert covered == pytest.approx(job.result["covered"], rel=1e-9)
    print(
        f"AURA {level}: closures {closure_seconds:.2f} s ({len(table.rows)} sites), "
        f"MCLP p=3 {suggestion_seconds:.2f} s (solver {job.result['solver']} "
        f"{job.result['seconds']:.2f} s, gap {job.result['gap']})"
    )

    # the coverage goal on the same level: 99 % of its people within the target
    scenario = scenarios.scenario_create(version=draft, name="Objectif AURA", user=planner)
    job = suggestion_jobs.suggestion_create(
        scenario=scenario, user=planner, level=level, model="goal", target_minutes=target,
        p=None, points=None, goal=99,
    )  # fmt: skip
    started = time.perf_counter()
    job = suggestion_jobs.suggestion_run(job.pk)
    goal_seconds = time.perf_counter() - started
    assert job.status == SuggestionJob.Status.DONE, job.error
    assert job.result["goal_met"] and job.result["share"] >= 0.99
    scenario = Scenario.objects.get(pk=scenario.pk)
    assert scenario.changes.count() == job.result["opened"]
    [evaluated] = scenarios.evaluate_scenario(scenario, levels=[level.pk]).levels
    covered = float(demand[evaluated.scenario_minutes <= target].sum())
    assert covered == pytest.approx(job.result["covered"], rel=1e-9)
    print(
        f"AURA {level}: coverage goal 99 % {goal_seconds:.2f} s, {job.result['opened']} sites "
        f"(solver {job.result['solver']} {job.result['seconds']:.2f} s, gap {job.result['gap']}), "
        f"share {job.result['share']:.4f}"
    )
