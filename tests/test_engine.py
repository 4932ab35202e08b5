"""The coverage engine on cases small enough to compute by hand."""

import math

import numpy as np
import pytest

from indicators.engine import (
    APL_BANDS,
    GaussianWeights,
    StepWeights,
    beyond_target,
    compliance,
    density_per_10k,
    group_sum,
    nearest_access,
    two_step_fca,
)
from indicators.engine.travel import NO_DESTINATION, Pairs, Places
from indicators.engine.travel.crowfly import EARTH_RADIUS_KM, CrowFly

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # along the equator


def places(*lon_lat: tuple[float, float]) -> Places:
    points = np.array(lon_lat, dtype=float).reshape(-1, 2)
    return Places(np.arange(len(points)), points[:, 0], points[:, 1])


def pairs(*triples: tuple[int, int, float]) -> Pairs:
    origin, destination, minutes = zip(*triples, strict=True)
    return Pairs(np.array(origin), np.array(destination), np.array(minutes, float))


def test_it_finds_the_k_nearest_facilities_sorted_by_time():
    """On the equator one degree is R·π/180 km; crow-fly minutes = km × 1.3 / 50 × 60."""
    units = places((0.0, 0.0), (3.0, 0.0))
    facilities = places((1.0, 0.0), (-0.5, 0.0), (2.5, 0.0))
    nearest = nearest_access(CrowFly(), units, facilities, k=2)

    def minutes(degrees: float) -> float:
        return degrees * KM_PER_DEGREE * 1.3 / 50 * 60

    np.testing.assert_array_equal(nearest.facility, [[1, 0], [2, 0]])
    np.testing.assert_allclose(
        nearest.minutes, [[minutes(0.5), minutes(1.0)], [minutes(0.5), minutes(2.0)]], rtol=1e-9
    )
    np.testing.assert_array_equal(nearest.first_facility, [1, 2])
    assert nearest.first_minutes[0] == pytest.approx(0.5 * KM_PER_DEGREE * 1.3 / 50 * 60)


def test_it_fills_missing_places_when_there_are_fewer_facilities_than_k():
    nearest = nearest_access(CrowFly(), places((0, 0), (1, 1)), places((0.1, 0.0)), k=3)
    assert np.all(np.isinf(nearest.minutes[:, 1:]))
    assert np.all(nearest.facility[:, 1:] == NO_DESTINATION)

    nothing = nearest_access(CrowFly(), places((0, 0)), places(), k=2)
    assert np.all(np.isinf(nothing.minutes)) and np.all(nothing.facility == NO_DESTINATION)


def test_group_sum_adds_values_per_group_and_gives_zero_to_an_empty_group():
    np.testing.assert_array_equal(group_sum([1, 2, 3, 4], [0, 2, 0, 2], 4), [4, 0, 6, 0])


def test_beyond_target_computes_shares_and_weighted_means_per_group():
    """Target 30 min.

    Group 0: units at 10 min (100 inh.), 40 min (50) and unreachable (10): population 160;
      mean over the reachable = (10·100 + 40·50) / 150 = 20; beyond = 50 + 10 = 60 (the
      unreachable count as beyond); share = 60 / 160 = 0.375.
    Group 1: 20 min (200) and exactly 30 min (0 inh.): mean 20; nobody beyond (30 is not > 30).
    Group 2: no unit: population 0, mean NaN, beyond 0, share NaN.
    Group 3: one unreachable unit of 5 inh.: mean NaN, beyond 5, share 1.
    """
    result = beyond_target(
        minutes=np.array([10, 40, np.inf, 20, 30, np.inf]),
        population=np.array([100, 50, 10, 200, 0, 5]),
        groups=np.array([0, 0, 0, 1, 1, 3]),
        n_groups=4,
        target_minutes=30,
    )
    np.testing.assert_array_equal(result.population, [160, 200, 0, 5])
    np.testing.assert_array_equal(result.mean_minutes, [20, 20, np.nan, np.nan])
    np.testing.assert_array_equal(result.population_beyond, [60, 0, 0, 5])
    np.testing.assert_array_equal(result.share_beyond, [0.375, 0, np.nan, 1])


def test_beyond_target_takes_one_target_per_group():
    """Both units at 40 min: beyond a 30 min target (group 0), within a 45 min one (group 1)."""
    result = beyond_target(
        np.array([40.0, 40.0]), np.array([7, 9]), np.array([0, 1]), 2, np.array([30.0, 45.0])
    )
    np.testing.assert_array_equal(result.population_beyond, [7, 0])
    np.testing.assert_array_equal(result.share_beyond, [1, 0])


def test_density_is_supply_per_ten_thousand_inhabitants_of_the_zone():
    """Zone 0: 2 facilities / 10,000 inh. → 2.0; zone 1: 3 beds / 25,000 → 1.2; zone 2: NaN."""
    density = density_per_10k(
        capacity=np.array([1, 1, 3]),
        facility_groups=np.array([0, 0, 1]),
        population=np.array([10_000, 5_000, 20_000]),
        unit_groups=np.array([0, 1, 1]),
        n_groups=3,
    )
    np.testing.assert_allclose(density, [2.0, 1.2, np.nan])


def test_step_weights_have_inclusive_upper_bounds_and_the_apl_bands_by_default():
    weight = StepWeights()
    assert weight.bands == APL_BANDS
    assert weight.max_minutes == 20
    minutes = np.array([0, 10, 10.000001, 15, 15.5, 20, 20.000001, np.inf, np.nan])
    np.testing.assert_array_equal(weight(minutes), [1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0, 0])
    assert weight.parameters() == {"kind": "step", "bands": [[10, 1], [15, 2 / 3], [20, 1 / 3]]}


def test_step_weights_parse_the_command_line_form_and_reject_bad_bands():
    assert StepWeights.parse("10:1, 15:0.6667,20:0.3333").bands == (
        (10, 1),
        (15, 0.6667),
        (20, 0.3333),
    )
    with pytest.raises(ValueError, match="'15'"):
        StepWeights.parse("10:1,15")
    with pytest.raises(ValueError, match="increasing"):
        StepWeights.parse("15:1,10:0.5")
    with pytest.raises(ValueError, match="non-negative"):
        StepWeights.parse("10:-1")


def test_gaussian_weights_decay_from_one_and_stop_at_the_cut_off():
    weight = GaussianWeights(max_minutes=20)
    assert weight.sigma == 10
    np.testing.assert_allclose(
        weight(np.array([0, 10, 20, 20.5])), [1, math.exp(-0.5), math.exp(-2), 0]
    )
    assert weight.parameters() == {"kind": "gaussian", "max_minutes": 20, "sigma": 10}


def test_two_step_fca_on_three_units_and_two_facilities_by_hand():
    """APL step weights; populations P = (100, 200, 300), capacities S = (1, 2).

    Pairs: u0–f0 5 min (w 1), u1–f0 12 min (w 2/3), u1–f1 8 min (w 1), u2–f1 18 min (w 1/3),
    u2–f0 25 min (w 0: beyond the last band, drops out).
    R_0 = 1 / (1·100 + 2/3·200) = 3/700;  R_1 = 2 / (1·200 + 1/3·300) = 1/150.
    A_0 = 3/700;  A_1 = 2/3·3/700 + 1/150 = 1/105;  A_2 = 1/3·1/150 = 1/450.
    Check: Σ A_i P_i = 300/700 + 200/105 + 300/450 = 3 = Σ S_j (everyone is in a catchment).
    """
    result = two_step_fca(
        pairs((0, 0, 5), (1, 0, 12), (1, 1, 8), (2, 1, 18), (2, 0, 25)),
        population=np.array([100, 200, 300]),
        capacity=np.array([1, 2]),
        weight=StepWeights(),
    )
    np.testing.assert_allclose(result.ratio, [3 / 700, 1 / 150], rtol=1e-15)
    np.testing.assert_allclose(result.access, [3 / 700, 1 / 105, 1 / 450], rtol=1e-15)
    assert result.access @ [100, 200, 300] == pytest.approx(3, rel=1e-15)


def test_two_step_fca_gives_zero_to_a_facility_without_population_and_to_a_unit_out_of_reach():
    """f1's only unit has no population: R_1 = 0, not a division by zero; u2 has no pair."""
    result = two_step_fca(
        pairs((0, 0, 3), (1, 1, 3), (0, 1, 30)),
        population=np.array([50, 0, 70]),
        capacity=np.array([1, 4]),
        weight=StepWeights(),
    )
    np.testing.assert_array_equal(result.ratio, [1 / 50, 0])
    np.testing.assert_array_equal(result.access, [1 / 50, 0, 0])


def test_two_step_fca_counts_a_pair_at_zero_minutes():
    result = two_step_fca(pairs((0, 0, 0.0)), np.array([10]), np.array([1]), StepWeights())
    np.testing.assert_array_equal(result.access, [0.1])


def test_compliance_compares_counts_with_optional_bounds():
    result = compliance(
        count=[0, 2, 3, 5, 1, 9],
        minimum=[1, 2, 1, 1, np.nan, np.nan],
        maximum=[3, 3, 3, 4, 1, np.nan],
    )
    assert list(result) == ["below", "within", "within", "above", "within", "within"]
