"""Incremental what-if: closing or opening one facility updates only the units it touches."""

import csv
import time

import numpy as np
import pytest

from indicators.engine import StepWeights, nearest_access, two_step_fca
from indicators.engine.travel import NO_DESTINATION, Places
from indicators.engine.travel.crowfly import CrowFly
from indicators.engine.whatif import WhatIf

CROWFLY = CrowFly()
APL = StepWeights()


def line(*lon: float, first_id: int = 0) -> Places:
    """Points on the parallel 45° N (0.01° of longitude ≈ 0.79 km ≈ 1.2 crow-fly minutes)."""
    lon = np.array(lon, dtype=float)
    return Places(np.arange(first_id, first_id + len(lon)), lon, np.full(len(lon), 45.0))


@pytest.fixture
def scenario() -> WhatIf:
    """Units at 5.00, 5.10 and 5.50 °E; facilities f0 at 5.00, f1 at 5.12, f2 at 5.60."""
    return WhatIf.build(
        CROWFLY,
        line(5.0, 5.1, 5.5),
        line(5.0, 5.12, 5.6),
        population=np.array([1000.0, 2000.0, 500.0]),
        capacity=np.ones(3),
        weight=APL,
        k=2,
    )


def test_closing_a_facility_shifts_its_units_to_their_next_one(scenario):
    result = scenario.close(1)
    np.testing.assert_array_equal(result.nearest.first_facility, [0, 0, 2])
    expected = nearest_access(CROWFLY, scenario.units, scenario.facilities.subset([0, 2]), k=1)
    np.testing.assert_array_equal(result.nearest.first_minutes, expected.first_minutes)
    assert {0, 1} <= set(result.changed_units)


def test_closing_every_known_facility_of_a_unit_asks_the_provider_again(scenario):
    """With k = 2, unit 2 knows f2 and f1; after both close it must find f0 anew."""
    state = scenario.close(2).whatif
    result = state.close(1)
    np.testing.assert_array_equal(result.nearest.first_facility, [0, 0, 0])
    np.testing.assert_array_equal(result.nearest.facility[:, 1], [NO_DESTINATION] * 3)
    assert np.all(np.isinf(result.nearest.minutes[:, 1]))  # only f0 is left: truly none second


def test_closing_the_last_facility_leaves_everyone_unreachable(scenario):
    state = scenario.close(0).whatif.close(1).whatif
    result = state.close(2)
    assert np.all(np.isinf(result.nearest.first_minutes))
    np.testing.assert_array_equal(result.access, [0, 0, 0])


def test_opening_a_facility_makes_it_the_nearest_of_the_units_next_to_it(scenario):
    result = scenario.open(line(5.49, first_id=99), capacity=3.0)
    assert result.nearest.first_facility[2] == 3
    assert result.whatif.facilities.ids[3] == 99
    assert 2 in result.changed_units
    pairs = CROWFLY.within(scenario.units, result.whatif.facilities, APL.max_minutes)
    expected = two_step_fca(pairs, scenario.population, [1, 1, 1, 3], APL).access
    np.testing.assert_allclose(result.access, expected, rtol=1e-12)


def test_what_ifs_compose_and_leave_earlier_states_untouched(scenario):
    before = scenario.access.copy()
    closed = scenario.close(0)
    reopened = closed.whatif.open(line(5.0, first_id=7))
    np.testing.assert_allclose(reopened.access, before, rtol=1e-12)
    np.testing.assert_array_equal(reopened.nearest.first_minutes, scenario.nearest.first_minutes)
    np.testing.assert_array_equal(scenario.access, before)
    assert scenario.is_open.all() and not closed.whatif.is_open[0]


def test_it_refuses_to_close_a_closed_or_unknown_facility(scenario):
    with pytest.raises(ValueError, match="already closed"):
        scenario.close(1).whatif.close(1)
    with pytest.raises(IndexError):
        scenario.close(3)


@pytest.mark.open_data
def test_closing_real_aura_hospitals_equals_a_full_recompute_in_well_under_a_second(open_data):
    """AURA communes (point on surface, population) and the 566 GISCO hospitals."""
    import geopandas

    communes = geopandas.read_file(open_data / "geo/communes-aura-cog2026.geojson")
    points = communes.geometry.representative_point()
    units = Places(communes["code"].to_numpy(), points.x.to_numpy(), points.y.to_numpy())
    with open(
        open_data / "facilities/eurostat-gisco-hospitals-aura-2020.csv", encoding="utf-8"
    ) as f:
        rows = list(csv.DictReader(f))
    hospitals = Places(
        np.array([row["id"] for row in rows]),
        np.array([float(row["lon"]) for row in rows]),
        np.array([float(row["lat"]) for row in rows]),
    )
    population = communes["population"].to_numpy(dtype=float)
    state = WhatIf.build(CROWFLY, units, hospitals, population, np.ones(len(hospitals)), APL)

    busiest = np.bincount(state.nearest.first_facility, minlength=len(hospitals)).argmax()
    start = time.perf_counter()
    result = state.close(int(busiest))
    seconds = time.perf_counter() - start

    kept = np.delete(np.arange(len(hospitals)), busiest)
    full = nearest_access(CROWFLY, units, hospitals.subset(kept), k=1)
    pairs = CROWFLY.within(units, hospitals.subset(kept), APL.max_minutes)
    access = two_step_fca(pairs, population, np.ones(len(kept)), APL).access
    assert len(result.changed_units) > 0
    np.testing.assert_array_equal(result.nearest.first_minutes, full.first_minutes)
    np.testing.assert_allclose(result.access, access, rtol=1e-12, atol=1e-12 * access.max())
    assert seconds < 0.5
