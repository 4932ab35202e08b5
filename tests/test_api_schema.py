"""/api/versions, /api/volets, /api/objectifs, /api/projets-pilotes, /api/initiatives: the
pages' roles through the API, writes through the services, 400 with field messages, 409 on a
stale lock_version, compliance, and fixed query counts."""

import datetime as dt
import math

import pytest

from sros import services
from sros.models import Initiative, Objective, PilotProject, Volet, VoletTheme
from tests.api_helpers import api_client, query_count
from tests.personas import PERSONAS

pytest_plugins = ["tests.personas"]


def client_of(world, persona):
    return api_client(None if persona == "anonymous" else world.users[persona])


@pytest.fixture
def objective(world):
    return services.objective_create(
        version=world.draft,
        zone=world.zones["A"],
        activity=world.activities["urgences"],
        modality="su",
        minimum=1,
        maximum=2,
    )


def objective_payload(world, **changes):
    payload = {
        "version": world.draft.pk,
        "zone": world.zones["B"].pk,
        "activity": world.activities["urgences"].pk,
        "modality": "su",
        "minimum": 1,
        "maximum": 3,
    }
    payload.update(changes)
    return payload


READ = {"anonymous": 401, "planner": 200, "other_planner": 403, "director": 200}
READ |= {"analyst": 200, "admin": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_reads_a_version_and_its_objectives(world, objective, persona):
    client = client_of(world, persona)
    assert client.get(f"/api/versions/{world.draft.pk}/").status_code == READ[persona]
    assert client.get(f"/api/objectifs/{objective.pk}/").status_code == READ[persona]
    listed = client.get(f"/api/objectifs/?version={world.draft.pk}")
    if READ[persona] == 200:
        assert [o["id"] for o in listed.json()["results"]] == [objective.pk]
    elif persona == "other_planner":
        assert listed.json()["count"] == 0


CREATE = {"anonymous": 401, "planner": 201, "other_planner": 403, "director": 403}
CREATE |= {"analyst": 403, "admin": 403}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_regions_planner_creates_objectives(world, persona):
    response = client_of(world, persona).post(
        "/api/objectifs/", objective_payload(world), format="json"
    )
    assert response.status_code == CREATE[persona]
    assert Objective.objects.count() == (1 if CREATE[persona] == 201 else 0)


def test_a_created_objective_carries_its_compliance(world):
    response = client_of(world, "planner").post(
        "/api/objectifs/", objective_payload(world), format="json"
    )
    body = response.json()
    assert body["zone_code"] == "B" and body["lock_version"] == 0
    assert body["compliance"]["status"] in {"below", "within", "above", "unknown"}
    assert body["compliance"]["status"] == "below"  # no facility at all in the persona world
    assert body["compliance"]["count"] == 0


def test_it_answers_400_with_field_messages(world):
    client = client_of(world, "planner")
    response = client.post(
        "/api/objectifs/", objective_payload(world, minimum=5, maximum=2), format="json"
    )
    assert response.status_code == 400
    assert "inférieur au minimum" in response.json()["maximum"][0]
    foreign = objective_payload(world, zone=world.other_zoning.zones.first().pk)
    assert "zone" in client.post("/api/objectifs/", foreign, format="json").json()
    missing = client.post("/api/objectifs/", {"version": world.draft.pk}, format="json")
    assert set(missing.json()) >= {"zone", "activity"}


def test_a_stale_lock_version_gets_409_with_the_saved_objective(world, objective):
    client = client_of(world, "planner")
    first = client.patch(
        f"/api/objectifs/{objective.pk}/", {"lock_version": 0, "maximum": 4}, format="json"
    )
    assert first.status_code == 200 and first.json()["lock_version"] == 1
    second = client.patch(
        f"/api/objectifs/{objective.pk}/", {"lock_version": 0, "maximum": 9}, format="json"
    )
    assert second.status_code == 409
    assert second.json()["current"]["maximum"] == 4
    assert second.json()["current"]["lock_version"] == 1
    objective.refresh_from_db()
    assert objective.maximum == 4
    no_lock = client.patch(f"/api/objectifs/{objective.pk}/", {"maximum": 5}, format="json")
    assert no_lock.status_code == 400 and "lock_version" in no_lock.json()


def test_another_regions_planner_cannot_write(world, objective):
    client = client_of(world, "other_planner")
    patch = client.patch(
        f"/api/objectifs/{objective.pk}/", {"lock_version": 0, "maximum": 9}, format="json"
    )
    assert patch.status_code == 403
    assert client.delete(f"/api/objectifs/{objective.pk}/?lock_version=0").status_code == 403
    objective.refresh_from_db()
    assert objective.maximum == 2


def test_the_planner_deletes_an_objective_naming_its_lock_version(world, objective):
    client = client_of(world, "planner")
    assert client.delete(f"/api/objectifs/{objective.pk}/?lock_version=7").status_code == 409
    assert client.delete(f"/api/objectifs/{objective.pk}/?lock_version=0").status_code == 204
    assert not Objective.objects.filter(pk=objective.pk).exists()


def test_volets_are_written_by_the_planner_with_the_lock(world):
    client = client_of(world, "planner")
    theme = VoletTheme.objects.first()
    created = client.post(
        "/api/volets/",
        {"version": world.draft.pk, "title": "Urgences", "theme": theme.pk, "narrative": "# A"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    renamed = client.patch(f"/api/volets/{pk}/", {"lock_version": 0, "title": "Soins urgents"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Soins urgents"
    stale = client.put(f"/api/volets/{pk}/", {"lock_version": 0, "title": "Autre"})
    assert stale.status_code == 409 and stale.json()["current"]["title"] == "Soins urgents"
    assert client.post("/api/volets/", {"version": world.draft.pk}).status_code == 400
    director = client_of(world, "director")
    refused = director.patch(f"/api/volets/{pk}/", {"lock_version": 1, "title": "X"})
    assert refused.status_code == 403
    assert Volet.objects.get(pk=pk).title == "Soins urgents"


def test_pilot_projects_follow_the_same_rules(world):
    theme = VoletTheme.objects.first()
    payload = {
        "region": world.region.code,
        "title": "Télé-expertise",
        "theme": theme.pk,
        "zone": world.zones["A"].pk,
        "start_date": "2026-01-01",
        "end_date": "2025-01-01",
    }
    client = client_of(world, "planner")
    bad = client.post("/api/projets-pilotes/", payload, format="json")
    assert bad.status_code == 400 and "end_date" in bad.json()
    payload["end_date"] = "2028-12-31"
    assert client_of(world, "analyst").post("/api/projets-pilotes/", payload).status_code == 403
    created = client.post("/api/projets-pilotes/", payload, format="json")
    assert created.status_code == 201, created.content
    project = PilotProject.objects.get()
    assert project.end_date == dt.date(2028, 12, 31)
    moved = client.patch(
        f"/api/projets-pilotes/{project.pk}/",
        {"lock_version": 0, "zone": world.other_zoning.zones.first().pk},
        format="json",
    )
    assert moved.status_code == 400 and "zone" in moved.json()
    other = client_of(world, "other_planner")
    assert other.get("/api/projets-pilotes/").json()["count"] == 0
    assert (
        other.patch(f"/api/projets-pilotes/{project.pk}/", {"lock_version": 0}).status_code == 403
    )


def test_initiatives_are_read_with_the_pages_filters(world):
    client = client_of(world, "analyst")
    total = client.get("/api/initiatives/?page_size=1").json()["count"]
    assert total == Initiative.objects.count() > 0
    kind = Initiative.objects.first().kind
    rows = client.get(f"/api/initiatives/?kind={kind}&page_size=1000").json()["results"]
    assert {r["kind"] for r in rows} == {kind}


@pytest.fixture
def many_objectives(world):
    """Objectives of one activity and modality in both zones of two versions' zoning."""
    for code in ("A", "B"):
        for modality in ("su", "smur"):
            services.objective_create(
                version=world.draft,
                zone=world.zones[code],
                activity=world.activities["urgences"],
                modality=modality,
                minimum=0,
            )
    for n in range(3):
        services.volet_create(version=world.draft, title=f"Volet {n}")


@pytest.mark.parametrize(
    "url",
    [
        "/api/versions/?page_size={n}",
        "/api/volets/?page_size={n}",
        "/api/objectifs/?modality=su&page_size={n}",
        "/api/projets-pilotes/?page_size={n}",
        "/api/initiatives/?page_size={n}",
    ],
)
def test_lists_cost_the_same_queries_whatever_the_page_size(
    world, many_objectives, url, django_assert_num_queries
):
    client = client_of(world, "planner")
    expected = query_count(client, url.format(n=1))
    with django_assert_num_queries(expected):
        client.get(url.format(n=100))
    assert expected <= 8


@pytest.fixture
def mixed_objectives(world, tmp_path):
    """Objectives over two zonings (the schema's and the GHT for psychiatry), four
    activities with and without modality (one counted by nothing: IRM), on facilities
    holding authorisations, so that every counting path of ``compliance_for`` is taken."""
    from io import StringIO

    from django.contrib.gis.geos import Point
    from django.core.management import call_command

    from facilities.models import Facility

    for n, commune in enumerate(world.communes):
        Facility.objects.create(
            finess_et=f"69000{n:04d}", name=f"CH fictif {n}", kind="ch", status="open",
            source="manual", commune=commune, point=Point(*commune.point.coords, srid=4326),
        )  # fmt: skip
    rows = ["finess_et;activity;modality;start_date;end_date"]
    rows += [f"69000{n:04d};urgences;su;2020-01-01;" for n in range(4)]
    rows += [f"69000{n:04d};urgences;smur;2020-01-01;" for n in (0, 5)]
    rows += [f"69000{n:04d};psychiatrie;adultes;2020-01-01;" for n in (1, 2, 4)]
    rows += ["690000000;chirurgie;adultes_generale;2020-01-01;"]
    rows += [f"69000{n:04d};chirurgie;pediatrie;2020-01-01;" for n in (0, 1)]
    path = tmp_path / "autorisations.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    call_command("import_open_data", "authorisations", str(path), stdout=StringIO())
    psychiatrie = world.activities["psychiatrie"]
    services.version_set_zoning(version=world.draft, zoning=world.ght_zoning, activity=psychiatrie)
    made = []
    for code in ("A", "B"):
        for activity, modality in (
            ("urgences", "su"), ("urgences", "smur"), ("chirurgie", ""),
            ("chirurgie", "adultes_generale"),
        ):  # fmt: skip
            made.append(
                services.objective_create(
                    version=world.draft,
                    zone=world.zones[code],
                    minimum=1,
                    maximum=2,
                    activity=world.activities[activity],
                    modality=modality,
                )  # fmt: skip
            )
        made.append(
            services.objective_create(
                version=world.draft,
                zone=world.zones[code],
                minimum=0,
                maximum=1,
                activity=world.activities["irm"],
            )  # fmt: skip
        )
    for modality in ("adultes", "infanto_juvenile"):
        made.append(
            services.objective_create(
                version=world.draft,
                zone=world.ght_zoning.zones.get(),
                minimum=1,
                maximum=2,
                activity=psychiatrie,
                modality=modality,
            )  # fmt: skip
        )
    return made


def test_objectives_of_many_zonings_and_activities_cost_fixed_queries(
    world, mixed_objectives, django_assert_num_queries
):
    """Two zonings, four activities, modalities given and not: the list costs the same at
    3 and at 100 objectives a page (both pages hold counted objectives: the two IRM ones,
    which count nothing, come first), and its compliance is each objective's own."""
    from sros.compliance import objective_compliance

    client = client_of(world, "planner")
    url = f"/api/objectifs/?version={world.draft.pk}&page_size="
    # session, user, admin group, version filter, count, page, then compliance: zonings
    # holding authorisations and the authorisations of the page's zones
    assert query_count(client, url + "3") == 8
    with django_assert_num_queries(8):
        rows = client.get(url + "100").json()["results"]
    assert len(rows) == len(mixed_objectives) == 12
    by_id = {o.pk: o for o in mixed_objectives}
    for row in rows:
        alone = objective_compliance(by_id[row["id"]])
        assert row["compliance"] == {
            "count": alone.count, "status": alone.status, "method": alone.method,
        }  # fmt: skip
    counts = {(r["zone_code"], r["activity_code"], r["modality"]): r["compliance"] for r in rows}
    assert counts[("A", "urgences", "su")]["count"] == 3
    assert counts[("A", "chirurgie", "")]["count"] == 2  # site 0 holds two modalities: once
    assert counts[("A", "chirurgie", "adultes_generale")]["count"] == 1
    assert counts[("B", "urgences", "smur")]["count"] == 1
    assert counts[("G1", "psychiatrie", "adultes")]["count"] == 3
    assert counts[("G1", "psychiatrie", "infanto_juvenile")]["count"] == 0
    assert counts[("A", "irm", "")]["status"] == "unknown"


# --- scenarios --------------------------------------------------------------------------------


@pytest.fixture
def hospital(world):
    from django.contrib.gis.geos import Point

    from facilities.models import Facility

    commune = world.communes[0]
    site = Facility.objects.create(
        finess_et="690000011", name="CH fictif", kind="ch", status="open", source="manual",
        commune=commune, point=Point(*commune.point.coords, srid=4326),
    )  # fmt: skip
    site.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    return site


@pytest.fixture
def scenario(world, hospital):
    from sros import scenarios

    services.objective_create(
        version=world.draft, zone=world.zones["A"], activity=world.activities["urgences"],
        modality="su", minimum=1, maximum=1,
    )  # fmt: skip
    return scenarios.scenario_create(
        version=world.draft,
        name="Fermeture du CH",
        changes=[{"kind": "close", "finess": hospital.finess_et}],
        user=world.users["planner"],
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_reads_a_scenario_its_changes_and_its_result(world, scenario, persona):
    client = client_of(world, persona)
    detail = client.get(f"/api/scenarios/{scenario.pk}/")
    assert detail.status_code == READ[persona]
    result = client.get(f"/api/scenarios/{scenario.pk}/resultat/")
    assert result.status_code == READ[persona]
    listed = client.get("/api/scenarios/")
    if READ[persona] != 200:
        assert persona != "other_planner" or listed.json()["count"] == 0
        return
    body = detail.json()
    assert (body["name"], body["author"], body["lock_version"]) == ("Fermeture du CH", "planner", 0)
    assert body["changes"] == [
        {
            "id": scenario.changes.get().pk, "kind": "close", "finess": "690000011", "label": "",
            "facility_kind": "", "lon": None, "lat": None, "activity": "", "modality": "",
            "reason": "", "order": 0,
        }
    ]  # fmt: skip
    assert [s["id"] for s in listed.json()["results"]] == [scenario.pk]


def test_the_result_is_the_scenario_pages_evaluation(world, scenario):
    from sros.scenarios import evaluate_scenario

    body = client_of(world, "analyst").get(f"/api/scenarios/{scenario.pk}/resultat/").json()
    (objective,) = body["objectives"]
    assert objective["zone_code"] == "A" and objective["changed"] is True
    assert objective["base"] == {"count": 1, "status": "within", "method": "authorisation"}
    assert objective["scenario"] == {"count": 0, "status": "below", "method": "authorisation"}
    expected = evaluate_scenario(scenario)
    assert [level["level"] for level in body["levels"]] == [lv.level.pk for lv in expected.levels]
    touched = [level for level in body["levels"] if level["closed"]]
    assert touched and all(level["closed"] == ["690000011"] for level in touched)
    for level, computed in zip(body["levels"], expected.levels, strict=True):
        for shown, figure in zip(level["region"], computed.region_figures, strict=True):
            assert shown["indicator"] == figure.indicator
            if figure.scenario is not None and math.isfinite(figure.scenario):
                assert shown["scenario"] == pytest.approx(figure.scenario)


def scenario_payload(world, hospital, **changes):
    point = world.communes[4].point
    payload = {
        "version": world.draft.pk,
        "name": "Nouveau site",
        "description": "MSP",
        "changes": [
            {"kind": "open", "label": "MSP fictive", "facility_kind": "msp",
             "lon": point.x, "lat": point.y},
            {"kind": "withdraw", "finess": hospital.finess_et, "activity": "urgences",
             "modality": "su"},
        ],
    }  # fmt: skip
    payload.update(changes)
    return payload


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_regions_planner_creates_scenarios(world, hospital, persona):
    from sros.models import Scenario

    response = client_of(world, persona).post(
        "/api/scenarios/", scenario_payload(world, hospital), format="json"
    )
    assert response.status_code == CREATE[persona]
    assert Scenario.objects.count() == (1 if CREATE[persona] == 201 else 0)
    if CREATE[persona] == 201:
        body = response.json()
        assert [c["kind"] for c in body["changes"]] == ["open", "withdraw"]
        assert body["changes"][0]["facility_kind"] == "msp"


def test_scenario_rules_answer_400_and_a_stale_lock_409(world, hospital, scenario):
    client = client_of(world, "planner")
    bad = client.post(
        "/api/scenarios/",
        scenario_payload(
            world, hospital, name="Fermeture du CH",
            changes=[{"kind": "close", "finess": "690009999"}],
        ),
        format="json",
    )  # fmt: skip
    assert bad.status_code == 400
    assert "existe déjà" in bad.json()["name"][0]
    assert "690009999" in bad.json()["changes"][0]
    url = f"/api/scenarios/{scenario.pk}/"
    renamed = client.patch(url, {"lock_version": 0, "name": "Fermeture"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["lock_version"] == 1
    assert len(renamed.json()["changes"]) == 1  # a PATCH without changes keeps them
    stale = client.put(url, {"lock_version": 0, "name": "Autre", "changes": []}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["name"] == "Fermeture"
    replaced = client.put(
        url, {"lock_version": 1, "name": "Fermeture", "changes": []}, format="json"
    )
    assert replaced.status_code == 200 and replaced.json()["changes"] == []
    director = client_of(world, "director")
    assert director.patch(url, {"lock_version": 2, "name": "X"}, format="json").status_code == 403


def test_scenarios_of_an_adopted_version_cannot_be_written(world, scenario):
    from sros import workflow

    planner = world.users["planner"]
    workflow.version_transition(world.draft, "submit", user=planner)
    workflow.version_transition(world.draft, "adopt", user=planner)
    client = client_of(world, "planner")
    url = f"/api/scenarios/{scenario.pk}/"
    assert client.patch(url, {"lock_version": 0, "name": "X"}, format="json").status_code == 403
    payload = {"version": world.draft.pk, "name": "Autre"}
    assert client.post("/api/scenarios/", payload, format="json").status_code == 403


@pytest.mark.parametrize("size", [1, 100])
def test_the_scenario_list_costs_fixed_queries(
    world, hospital, scenario, size, django_assert_num_queries
):
    from sros import scenarios

    point = world.communes[3].point
    for n in range(3):
        scenarios.scenario_create(
            version=world.draft, name=f"Ouverture {n}",
            changes=[{"kind": "open", "facility_kind": "msp", "lon": point.x,
                      "lat": point.y + n * 1e-4}],
        )  # fmt: skip
    client = client_of(world, "planner")
    # session, user, admin group, memberships, count, page, changes
    with django_assert_num_queries(7):
        rows = client.get(f"/api/scenarios/?version={world.draft.pk}&page_size={size}").json()
    assert len(rows["results"]) == min(size, 4) and rows["count"] == 4
