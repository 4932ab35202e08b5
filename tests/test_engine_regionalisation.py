"""The regionalisation engine (indicators/engine/regionalisation.py) on synthetic arrays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from indicators.engine.regionalisation import (
    adjacency_from_pairs,
    catchment_labels,
    connect_components,
    internal_share,
    is_contiguous,
    propose_zones,
)


def _line(n: int) -> sparse.csr_matrix:
    return adjacency_from_pairs(n, np.array([(i, i + 1) for i in range(n - 1)]))


def _two_basins() -> sparse.csr_matrix:
    """Six communes in a line; 0-2 are treated in 1, 3-5 in 4, a few stays cross."""
    stays = np.zeros((6, 6))
    for i in range(3):
        stays[i, 1] = 100
        stays[i + 3, 4] = 100
    stays[2, 3] = stays[3, 2] = 5
    return sparse.csr_matrix(stays)


COORDS = np.column_stack([np.arange(6.0), np.zeros(6)])


@pytest.mark.parametrize("params", [{"min_population": 300}, {"n_zones": 2}])
def test_two_obvious_basins_give_two_zones(params):
    proposal = propose_zones(_two_basins(), _line(6), np.full(6, 100.0), coords=COORDS, **params)
    assert proposal.n_zones == 2
    labels = proposal.labels
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1
    assert labels[0] != labels[5]
    assert proposal.internal_share == pytest.approx([300 / 305, 300 / 305])


def test_random_proposals_are_contiguous_partitions_meeting_the_minimum():
    rng = np.random.default_rng(7)
    side = 12
    n = side * side
    grid = np.arange(n).reshape(side, side)
    pairs = np.vstack(
        [np.column_stack([grid[:, :-1].ravel(), grid[:, 1:].ravel()]),
         np.column_stack([grid[:-1].ravel(), grid[1:].ravel()])]
    )  # fmt: skip
    adjacency = adjacency_from_pairs(n, pairs)
    coords = np.column_stack([grid.ravel() % side, grid.ravel() // side]).astype(float)
    stays = sparse.random(n, n, density=0.05, random_state=3, format="csr") * 100
    population = rng.integers(50, 2000, n).astype(float)
    for minimum in (0, 3000, 20000):
        proposal = propose_zones(
            stays, adjacency, population, coords=coords, min_population=minimum
        )
        assert proposal.labels.shape == (n,)
        assert set(proposal.labels) == set(range(proposal.n_zones))
        assert is_contiguous(proposal.labels, adjacency)
        assert proposal.zone_population.sum() == pytest.approx(population.sum())
        assert (proposal.zone_population >= minimum).all()
    exact = propose_zones(stays, adjacency, population, coords=coords, n_zones=9)
    assert exact.n_zones == 9 and is_contiguous(exact.labels, adjacency)


def test_island_is_attached_to_the_nearest_commune():
    # 0-1-2 on the mainland, 3 an island closest to 2, 4 an island closest to 0.
    adjacency = adjacency_from_pairs(5, np.array([(0, 1), (1, 2)]))
    coords = np.array([[0.0, 0], [1, 0], [2, 0], [2.5, 1], [-0.4, -1]])
    connected, added = connect_components(adjacency, coords)
    assert added == 2
    assert connected[3, 2] == 1 and connected[2, 3] == 1
    assert connected[4, 0] == 1
    proposal = propose_zones(
        sparse.csr_matrix((5, 5)), adjacency, np.full(5, 10.0), coords=coords,
        min_population=50,
    )  # fmt: skip
    assert proposal.n_zones == 1 and proposal.added_links == 2
    assert np.isnan(proposal.internal_share).all()  # no stays: unknown, not zero


def test_contiguity_check_sees_a_split_zone():
    assert is_contiguous(np.array([0, 0, 1, 1]), _line(4))
    assert not is_contiguous(np.array([0, 1, 0, 1]), _line(4))


def test_internal_share_counts_stays_kept_by_residence_zone():
    share = internal_share(
        np.array([0, 0, 1]), sparse.csr_matrix([[1, 1, 2], [0, 0, 0], [1, 0, 3]])
    )
    assert share == pytest.approx([0.5, 0.75])


def test_catchments_equal_brute_force_nearest():
    rng = np.random.default_rng(11)
    full = rng.uniform(1, 90, size=(300, 25))  # communes x facilities
    full[5] = np.inf  # reaches nothing
    k = 4
    order = np.argsort(full, axis=1)[:, :k]
    times = np.take_along_axis(full, order, axis=1)
    labels = catchment_labels(times, order)
    expected = np.argmin(full, axis=1)
    reach = np.isfinite(full.min(axis=1))
    assert (labels[reach] == expected[reach]).all()
    assert labels[5] == -1
