"""Scenarios on a schema version: validation, evaluation against a full recompute, compliance
changes, history, pages and their permission matrix."""

from __future__ import annotations

import math
from io import StringIO

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from access.services import membership_grant
from core.locking import ConflictError
from facilities.models import Facility
from indicators import inputs
from indicators.engine import StepWeights, beyond_target, nearest_access, two_step_fca
from indicators.engine.travel import Places
from indicators.engine.travel.crowfly import CrowFly
from indicators.models import IndicatorValue
from pathways.models import Level
from sros import scenarios, services, workflow
from sros.models import AuthorisedActivity, Scenario, ScenarioChange
from territories.models import Region, Zone, ZoneMembership, Zoning

pytest_plugins = ["tests.personas"]

Kind = ScenarioChange.Kind
REGION = IndicatorValue.UnitKind.REGION
ZONE = IndicatorValue.UnitKind.ZONE
Code = IndicatorValue.Indicator


def facility(number: str, commune, kind: str = "ch", status: str = "open") -> Facility:
    return Facility.objects.create(
        finess_et=number, name=f"CH fictif {number}", kind=kind, status=status, source="manual",
        commune=commune, point=Point(*commune.point.coords, srid=4326),
    )  # fmt: skip


def authorise(site: Facility, activity: str, modality: str = "") -> None:
    site.authorisations.create(activity=activity, modality=modality, start_date="2020-01-01")


def change(kind, finess="", **values):
    return {"kind": kind, "finess": finess, **values}


# --- validation -----------------------------------------------------------------------------


@pytest.fixture
def sites(world):
    a = facility("690000011", world.communes[0])
    authorise(a, "urgences", "su")
    closed = facility("690000029", world.communes[1], status="closed")
    return {"a": a, "closed": closed}


def errors_of(world, changes):
    return scenarios.changes_errors(world.draft, changes)


def test_it_refuses_to_close_an_unknown_or_closed_facility(world, sites):
    unknown, closed = errors_of(
        world, [change(Kind.CLOSE, "690009999"), change(Kind.CLOSE, "690000029")]
    )
    assert "Aucun établissement n'a le n° FINESS « 690009999 »." in unknown["finess"]
    assert "n'est pas ouvert (Fermé)" in closed["finess"][0]


def test_it_refuses_a_point_outside_the_region(world, sites):
    inside = world.communes[0].point
    ok, outside = errors_of(
        world,
        [
            change(Kind.OPEN, facility_kind="ch", lon=inside.x, lat=inside.y),
            change(Kind.OPEN, facility_kind="ch", lon=-40.0, lat=10.0),
        ],
    )
    assert ok == {}
    assert "hors de la région du schéma" in outside["lon"][0]


def test_it_refuses_a_modality_the_activity_does_not_admit(world, sites):
    [wrong] = errors_of(
        world, [change(Kind.AUTHORISE, "690000011", activity="urgences", modality="adultes")]
    )
    assert wrong["modality"] == [
        "Cette modalité ne s'applique pas à l'activité « Médecine d'urgence »."
    ]


def test_it_refuses_duplicate_changes_and_changes_on_a_site_it_closes(world, sites):
    rows = errors_of(
        world,
        [
            change(Kind.CLOSE, "690000011"),
            change(Kind.CLOSE, "690000011"),
            change(Kind.WITHDRAW, "690000011", activity="urgences", modality="su"),
        ],
    )
    assert rows[0] == {}
    assert rows[1]["kind"] == ["Ce changement figure déjà dans le scénario (ligne 1)."]
    assert rows[2]["finess"] == ["Le scénario ferme déjà l'établissement 690000011."]


def test_it_refuses_to_withdraw_an_authorisation_not_held_or_add_one_held(world, sites):
    withdraw, add = errors_of(
        world,
        [
            change(Kind.WITHDRAW, "690000011", activity="urgences", modality="smur"),
            change(Kind.AUTHORISE, "690000011", activity="urgences", modality="su"),
        ],
    )
    assert "ne détient pas cette autorisation" in withdraw["activity"][0]
    assert "détient déjà cette autorisation" in add["activity"][0]


def test_the_service_raises_every_error_and_saves_nothing(world, sites):
    with pytest.raises(ValidationError) as error:
        scenarios.scenario_create(
            version=world.draft, name=" ", user=world.users["planner"],
            changes=[change(Kind.CLOSE, "690009999")],
        )  # fmt: skip
    assert set(error.value.message_dict) == {"name", "changes"}
    assert Scenario.objects.count() == 0


def test_a_stale_save_is_refused_and_history_records_each_change(world, sites):
    planner = world.users["planner"]
    scenario = scenarios.scenario_create(
        version=world.draft, name="Fermeture", user=planner,
        changes=[change(Kind.CLOSE, "690000011")],
    )  # fmt: skip
    scenarios.scenario_update(
        scenario, lock_version=0, name="Fermeture des urgences", user=planner,
        changes=[change(Kind.WITHDRAW, "690000011", activity="urgences", modality="su")],
    )  # fmt: skip
    with pytest.raises(ConflictError) as conflict:
        scenarios.scenario_update(scenario, lock_version=0, name="Autre", user=planner)
    assert conflict.value.current.name == "Fermeture des urgences"
    names = list(scenario.history.order_by("history_id").values_list("name", "history_user"))
    assert names == [("Fermeture", planner.pk), ("Fermeture des urgences", planner.pk)]
    kinds = list(
        ScenarioChange.history.filter(scenario_id=scenario.pk)
        .order_by("history_id")
        .values_list("history_type", "kind")
    )
    assert kinds == [("+", "close"), ("-", "close"), ("+", "withdraw")]


def test_scenarios_of_an_adopted_version_are_read_only(world, sites):
    planner = world.users["planner"]
    workflow.version_transition(world.draft, "submit", user=planner)
    adopted = workflow.version_transition(world.draft, "adopt", user=planner)
    with pytest.raises(services.VersionReadOnly):
        scenarios.scenario_create(version=adopted, name="Trop tard", user=planner)


# --- evaluation on the demo region ----------------------------------------------------------


@pytest.fixture
def demo(db, world):
    """The demo region (99) with a draft using its schema zoning and a planner of it."""
    call_command("load_demo", stdout=StringIO())
    region = Region.objects.get(code="99")
    planner = world.users["planner"]
    membership_grant(user=planner, region=region, role="planner")
    planner.__dict__.pop("_sros_roles", None)  # the roles cached before the grant
    schema = services.schema_create(region=region)
    draft = workflow.version_new_draft(schema, user=planner)
    zoning = Zoning.objects.get(region=region, name__startswith="Zones du schéma")
    services.version_set_zoning(version=draft, zoning=zoning, user=planner)
    return draft


def maternity_level() -> Level:
    return Level.objects.get(pathway__code="perinatalite", rank=1)


def zone_with_one_maternity(version) -> tuple[Zone, Facility]:
    level = inputs.load_level_facilities(maternity_level())
    zoning = version.default_zoning
    zone_of = dict(
        ZoneMembership.objects.filter(zoning=zoning).values_list("commune_id", "zone_id")
    )
    by_zone: dict[int, list[int]] = {}
    for fid, commune_id in zip(
        level.facility_ids.tolist(), level.commune_ids.tolist(), strict=True
    ):
        if commune_id in zone_of:
            by_zone.setdefault(zone_of[commune_id], []).append(fid)
    zone_id, [fid] = next((z, f) for z, f in sorted(by_zone.items()) if len(f) == 1)
    return Zone.objects.get(pk=zone_id), Facility.objects.get(pk=fid)


def full_recompute(version, changes_applied):
    """Per level: nearest minutes and 2SFCA access from scratch, on the inputs with the
    scenario's changes applied by hand (``changes_applied(level_key, places) → places``)."""
    units = inputs.load_units(version.schema.region)
    weight, provider = StepWeights(), CrowFly()
    result = {}
    for level in Level.current.all():  # a scenario evaluates the current levels only
        facilities = inputs.load_level_facilities(level)
        if not len(facilities):
            continue
        places = changes_applied(facilities.key, facilities.places)
        nearest = nearest_access(provider, units.places, places, k=1)
        pairs = provider.within(units.places, places, weight.max_minutes)
        access = two_step_fca(pairs, units.population, np.ones(len(places)), weight).access
        result[level.pk] = (nearest.first_minutes, access, facilities.target_minutes)
    return units, result


def assert_equal_to_full_recompute(result, units, expected):
    assert {r.level.pk for r in result.levels} == set(expected)
    for level in result.levels:
        minutes, access, target = expected[level.level.pk]
        np.testing.assert_allclose(level.scenario_minutes, minutes, rtol=0, atol=1e-9)
        np.testing.assert_allclose(level.scenario_access, access, rtol=1e-9, atol=1e-12)
        region = beyond_target(minutes, units.population, np.zeros(len(units), int), 1,
                               target if target is not None else math.inf)  # fmt: skip
        figure = level.figure(REGION, "99", Code.MEAN_MINUTES)
        assert figure.scenario == pytest.approx(region.mean_minutes[0], abs=1e-9)
        if target is not None:
            figure = level.figure(REGION, "99", Code.POPULATION_BEYOND)
            assert figure.scenario == pytest.approx(region.population_beyond[0], abs=1e-9)


def test_closing_the_only_maternity_of_a_zone_equals_a_full_recompute(demo, world):
    zone, maternity = zone_with_one_maternity(demo)
    scenario = scenarios.scenario_create(
        version=demo, name="Fermer la maternité", user=world.users["planner"],
        changes=[change(Kind.CLOSE, maternity.finess_et)],
    )  # fmt: skip
    result = scenarios.evaluate_scenario(scenario)

    def without(_key, places):
        keep = np.flatnonzero(places.ids != maternity.finess_et)
        return places.subset(keep)

    units, expected = full_recompute(demo, without)
    assert_equal_to_full_recompute(result, units, expected)
    level = next(r for r in result.levels if r.level == maternity_level())
    assert level.closed == [maternity.finess_et]
    beyond = level.figure(ZONE, zone.code, Code.POPULATION_BEYOND)
    assert beyond.scenario > beyond.base
    assert beyond in level.changed_figures


def test_opening_and_authorising_equal_a_full_recompute(demo, world):
    """A new maternity in the far corner of the region, and an emergency unit added to a site
    that had none: both open a facility for their levels."""
    units = inputs.load_units(demo.schema.region)
    far = int(np.argmax(units.places.lon + units.places.lat))
    lon, lat = float(units.places.lon[far]), float(units.places.lat[far])
    site = Facility.objects.filter(
        commune__department__region__code="99", kind="ehpad", point__isnull=False
    ).order_by("finess_et")[0]
    scenario = scenarios.scenario_create(
        version=demo, name="Ouvrir", user=world.users["planner"],
        changes=[
            change(Kind.OPEN, facility_kind="ch", lon=lon, lat=lat, activity="obstetrique",
                   modality="obstetrique"),
            change(Kind.AUTHORISE, site.finess_et, activity="urgences", modality="su"),
        ],
    )  # fmt: skip
    result = scenarios.evaluate_scenario(scenario)
    served = {
        level.key: set(level.places.ids.tolist())
        for level in map(inputs.load_level_facilities, Level.current.all())
    }

    def with_new(key, places):
        added_ids, added_lon, added_lat = [], [], []
        if key == "perinatalite:1":
            added_ids.append("new-1"), added_lon.append(lon), added_lat.append(lat)
        level = Level.objects.get(pathway__code=key.split(":")[0], rank=int(key.split(":")[1]))
        if site.finess_et not in served[key] and scenarios._qualifies(
            level.requirements.all(), site.kind, {("urgences", "su")}
        ):
            added_ids.append(site.finess_et)
            added_lon.append(site.point.x), added_lat.append(site.point.y)
        return Places(
            np.concatenate([places.ids, np.array(added_ids, dtype=object)]),
            np.concatenate([places.lon, added_lon]),
            np.concatenate([places.lat, added_lat]),
        )

    units, expected = full_recompute(demo, with_new)
    assert_equal_to_full_recompute(result, units, expected)
    opened = {r.level.pathway.code: r.opened for r in result.levels if r.opened}
    assert opened["perinatalite"] == ["new-1"]
    assert site.finess_et in opened["urgences"]


def test_compliance_changes_when_the_scenario_closes_a_counted_site(demo, world):
    zone, maternity = zone_with_one_maternity(demo)
    obstetrique = AuthorisedActivity.objects.get(code="obstetrique")
    modality = maternity.authorisations.get(activity="obstetrique", modality="obstetrique").modality
    planner = world.users["planner"]
    objective = demo.objectives.filter(zone=zone, activity=obstetrique, modality=modality).first()
    if objective is None:
        objective = services.objective_create(
            version=demo, user=planner, zone=zone, activity=obstetrique, modality=modality,
            minimum=1, maximum=2,
        )  # fmt: skip
    else:
        objective = services.objective_update(
            objective, lock_version=objective.lock_version, user=planner, minimum=1, maximum=2
        )
    scenario = scenarios.scenario_create(
        version=demo, name="Fermer", user=planner,
        changes=[change(Kind.CLOSE, maternity.finess_et)],
    )  # fmt: skip
    result = scenarios.evaluate_scenario(scenario)
    [moved] = [o for o in result.changed_objectives if o.objective == objective]
    assert (moved.base.count, moved.base.status) == (1, "within")
    assert (moved.scenario.count, moved.scenario.status) == (0, "below")


# --- pages ----------------------------------------------------------------------------------

READERS = {"planner": 200, "director": 200, "analyst": 200, "admin": 200, "other_planner": 403}
PLANNER_ONLY = {"planner": 200, "director": 403, "analyst": 403, "admin": 403, "other_planner": 403}


@pytest.fixture
def saved(world, sites):
    return scenarios.scenario_create(
        version=world.draft, name="Fermer le CH", user=world.users["planner"],
        changes=[change(Kind.CLOSE, "690000011")],
    )  # fmt: skip


def form_data(name="Scénario", lock_version="", rows=()):
    data = {"name": name, "description": "", "lock_version": lock_version}
    fields = ("kind", "finess", "label", "facility_kind", "lon", "lat", "activity", "modality")
    rows = list(rows) + [{}]
    data.update(
        {"changes-TOTAL_FORMS": str(len(rows)), "changes-INITIAL_FORMS": "0",
         "changes-MIN_NUM_FORMS": "0", "changes-MAX_NUM_FORMS": "1000"}
    )  # fmt: skip
    for i, row in enumerate(rows):
        for name_ in fields:
            data[f"changes-{i}-{name_}"] = row.get(name_, "")
    return data


PAGES = {
    "list": ("get", lambda w, s: reverse("schema:scenarios", args=[w.draft.pk]), None, READERS),
    "detail": ("get", lambda w, s: reverse("schema:scenario", args=[s.pk]), None, READERS),
    "new": (
        "get",
        lambda w, s: reverse("schema:scenario_create", args=[w.draft.pk]),
        None,
        PLANNER_ONLY,
    ),
    "create": (
        "post",
        lambda w, s: reverse("schema:scenario_create", args=[w.draft.pk]),
        form_data("Nouveau", rows=[{"kind": "close", "finess": "690000011"}]),
        {**PLANNER_ONLY, "planner": 302},
    ),
    "edit": (
        "get",
        lambda w, s: reverse("schema:scenario_edit", args=[s.pk]),
        None,
        PLANNER_ONLY,
    ),
    "save": (
        "post",
        lambda w, s: reverse("schema:scenario_edit", args=[s.pk]),
        form_data("Renommé", lock_version="0", rows=[{"kind": "close", "finess": "690000011"}]),
        {**PLANNER_ONLY, "planner": 302},
    ),
}


@pytest.mark.parametrize("persona", ["anonymous", *READERS])
@pytest.mark.parametrize("page", PAGES)
def test_scenario_pages_answer_each_persona_as_the_matrix_says(world, saved, login_as, page,
                                                               persona):  # fmt: skip
    method, url, data, expected = PAGES[page]
    client = login_as(persona)
    response = getattr(client, method)(url(world, saved), data or {})
    if persona == "anonymous":
        assert response.status_code == 302 and "/connexion/" in response["Location"]
        return
    assert response.status_code == expected[persona]
    if method == "post" and expected[persona] != 302:
        assert Scenario.objects.get().name == "Fermer le CH"  # a refused write leaves nothing


def test_the_form_shows_each_rule_broken_next_to_its_row(world, sites, login_as):
    client = login_as("planner")
    rows = [
        {"kind": "close", "finess": "690009999"},
        {"kind": "open", "facility_kind": "ch", "lon": "-40", "lat": "10"},
        {"kind": "authorise", "finess": "690000011", "activity": "urgences", "modality": "adultes"},
    ]
    response = client.post(
        reverse("schema:scenario_create", args=[world.draft.pk]), form_data(rows=rows)
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Aucun établissement n&#x27;a le n° FINESS « 690009999 »." in page
    assert "hors de la région du schéma" in page
    assert "Cette modalité ne s&#x27;applique pas" in page
    assert Scenario.objects.count() == 0


def test_a_stale_edit_gets_the_conflict_page_and_keeps_the_input(world, saved, login_as):
    planner = world.users["planner"]
    scenarios.scenario_update(
        saved, lock_version=0, name="Changé ailleurs", user=planner,
        changes=[change(Kind.CLOSE, "690000011")],
    )  # fmt: skip
    client = login_as("planner")
    url = reverse("schema:scenario_edit", args=[saved.pk])
    mine = form_data(
        "Ma version", lock_version="0", rows=[{"kind": "close", "finess": "690000011"}]
    )
    response = client.post(url, mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'value="Ma version"' in page and "Changé ailleurs" in page
    assert 'name="lock_version" value="1"' in page
    assert client.post(url, {**mine, "lock_version": "1"}).status_code == 302
    assert Scenario.objects.get().name == "Ma version"


def test_the_scenario_page_compares_base_and_scenario_on_the_demo(demo, world, login_as):
    zone, maternity = zone_with_one_maternity(demo)
    scenario = scenarios.scenario_create(
        version=demo, name="Fermer la maternité", user=world.users["planner"],
        changes=[change(Kind.CLOSE, maternity.finess_et)],
    )  # fmt: skip
    response = login_as("planner").get(reverse("schema:scenario", args=[scenario.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Population au-delà de la cible" in page
    assert f"({zone.code})" in page  # the zone whose figures changed
    assert maternity.finess_et in page
    assert "Fermer un établissement" in page  # the history lists the change


def test_the_base_is_kept_while_the_latest_run_is_fresh_and_never_served_stale(demo, world):
    from core import response_cache
    from core.importing import data_changed
    from indicators import services as indicator_services
    from sros import scenario_base

    scenario_base.clear()
    zone, maternity = zone_with_one_maternity(demo)
    scenario = scenarios.scenario_create(
        version=demo, name="Fermer la maternité", user=world.users["planner"],
        changes=[change(Kind.CLOSE, maternity.finess_et)],
    )  # fmt: skip
    scenarios.evaluate_scenario(scenario)
    assert scenario_base.size() == 0  # no stored run: nothing to key a base on

    run = indicator_services.run_create(region=demo.schema.region, enqueue=False)
    assert indicator_services.run_compute(run.pk).status == "done"
    first = scenarios.evaluate_scenario(scenario)
    assert scenario_base.size() > 1  # the units and every level
    # An admin edit bumps the data version without marking the run stale: a new key too.
    key = scenario_base.base_key(demo.schema.region, CrowFly().parameters(), {}, 3)
    response_cache.invalidate()
    assert scenario_base.base_key(demo.schema.region, CrowFly().parameters(), {}, 3) != key
    first = scenarios.evaluate_scenario(scenario)
    again = scenarios.evaluate_scenario(scenario)
    for a, b in zip(first.levels, again.levels, strict=True):
        assert b.base_access is a.base_access  # the very arrays: read from the cache
        assert not a.base_access.flags.writeable and not a.base_minutes.flags.writeable
        np.testing.assert_array_equal(b.scenario_minutes, a.scenario_minutes)

    # Zonings are the planners' (no data_changed): the zone figures follow a moved commune.
    zoning = demo.default_zoning
    membership = ZoneMembership.objects.filter(zoning=zoning).exclude(zone=zone).first()
    moved_from = membership.zone
    membership.zone = zone
    membership.save()
    moved = scenarios.evaluate_scenario(scenario)
    level = next(r for r in moved.levels if r.level == maternity_level())
    before = next(r for r in first.levels if r.level == maternity_level())
    assert level.base_access is before.base_access  # the base itself is still kept
    for code in (zone.code, moved_from.code):
        mean = (ZONE, code, Code.MEAN_MINUTES)
        assert level.figure(*mean).base != pytest.approx(before.figure(*mean).base, abs=1e-9)

    # A data change marks the run stale: the next evaluation reads the registry again.
    other = (
        Facility.objects.filter(status="open", point__isnull=False)
        .exclude(pk=maternity.pk)
        .filter(pk__in=inputs.load_level_facilities(maternity_level()).facility_ids.tolist())
        .order_by("finess_et")
        .first()
    )
    Facility.objects.filter(pk=other.pk).update(status="closed")
    data_changed.send(sender=Facility, kind="facility")
    after = scenarios.evaluate_scenario(scenario)
    level = next(r for r in after.levels if r.level == maternity_level())
    before = next(r for r in first.levels if r.level == maternity_level())
    assert level.base_access is not before.base_access
    fresh = inputs.load_level_facilities(maternity_level())
    assert other.finess_et not in fresh.places.ids
    units = inputs.load_units(demo.schema.region)
    expected = nearest_access(CrowFly(), units.places, fresh.places, k=1).first_minutes
    np.testing.assert_allclose(level.base_minutes, expected, rtol=0, atol=1e-9)
    assert np.any(np.abs(level.base_minutes - before.base_minutes) > 1e-6)


# --- the builder's preview (issue 12 §2: the evaluation updates without reload) -------------


def figures(result) -> list[tuple]:
    return [
        (level.level.pk, f.label, f.base, f.scenario)
        for level in result.levels
        for f in level.region_figures
    ] + [(str(row.objective), row.base.count, row.scenario.count) for row in result.objectives]


def test_the_preview_equals_the_saved_scenarios_evaluation_and_leaves_nothing(demo, world):
    planner = world.users["planner"]
    _zone, maternity = zone_with_one_maternity(demo)
    changes = [change(Kind.CLOSE, maternity.finess_et)]

    def counts():
        return (
            Scenario.objects.count(),
            ScenarioChange.objects.count(),
            Scenario.history.count(),
            ScenarioChange.history.count(),
        )

    before = counts()
    preview = scenarios.scenario_preview(version=demo, changes=changes, user=planner)
    assert counts() == before
    saved = scenarios.scenario_create(
        version=demo, name="Fermer la maternité", changes=changes, user=planner
    )
    evaluated = scenarios.evaluate_scenario(saved)
    assert any(level.touched for level in preview.levels)
    assert figures(preview) == figures(evaluated) and figures(preview)


def test_the_preview_page_shows_the_rows_evaluation_or_their_errors(world, sites, login_as):
    url = reverse("schema:scenario_preview", args=[world.draft.pk])
    planner = login_as("planner")

    response = planner.post(url, form_data(rows=[{"kind": "close", "finess": "690000011"}]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Évaluation des 1 changement saisi" in page
    assert "Indicateurs par niveau de filière" in page and "scenario-map-link" not in page

    blank = planner.post(url, form_data())
    assert blank.status_code == 200 and "Aucun changement à évaluer" in blank.content.decode()

    wrong = planner.post(url, form_data(rows=[{"kind": "close", "finess": "690009999"}]))
    assert wrong.status_code == 422
    assert "Ligne 1" in wrong.content.decode()
    assert "690009999" in wrong.content.decode()
    assert Scenario.objects.count() == 0

    director = login_as("director")
    refused = director.post(url, form_data(rows=[{"kind": "close", "finess": "690000011"}]))
    assert refused.status_code == 403
