"""Properties of the engine that must hold for any layout of units and facilities (hypothesis).

Points are drawn in a 25 km × 22 km box near Lyon, so that with crow-fly times (×1.3 at
50 km/h) some pairs fall inside the 20-minute APL catchment and some outside.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.engine import StepWeights, nearest_access, two_step_fca
from indicators.engine.travel import NO_DESTINATION, Places
from indicators.engine.travel.crowfly import CrowFly
from indicators.engine.whatif import WhatIf

CROWFLY = CrowFly()
APL = StepWeights()
EVERYONE = StepWeights(((1e6, 1.0),))  # w ≡ 1 and every pair within the cut-off
EXAMPLES = settings(max_examples=50, deadline=None)

coordinates = st.tuples(st.floats(4.6, 4.9), st.floats(45.6, 45.8))


def to_places(points, first_id: int = 0) -> Places:
    array = np.array(points, dtype=float).reshape(-1, 2)
    return Places(np.arange(first_id, first_id + len(array)), array[:, 0], array[:, 1])


layouts = st.tuples(
    st.lists(coordinates, min_size=1, max_size=25),
    st.lists(coordinates, min_size=1, max_size=8),
)


@EXAMPLES
@given(layout=layouts, new=coordinates)
def test_adding_a_facility_never_increases_anyones_nearest_time(layout, new):
    units, facilities = to_places(layout[0]), to_places(layout[1])
    before = nearest_access(CROWFLY, units, facilities, k=1).first_minutes
    after = nearest_access(CROWFLY, units, to_places([*layout[1], new]), k=1).first_minutes
    assert np.all(after <= before)


@EXAMPLES
@given(layout=layouts, data=st.data())
def test_closing_a_facility_never_decreases_anyones_nearest_time(layout, data):
    units, facilities = to_places(layout[0]), to_places(layout[1])
    closed = data.draw(st.integers(0, len(facilities) - 1))
    kept = np.delete(np.arange(len(facilities)), closed)
    before = nearest_access(CROWFLY, units, facilities, k=1).first_minutes
    after = nearest_access(CROWFLY, units, facilities.subset(kept), k=1).first_minutes
    assert np.all(after >= before)


@EXAMPLES
@given(
    layout=layouts,
    data=st.data(),
)
def test_with_everyone_in_reach_and_unit_weights_access_redistributes_all_supply(layout, data):
    """Σ_i A_i·P_i = Σ_i P_i Σ_j S_j / Σ_k P_k = Σ_j S_j when every catchment is everyone."""
    units, facilities = to_places(layout[0]), to_places(layout[1])
    population = np.array(
        data.draw(st.lists(st.integers(1, 100_000), min_size=len(units), max_size=len(units))),
        float,
    )
    capacity = np.array(
        data.draw(st.lists(st.floats(0.5, 50), min_size=len(facilities), max_size=len(facilities)))
    )
    pairs = CROWFLY.within(units, facilities, EVERYONE.max_minutes)
    assert len(pairs) == len(units) * len(facilities)
    result = two_step_fca(pairs, population, capacity, EVERYONE)
    np.testing.assert_allclose(result.access @ population, capacity.sum(), rtol=1e-12)


def full_recompute(state: WhatIf):
    """Nearest access and 2SFCA from scratch on the facilities open in a what-if state."""
    open_index = np.flatnonzero(state.is_open)
    facilities = state.facilities.subset(open_index)
    nearest = nearest_access(CROWFLY, state.units, facilities, k=state.nearest.k)
    pairs = CROWFLY.within(state.units, facilities, APL.max_minutes)
    access = two_step_fca(pairs, state.population, state.capacity[open_index], APL).access
    lookup = np.append(open_index, NO_DESTINATION)  # index -1 reads the appended -1
    facility = lookup[nearest.facility]
    return nearest.minutes, facility, access


def assert_equals_full_recompute(state: WhatIf, result) -> None:
    minutes, facility, access = full_recompute(state)
    np.testing.assert_array_equal(result.nearest.first_minutes, minutes[:, 0])
    known = ~np.isnan(result.nearest.minutes)
    assert known[:, 0].all()
    np.testing.assert_array_equal(result.nearest.minutes[known], minutes[known])
    # Each listed facility really is at the listed time (ties may list either facility).
    listed = result.nearest.facility[known & (result.nearest.facility != NO_DESTINATION)]
    assert state.is_open[listed].all()
    assert np.array_equal(facility[:, 0] >= 0, result.nearest.first_facility >= 0)
    np.testing.assert_allclose(
        result.access, access, rtol=1e-12, atol=1e-12 * max(access.max(), 1e-300)
    )


operations = st.lists(
    st.one_of(
        st.tuples(st.just("close"), st.integers(0, 1000)),
        st.tuples(st.just("open"), coordinates, st.floats(0.5, 10)),
    ),
    min_size=1,
    max_size=6,
)


@EXAMPLES
@given(
    layout=layouts,
    populations=st.lists(st.integers(0, 50_000), min_size=25, max_size=25),
    k=st.integers(1, 3),
    steps=operations,
)
def test_successive_what_ifs_equal_a_full_recompute(layout, populations, k, steps):
    units, facilities = to_places(layout[0]), to_places(layout[1])
    population = np.array(populations[: len(units)], float)
    state = WhatIf.build(CROWFLY, units, facilities, population, np.ones(len(facilities)), APL, k=k)
    for step in steps:
        if step[0] == "close":
            still_open = np.flatnonzero(state.is_open)
            if not len(still_open):
                continue
            result = state.close(int(still_open[step[1] % len(still_open)]))
        else:
            site = to_places([step[1]], first_id=10_000 + len(state.is_open))
            result = state.open(site, capacity=step[2])
        state = result.whatif
        assert_equals_full_recompute(state, result)
