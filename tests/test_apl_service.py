"""The APL of a region from the database (indicators.apl_services) and its API / CSV export."""

import csv
import io
import json

import pytest

from access.services import membership_grant
from facilities.practitioners import PracticeSite, Practitioner
from indicators.apl_services import (
    AGES_MISSING,
    CATCHMENT_INCOMPLETE,
    SUPPLY_ESTIMATED,
    UNIT_CONSULTATIONS,
    UNIT_ETP,
    apl_compute,
    apl_compute_all,
)
from indicators.engine.apl import AgeWeights
from indicators.models import AplValue
from territories.models import CommunePopulationByAge
from territories.services import zoning_create
from tests.api_helpers import api_client
from tests.factories import make_commune, make_department, make_region, square
from tests.personas import make_user

#: Weights made for arithmetic (not the DREES's): 0.8 under 60 and 1.6 from 75.
WEIGHTS = AgeWeights(
    (("0-14", 0.8), ("15-29", 0.8), ("30-44", 0.8), ("45-59", 0.8), ("60-74", 1.0), ("75+", 1.6)),
    source="test weights",
)


def ages(commune, under_15: float, over_75: float) -> None:
    counts = {"POP0014": under_15, "POP1529": 0, "POP3044": 0, "POP4559": 0, "POP6074": 0}
    counts["POP75P"] = over_75
    CommunePopulationByAge.objects.create(
        commune=commune, year=2021, population=under_15 + over_75, counts=counts
    )


def site(key: str, commune, *activities) -> PracticeSite:
    """A practice site at its commune's point with one GP per activity (None = not given)."""
    place = PracticeSite.objects.create(structure_key=key, commune=commune, placed_at_commune=True)
    for n, activity in enumerate(activities):
        Practitioner.objects.create(
            source_key=f"{key}-{n}",
            national_id=f"{key}{n}",
            profession_code="10",
            savoir_faire_code="SM54",
            site=place,
            activity=activity,
            activity_unit="" if activity is None else Practitioner.ActivityUnit.ETP,
        )
    return place


@pytest.fixture
def case(db, tmp_path):
    """A and B in Ain (region 84), C across the border in Jura (region 27, ages not loaded).
    X at A (1 + 0.5 ETP), Y at C (one GP, activity unknown). Times from a matrix: A–X 5,
    B–X 12, B–Y 8, C–Y 18, A–Y 25, C–X 30 — the hand case of tests/test_engine_apl.py."""
    ain = make_department("01", "Ain", region=make_region("84"))
    jura = make_department("39", "Jura", region=make_region("27", "Bourgogne-Franche-Comté"))
    a = make_commune("01001", col=0, population=1000, department=ain)
    b = make_commune("01002", col=1, population=1000, department=ain)
    c = make_commune("39001", col=2, population=300, department=jura)
    ages(a, 800, 200)
    ages(b, 500, 500)
    x = site("X", a, 1.0, 0.5)
    y = site("Y", c, None)
    matrix = tmp_path / "times.csv"
    rows = [("01001", x, 5), ("01002", x, 12), ("01002", y, 8), ("39001", y, 18),
            ("01001", y, 25), ("39001", x, 30)]  # fmt: skip
    # Commune to commune, as INSEE's Metric distancier exports (the layout).
    matrix.write_text(
        "origin_commune;destination_commune;minutes\n"
        + "".join(f"{o};{s.commune.code};{m}\n" for o, s, m in rows)
    )
    parameters = {"provider": "matrix", "path": str(matrix)}
    return {"region": ain.region, "parameters": parameters, "communes": (a, b, c)}


def test_it_computes_a_region_with_the_demand_of_the_communes_across_its_border(case):
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"],
                      age_weights=WEIGHTS)  # fmt: skip
    values = {v.commune.code: v for v in run.values.select_related("commune")}
    assert set(values) == {"01001", "01002"}  # the run's region only
    # R_X = 1.5 / 1760, R_Y = 1 / 1300: C's 300 inhabitants (region 27) are in Y's step 1.
    assert values["01001"].value == pytest.approx(1.5 / 1760 * 100_000, rel=1e-12)
    assert values["01002"].value == pytest.approx((1 / 1760 + 1 / 1300) * 100_000, rel=1e-12)
    assert values["01001"].standardised_population == pytest.approx(960)
    assert run.unit == UNIT_ETP
    assert [values[c].estimated_supply for c in ("01001", "01002")] == [False, True]
    assert run.summary["practitioners"] == 3 and run.summary["practitioners_with_activity"] == 2


def test_every_region_at_once_gives_each_region_what_it_gets_alone(case):
    alone = {
        region.code: apl_compute(region.pk, provider_parameters=case["parameters"],
                                 age_weights=WEIGHTS)
        for region in (case["region"], case["communes"][2].department.region)
    }  # fmt: skip
    timings: dict[str, float] = {}
    runs = apl_compute_all(provider_parameters=case["parameters"], age_weights=WEIGHTS,
                           timings=timings)  # fmt: skip
    assert [run.region.code for run in runs] == ["27", "84"]
    for run in runs:
        mine = dict(run.values.values_list("commune__code", "value"))
        theirs = dict(alone[run.region.code].values.values_list("commune__code", "value"))
        assert mine.keys() == theirs.keys() and mine
        assert all(mine[c] == pytest.approx(theirs[c], rel=1e-12) for c in mine)
        assert run.summary == alone[run.region.code].summary
    assert "engine (all communes at once)" in timings
    assert (
        apl_compute_all([case["region"].pk], provider_parameters=case["parameters"])[0].region
        == case["region"]
    )


def test_it_converts_etp_into_consultations_with_a_named_factor(case):
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"],
                      age_weights=WEIGHTS, consultations_per_etp=4000.0,
                      consultations_source="test factor")  # fmt: skip
    a = run.values.get(commune__code="01001")
    assert a.value == pytest.approx(1.5 / 1760 * 4000, rel=1e-12)
    assert run.unit == UNIT_CONSULTATIONS
    assert run.parameters["consultations_source"] == "test factor"
    with pytest.raises(ValueError, match="source"):
        apl_compute(case["region"].pk, consultations_per_etp=4000.0)


def test_without_ages_the_demand_is_the_total_population_and_says_so(case):
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    a = run.values.get(commune__code="01001")
    # R_X = 1.5 / (1000 + 2/3 × 1000)
    assert a.value == pytest.approx(1.5 / (1000 + 2000 / 3) * 100_000, rel=1e-12)
    assert not a.ages_known and run.parameters["age_weights"] is None


def test_a_commune_without_population_is_missing_not_zero_and_flags_its_catchment(case):
    a, b, _c = case["communes"]
    b.population = None
    b.save()
    CommunePopulationByAge.objects.filter(commune=b).delete()
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"],
                      age_weights=WEIGHTS)  # fmt: skip
    values = {v.commune.code: v for v in run.values.select_related("commune")}
    assert values["01002"].value is None and values["01002"].population is None
    assert values["01001"].incomplete_catchment  # X's catchment holds B


def test_a_site_near_a_departement_with_no_commune_loaded_makes_its_communes_incomplete(case):
    make_department("71", "Saône-et-Loire", region=case["region"], geometry=square(0, 1))
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    assert run.values.filter(incomplete_catchment=True).count() == 2


def test_the_tvs_mean_is_weighted_by_population(case):
    zoning_create(region=case["region"], name="TVS", kind="tvs",
                  zones={"T1": ("TVS 1", ["01001", "01002"])})  # fmt: skip
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"],
                      age_weights=WEIGHTS)  # fmt: skip
    zone = run.zone_values.get()
    a, b = (run.values.get(commune__code=c).value for c in ("01001", "01002"))
    assert zone.value == pytest.approx((1000 * a + 1000 * b) / 2000, rel=1e-12)
    assert zone.communes_missing == 0


def test_the_api_and_the_csv_show_the_unit_and_what_each_figure_lacks(case):
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    user = make_user("analyst")
    membership_grant(user=user, region=case["region"], role="analyst")
    client = api_client(user)
    body = client.get(f"/api/apl/{run.pk}/communes/").json()
    assert body["unit"] == UNIT_ETP and body["provider"]["provider"] == "matrix"
    b = next(row for row in body["results"] if row["code"] == "01002")
    assert b["notes"] == [SUPPLY_ESTIMATED, AGES_MISSING]
    response = client.get(f"/api/apl/{run.pk}/communes-csv/")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode()), delimiter=";"))
    assert {r["unite"] for r in rows} == {UNIT_ETP}
    assert {json.loads(r["temps_de_trajet"])["provider"] for r in rows} == {"matrix"}
    assert {r["code_commune"] for r in rows} == {"01001", "01002"}
    assert next(r for r in rows if r["code_commune"] == "01002")["avertissements"] == (
        f"{SUPPLY_ESTIMATED} ; {AGES_MISSING}"
    )
    stranger = make_user("stranger")
    assert api_client(stranger).get(f"/api/apl/{run.pk}/communes/").status_code in (403, 404)
    assert CATCHMENT_INCOMPLETE not in b["notes"]
    assert AplValue.objects.filter(run=run).count() == 2


def test_the_command_computes_a_run_with_weights_read_from_a_file(case, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    weights = tmp_path / "weights.csv"
    weights.write_text("band;weight\n0-14;0,8\n15-29;0.8\n30-44;0.8\n45-59;0.8\n60-74;1\n75+;1.6\n")
    out = StringIO()
    call_command("compute_apl", "84", "--matrix", case["parameters"]["path"], "--age-weights",
                 str(weights), "--weights-source", "test weights", stdout=out)  # fmt: skip
    assert UNIT_ETP in out.getvalue() and "communes_ages_known: 2" in out.getvalue()
    value = AplValue.objects.get(commune__code="01001")
    assert value.value == pytest.approx(1.5 / 1760 * 100_000, rel=1e-12)
    assert value.run.parameters["age_weights"]["source"] == "test weights"


def test_the_command_computes_every_region_with_all(case):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("compute_apl", "all", "--matrix", case["parameters"]["path"], stdout=out)
    assert "for 27:" in out.getvalue() and "for 84:" in out.getvalue()
    value = AplValue.objects.get(commune__code="01002")
    # No weights: R_X = 1.5 / (1000 + 2/3 × 1000), R_Y = 1 / (1000 + 300 / 3).
    assert value.value == pytest.approx((1 / (1000 + 2000 / 3) + 1 / 1100) * 100_000, rel=1e-12)


def test_the_page_shows_the_unit_the_notes_and_refuses_other_regions(case, client):
    run = apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    user = make_user("director")
    membership_grant(user=user, region=case["region"], role="director")
    client.force_login(user)
    html = client.get("/indicateurs/apl/84/").content.decode()
    assert UNIT_ETP in html and f"{SUPPLY_ESTIMATED} ; {AGES_MISSING}" in html
    assert 'data-commune="01001"' in html and 'data-commune="39001"' not in html
    assert f"/api/apl/{run.pk}/communes-csv/" in html
    client.force_login(make_user("stranger"))
    assert client.get("/indicateurs/apl/84/").status_code == 404


def test_without_any_practitioner_loaded_the_apl_is_refused_not_zero(case):
    Practitioner.objects.all().delete()
    with pytest.raises(ValueError, match="no general practitioner"):
        apl_compute(case["region"].pk, provider_parameters=case["parameters"])
    assert not AplValue.objects.exists()
