"""Perinatal access as the DREES counts it (Études et résultats n° 1201): the shares of the
women aged 15 to 44 (INSEE F1529 + F3044) beyond 30 and 45 minutes of a maternity, and beyond
45 minutes of a type 3 maternity; per commune, the total population where the ages are not
loaded, said on every page, export and API answer that shows the share."""

import csv
import html
import io

import pytest
from django.urls import reverse

from facilities.models import Facility
from indicators import services
from indicators.models import IndicatorRun, IndicatorValue
from pathways.models import Level
from territories.models import CommunePopulationByAge
from tests.export_fixtures import follow
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db

#: code, grid column, population, women 15-44. The maternity is in A: about 6 min of
#: crow-fly (×1.3 at 50 km/h) per column, so C is between 30 and 45 min, B beyond 45.
COMMUNES = (("01001", 0, 1000, 300.0), ("01006", 6, 2000, 100.0), ("01009", 9, 1000, 100.0))


def seeded(rank: int) -> Level:
    return Level.objects.get(pathway__code="perinatalite", rank=rank)


@pytest.fixture
def perinatal():
    """Région 84, three communes in a row with their ages (RP 2021), a type 3 maternity in
    the first one (obstétrique, néonatologie with intensive care, réanimation néonatale)."""
    region = make_region("84")
    ain = make_department("01", "Ain", region=region)
    communes = {}
    for code, col, population, women in COMMUNES:
        commune = make_commune(code, col=col, population=population, department=ain)
        CommunePopulationByAge.objects.create(
            commune=commune, year=2021, population=population, women_15_44=women,
            counts={"F1529": women / 2, "F3044": women / 2},
        )  # fmt: skip
        communes[code] = commune
    maternity = Facility.objects.create(
        finess_et="010000001", name="CH maternité", kind="ch", source="manual",
        commune=communes["01001"], point=communes["01001"].point,
    )  # fmt: skip
    for unit in ("obstetrique", "neonatologie_si", "reanimation_neonatale"):
        maternity.authorisations.create(
            activity="obstetrique", modality=unit, start_date="2020-01-01"
        )
    return {"region": region, "communes": communes}


def compute(region) -> IndicatorRun:
    levels = Level.objects.filter(pathway__code="perinatalite")
    run = services.run_compute(services.run_create(region=region, levels=levels, enqueue=False).pk)
    assert run.status == IndicatorRun.Status.DONE, run.error
    return run


def region_value(run, level, indicator) -> float | None:
    return IndicatorValue.objects.get(
        run=run, unit_kind="region", level=level, indicator=indicator
    ).value


def test_the_seeded_perinatal_levels_count_women_with_their_targets_and_sources():
    maternity, type_2, type_3 = seeded(1), seeded(2), seeded(3)

    assert {lv.population_weight for lv in (maternity, type_2, type_3)} == {"women_15_44"}
    assert maternity.second_target_minutes == 30
    assert {r.access_target_minutes for r in maternity.requirements.all()} == {45}
    assert {r.access_target_minutes for r in type_3.requirements.all()} == {45}
    assert "Études et résultats n° 1201" in maternity.target_source
    assert "choix de l'ARS" in type_2.target_source or "choisie par l'ARS" in type_2.target_source
    assert seeded(1).pathway.levels.count() == 3
    assert Level.objects.get(pathway__code="urgences", rank=1).population_weight == "total"


def test_shares_beyond_30_and_45_minutes_count_the_women_aged_15_to_44(perinatal):
    """Women: A 300 (0 min), C 100 (≈36 min), B 100 (≈55 min), 500 in all. Beyond 45 min:
    B, 100/500 = 0.2; beyond 30 min: C and B, 200/500 = 0.4. Counted by the whole
    population they would be 1000/4000 = 0.25 and 3000/4000 = 0.75."""
    run = compute(perinatal["region"])
    maternity, type_3 = seeded(1), seeded(3)
    minutes = dict(
        IndicatorValue.objects.filter(
            run=run, unit_kind="commune", level=maternity, indicator="nearest_minutes"
        ).values_list("unit_code", "value")
    )
    assert minutes["01001"] < 30 < minutes["01006"] <= 45 < minutes["01009"]

    assert region_value(run, maternity, "share_beyond") == pytest.approx(0.2)
    assert region_value(run, maternity, "population_beyond") == pytest.approx(100)
    assert region_value(run, maternity, "share_beyond_second") == pytest.approx(0.4)
    assert region_value(run, maternity, "population_beyond_second") == pytest.approx(200)
    assert region_value(run, type_3, "share_beyond") == pytest.approx(0.2)  # 45 min, type 3
    mean = (300 * minutes["01001"] + 100 * minutes["01006"] + 100 * minutes["01009"]) / 500
    assert region_value(run, maternity, "mean_minutes") == pytest.approx(mean)
    population = IndicatorValue.objects.get(
        run=run, unit_kind="region", indicator="population"
    ).value
    assert population == 4000  # the population itself stays everyone
    weight = run.inputs_summary["population_weights"][str(maternity.pk)]
    assert weight == {
        "asked": "women_15_44", "used": "women_15_44", "units": 3, "fallback_units": 0,
        "fallback_population": 0, "ages_years": [2021],
    }  # fmt: skip


def test_a_commune_without_ages_counts_its_total_population_and_the_run_says_so(perinatal):
    """C's ages removed: it counts its 2000 inhabitants. Weights 300, 2000, 100 (2400):
    beyond 45 min 100/2400, beyond 30 min 2100/2400."""
    CommunePopulationByAge.objects.filter(commune=perinatal["communes"]["01006"]).delete()
    run = compute(perinatal["region"])
    maternity = seeded(1)

    assert region_value(run, maternity, "share_beyond") == pytest.approx(100 / 2400)
    assert region_value(run, maternity, "share_beyond_second") == pytest.approx(2100 / 2400)
    weight = run.inputs_summary["population_weights"][str(maternity.pk)]
    assert (weight["used"], weight["fallback_units"], weight["fallback_population"]) == (
        "mixed", 1, 2000
    )  # fmt: skip


@pytest.fixture
def reader(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("chef", "c@e.org", "pw-c-123"))
    return client


def page(client, name, *args, **params) -> str:
    response = client.get(reverse(f"dashboard:{name}", args=["84", *args]), params)
    assert response.status_code == 200, name
    return html.unescape(response.content.decode())


ALL_TOTAL = "attention : population totale, âges non chargés"


def test_without_ages_every_page_export_and_api_answer_warns_of_the_total_population(
    perinatal, reader
):
    CommunePopulationByAge.objects.all().delete()
    run = compute(perinatal["region"])
    maternity = seeded(1)
    assert run.inputs_summary["population_weights"][str(maternity.pk)]["used"] == "total"
    assert region_value(run, maternity, "share_beyond") == pytest.approx(0.25)

    region = page(reader, "region")
    row = region.split(f'<tr data-level="{maternity.pk}">')[1].split("</tr>")[0]
    assert ALL_TOTAL in row and "weight-warning" in row
    assert "30\xa0min : 75,0\xa0%" in row
    assert "Études et résultats n° 1201" in row  # the target's source, with the level
    for text in (
        page(reader, "map", level=maternity.pk),
        page(reader, "pathway", "perinatalite"),
        page(reader, "territory", "commune", "01001"),
        page(reader, "territory", "departement", "01"),
    ):
        assert ALL_TOTAL in text and 'class="level-weights"' in text
    layer = reader.get(
        reverse("dashboard:choropleth", args=["84"]),
        {"units": "departements", "indicator": "share_beyond_second", "level": maternity.pk},
    ).json()
    assert layer["legend"]["note"].startswith(ALL_TOTAL) and layer["legend"]["weight_warning"]
    assert "(30 min)" in layer["legend"]["title"]
    department = page(reader, "territory", "departement", "01")
    assert "au-delà du second seuil (30 min) — population totale : âges non chargés" in department

    export = reverse("dashboard:export_indicators", args=["84", "csv"]) + "?units=region"
    text = follow(reader, export).content.decode("utf-8")[1:]
    lines = io.StringIO(text)
    next(lines)  # the first header row names the columns in French; the second holds the codes
    rows = list(csv.DictReader(lines, delimiter=";"))
    shares = [r for r in rows if r["indicator"] == "share_beyond_second"]
    assert shares and {r["population_weight"] for r in shares} == {"total"}

    detail = reader.get(f"/api/calculs/{run.pk}/").json()
    state = detail["level_states"][str(maternity.pk)]
    assert state["population_weight"] == "total"
    assert state["population_weight_note"].startswith(ALL_TOTAL)
    values = reader.get(f"/api/indicateurs/?run={run.pk}&level={maternity.pk}").json()
    assert {v["population_weight"] for v in values["results"]} == {"total"}
    levels = {lv["code"]: lv for lv in reader.get("/api/niveaux/").json()["results"]}
    assert levels["maternite"]["population_weight"] == "women_15_44"
    assert levels["maternite"]["second_target_minutes"] == 30


def test_with_every_age_loaded_the_pages_name_the_women_without_a_warning(perinatal, reader):
    compute(perinatal["region"])
    maternity = seeded(1)

    region = page(reader, "region")
    row = region.split(f'<tr data-level="{maternity.pk}">')[1].split("</tr>")[0]
    assert "femmes de 15 à 44 ans (INSEE, recensement 2021, F1529 + F3044)" in row
    assert "weight-warning" not in row and "attention" not in row
    assert "40,0\xa0%" in row  # beyond 30 min


def test_a_scenario_counts_the_women_as_the_run_does_and_says_whom_it_counted(perinatal):
    """The scenario's base figures are the run's (0.2 of the women beyond 45 min, not 0.25 of
    everyone); closing the only maternity puts every woman beyond."""
    from access.services import membership_grant
    from sros import scenarios, workflow
    from sros import services as schema_services
    from sros.models import ScenarioChange
    from tests.personas import make_user

    planner = make_user("planificatrice")
    membership_grant(user=planner, region=perinatal["region"], role="planner")
    schema = schema_services.schema_create(region=perinatal["region"])
    draft = workflow.version_new_draft(schema, user=planner)
    scenario = scenarios.scenario_create(
        version=draft, name="Fermer la maternité", user=planner,
        changes=[{"kind": ScenarioChange.Kind.CLOSE, "finess": "010000001"}],
    )  # fmt: skip
    result = scenarios.evaluate_scenario(scenario, levels=[seeded(1).pk])

    [level] = result.levels
    share = level.figure(IndicatorValue.UnitKind.REGION, "84", "share_beyond")
    assert (share.base, share.scenario) == (pytest.approx(0.2), pytest.approx(1.0))
    second = level.figure(IndicatorValue.UnitKind.REGION, "84", "share_beyond_second")
    assert second.base == pytest.approx(0.4)
    assert level.weight["used"] == "women_15_44"
