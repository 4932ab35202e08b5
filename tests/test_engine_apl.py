"""The APL of the DREES (indicators.engine.apl): a case computed by hand, and the border."""

import csv
from pathlib import Path

import numpy as np
import pytest

from indicators.engine.apl import (
    AgeWeights,
    apl,
    apl_in_scope,
    site_supply,
    standardised_demand,
)
from indicators.engine.travel import Pairs, Places
from indicators.engine.travel.crowfly import CrowFly

FIXTURES = Path(__file__).parent / "fixtures"

#: Weights of the hand-computed case (not the DREES's: they are made for arithmetic).
WEIGHTS = AgeWeights((("0-59", 0.8), ("60+", 1.6)), source="test")


def pairs(*triples: tuple[int, int, float]) -> Pairs:
    origin, destination, minutes = zip(*triples, strict=True)
    return Pairs(np.array(origin), np.array(destination), np.array(minutes, float))


def hand_case():
    """Communes A, B (ages known), C (ages not loaded); sites X (1 + 0.5 ETP), Y (1 practitioner
    of unknown activity). A–X 5 min (w 1), B–X 12 (2/3), B–Y 8 (1), C–Y 18 (1/3), A–Y 25 and
    C–X 30 (beyond 20 min, w 0)."""
    demand, ages_known = standardised_demand(
        np.array([1000.0, 1000.0, 300.0]),
        np.array([[800.0, 200.0], [500.0, 500.0], [np.nan, np.nan]]),
        WEIGHTS,
    )
    supply, estimated = site_supply(np.array([1.0, 0.5, np.nan]), np.array([0, 0, 1]), 2)
    times = pairs((0, 0, 5), (1, 0, 12), (1, 1, 8), (2, 1, 18), (0, 1, 25), (2, 0, 30))
    return times, demand, ages_known, supply, estimated


def test_it_standardises_demand_by_age_and_falls_back_to_the_total_where_ages_are_missing():
    _times, demand, ages_known, _supply, _estimated = hand_case()
    # A: 0.8 × 800 + 1.6 × 200 = 960; B: 0.8 × 500 + 1.6 × 500 = 1200; C: total 300.
    np.testing.assert_allclose(demand, [960.0, 1200.0, 300.0], rtol=1e-15)
    np.testing.assert_array_equal(ages_known, [True, True, False])


def test_it_weights_supply_by_activity_and_counts_an_unknown_activity_as_one_etp():
    _times, _demand, _ages, supply, estimated = hand_case()
    np.testing.assert_allclose(supply, [1.5, 1.0])
    np.testing.assert_array_equal(estimated, [False, True])


def test_it_computes_the_apl_of_a_three_commune_two_site_case_by_hand():
    times, demand, ages_known, supply, estimated = hand_case()
    result = apl(times, demand, supply, ages_known=ages_known, estimated_supply=estimated)
    # Step 1: R_X = 1.5 / (960 + 2/3 × 1200) = 1.5 / 1760; R_Y = 1 / (1200 + 1/3 × 300) = 1/1300.
    np.testing.assert_allclose(result.ratio, [1.5 / 1760, 1 / 1300], rtol=1e-14)
    # Step 2: A = R_X; B = 2/3 R_X + R_Y; C = 1/3 R_Y.
    expected = [1.5 / 1760, 1 / 1760 + 1 / 1300, 1 / 3900]
    np.testing.assert_allclose(result.value, expected, rtol=1e-14)
    np.testing.assert_array_equal(result.estimated_supply, [False, True, True])
    np.testing.assert_array_equal(result.incomplete, [False, False, False])
    np.testing.assert_array_equal(result.ages_known, [True, True, False])


def test_a_commune_of_unknown_population_is_missing_not_zero_and_flags_its_neighbours():
    times, demand, _ages, supply, _estimated = hand_case()
    demand[2] = np.nan  # C's population is not loaded
    result = apl(times, demand, supply)
    assert np.isnan(result.value[2])
    # Y's catchment holds C: B (which reaches Y) is "bassin incomplet", A (X only) is not.
    np.testing.assert_array_equal(result.incomplete, [False, True, True])
    assert result.ratio[1] == pytest.approx(1 / 1200)


def test_a_site_whose_catchment_crosses_into_unloaded_territory_flags_who_reaches_it():
    times, demand, _ages, supply, _estimated = hand_case()
    result = apl(times, demand, supply, facility_outside_loaded=[True, False])
    np.testing.assert_array_equal(result.incomplete, [True, True, False])


def test_age_weights_must_match_the_bands_given_and_name_a_source():
    with pytest.raises(ValueError, match="3 age bands given for 2 weights"):
        standardised_demand(np.ones(1), np.ones((1, 3)), WEIGHTS)
    with pytest.raises(ValueError, match="source"):
        AgeWeights((("0-14", 1.0),), source=" ")


# --- the border: a real cross-border fixture (Ain, region 84, and its BFC neighbours) ---------


def border_fixture():
    """Communes of 01 (region 84), 39 and 71 (region 27) at their polygons' point on surface,
    with their legal populations, and the FINESS hospitals of the three départements as sites
    (tests/fixtures/make_apl_border.py built both from /work/shared/data/france)."""
    with open(FIXTURES / "apl-border-communes-01-39-71.csv", newline="") as f:
        communes = list(csv.DictReader(f))
    with open(FIXTURES / "apl-border-sites-01-39-71.csv", newline="") as f:
        sites = list(csv.DictReader(f))
    units = Places(
        np.array([c["code"] for c in communes], dtype=object),
        np.array([float(c["lon"]) for c in communes]),
        np.array([float(c["lat"]) for c in communes]),
    )
    facilities = Places(
        np.array([s["finess"] for s in sites], dtype=object),
        np.array([float(s["lon"]) for s in sites]),
        np.array([float(s["lat"]) for s in sites]),
    )
    region = np.array([c["region"] for c in communes])
    population = np.array([float(c["population"]) for c in communes])
    return units, facilities, region, population


def test_a_region_gets_the_same_apl_whether_the_run_covers_it_alone_or_every_region():
    units, facilities, region, population = border_fixture()
    provider, supply = CrowFly(), np.ones(len(facilities))
    ours = np.flatnonzero(region == "84")
    alone = apl_in_scope(provider, units, ours, facilities, population, supply)
    everything = apl_in_scope(
        provider, units, np.arange(len(units)), facilities, population, supply
    )
    np.testing.assert_allclose(alone.value, everything.value[ours], rtol=0, atol=1e-12)
    assert alone.value.max() > 0

    # What the border costs when step 1 sees only the region's communes: some differ.
    own_units = units.subset(ours)
    truncated = apl_in_scope(
        provider, own_units, np.arange(len(ours)), facilities, population[ours], supply
    )
    differs = np.abs(truncated.value - alone.value) > 1e-9
    assert differs.sum() > 10
