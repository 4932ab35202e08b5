"""Zonings proposed from patient flows: a contiguity-constrained Intramax regionalisation.

Method: a contiguity-constrained hierarchical aggregation of interaction data, in the family
of the Intramax procedure (Masser I., Brown P.J.B., 1975, "Hierarchical aggregation procedures
for interaction data", Environment and Planning A 7(5):509-523). Starting from one zone per
commune, it merges, two at a time, *adjacent* zones, choosing the pair by::

    score(a, b) = (T_ab + T_ba) / (O_a + O_b)

where ``T_ab`` is the number of stays of residents of ``a`` treated in ``b`` and ``O_a`` the
stays of residents of ``a`` (row sum): the share of the pair's stays that the merge makes
internal. Intramax's own doubly-normalised score ``T_ab / (O_a D_b) + T_ba / (O_b D_a)`` was
tried first and rejected: it prefers a handful of stays towards a commune that treats almost
nobody over the bulk of stays towards the hospital town (tests/test_engine_regionalisation.py's
two-basin case fails with it). Merging only adjacent zones keeps every zone contiguous.

Two stopping rules, given as parameters:

- ``min_population``: the smallest zone under the minimum is merged first, into the adjacent
  zone it interacts with most, until every zone reaches the minimum (or only one zone is left);
- ``n_zones``: pairs keep being merged until exactly that many zones are left.

Communes with no neighbour (islands) and detached groups of communes are linked to the
nearest commune outside their group by centroid distance (:func:`connect_components`), so the
graph is connected before merging; the link is a stated rule, not a geographic adjacency.

Every function is on arrays (numpy / scipy.sparse); the loop is over merges (at most one per
commune), never over origin x destination pairs.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = [
    "Proposal",
    "adjacency_from_pairs",
    "catchment_labels",
    "connect_components",
    "internal_share",
    "is_contiguous",
    "propose_zones",
]


@dataclass(frozen=True)
class Proposal:
    """A partition: ``labels[i]`` is the zone (0..n_zones-1) of commune i."""

    labels: np.ndarray
    n_zones: int
    zone_population: np.ndarray
    internal_share: np.ndarray
    added_links: int


def adjacency_from_pairs(n: int, pairs: np.ndarray) -> sparse.csr_matrix:
    """Symmetric boolean adjacency of ``n`` communes from an (m, 2) array of index pairs."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    keep = pairs[:, 0] != pairs[:, 1]
    rows = np.concatenate([pairs[keep, 0], pairs[keep, 1]])
    cols = np.concatenate([pairs[keep, 1], pairs[keep, 0]])
    data = np.ones(rows.size, dtype=np.int8)
    adjacency = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
    adjacency.data[:] = 1
    return adjacency


def connect_components(
    adjacency: sparse.csr_matrix, coords: np.ndarray
) -> tuple[sparse.csr_matrix, int]:
    """Link every detached group (island, commune with no neighbour) to its nearest commune.

    Rule: while the graph has more than one connected component, each component other than the
    largest gets one link between its commune and the commune outside it that are closest by
    centroid distance. Returns the connected adjacency and the number of links added.
    """
    adjacency = adjacency.tocsr().copy()
    coords = np.asarray(coords, dtype=float)
    added = 0
    while True:
        n_comp, comp = connected_components(adjacency, directed=False)
        if n_comp <= 1:
            return adjacency, added
        largest = np.bincount(comp).argmax()
        new_pairs = []
        for c in range(n_comp):
            if c == largest:
                continue
            inside = np.flatnonzero(comp == c)
            outside = np.flatnonzero(comp != c)
            dist, nearest = cKDTree(coords[outside]).query(coords[inside])
            best = int(np.argmin(dist))
            new_pairs.append((inside[best], outside[nearest[best]]))
        links = adjacency_from_pairs(adjacency.shape[0], np.array(new_pairs))
        adjacency = ((adjacency + links) > 0).astype(np.int8).tocsr()
        added += len(new_pairs)


def is_contiguous(labels: np.ndarray, adjacency: sparse.csr_matrix) -> bool:
    """True when every zone of ``labels`` is one connected piece of the adjacency graph."""
    labels = np.asarray(labels)
    coo = adjacency.tocoo()
    same = labels[coo.row] == labels[coo.col]
    inner = sparse.csr_matrix(
        (np.ones(int(same.sum())), (coo.row[same], coo.col[same])), shape=adjacency.shape
    )
    n_comp, _ = connected_components(inner, directed=False)
    return n_comp == np.unique(labels).size


def internal_share(labels: np.ndarray, stays: sparse.spmatrix) -> np.ndarray:
    """Per zone, the share of its residents' stays treated inside it (NaN with no stays)."""
    labels = np.asarray(labels)
    n_zones = int(labels.max()) + 1
    coo = sparse.coo_matrix(stays)
    total = np.bincount(labels[coo.row], weights=coo.data, minlength=n_zones)
    inside = labels[coo.row] == labels[coo.col]
    kept = np.bincount(labels[coo.row[inside]], weights=coo.data[inside], minlength=n_zones)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, kept / total, np.nan)


def catchment_labels(times: np.ndarray, facility_index: np.ndarray) -> np.ndarray:
    """Per commune, the facility whose travel time is the smallest (the k-nearest arrays).

    ``times`` (communes x k) are the travel times to the k nearest facilities and
    ``facility_index`` (communes x k) their facility indices; unreachable entries are inf.
    Returns -1 for a commune that reaches no facility (said on the page, never a zone).
    """
    times = np.asarray(times, dtype=float)
    best = np.argmin(times, axis=1)
    rows = np.arange(times.shape[0])
    labels = np.asarray(facility_index)[rows, best].astype(np.int64)
    return np.where(np.isfinite(times[rows, best]), labels, -1)


def _rows(matrix: sparse.csr_matrix, kind: type) -> list:
    """The rows of a CSR matrix as dicts {column: value} (kind=dict) or sets of columns."""
    out = []
    for i in range(matrix.shape[0]):
        cols = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]].tolist()
        if kind is set:
            out.append(set(cols))
        else:
            vals = matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]].tolist()
            out.append(dict(zip(cols, vals, strict=True)))
    return out


class _Zones:
    """Mutable state of the agglomeration: zone-to-zone flows and adjacency as dicts."""

    def __init__(self, stays: sparse.csr_matrix, adjacency: sparse.csr_matrix, pop: np.ndarray):
        n = adjacency.shape[0]
        stays = sparse.csr_matrix(stays, dtype=float)
        self.out = np.asarray(stays.sum(axis=1)).ravel()
        self.into = np.asarray(stays.sum(axis=0)).ravel()
        self.t = _rows(stays, dict)
        self.tt = [dict() for _ in range(n)]
        for i, row in enumerate(self.t):
            for j, v in row.items():
                self.tt[j][i] = v
        self.neigh = _rows(adjacency, set)
        self.pop = np.asarray(pop, dtype=float).copy()
        self.parent = np.arange(n)
        self.alive = set(range(n))

    def score(self, a: int, b: int) -> float:
        """Share of the stays of a's and b's residents that merging them makes internal."""
        total = self.out[a] + self.out[b]
        if total <= 0:
            return 0.0
        return (self.t[a].get(b, 0.0) + self.t[b].get(a, 0.0)) / total

    def best_neighbour(self, a: int) -> int:
        # Ties (no flows at all) go to the smallest neighbour, which keeps zones even.
        return max(self.neigh[a], key=lambda b: (self.score(a, b), -self.pop[b], -b))

    def merge(self, a: int, b: int) -> None:
        """Merge zone a into zone b."""
        for j, v in self.t[a].items():  # a -> j becomes b -> j (b -> b inside)
            target = b if j in (a, b) else j
            self.t[b][target] = self.t[b].get(target, 0.0) + v
            self.tt[target][b] = self.t[b][target]
            self.tt[j].pop(a, None)
        for i, v in self.tt[a].items():  # i -> a becomes i -> b
            if i in (a, b):
                continue
            self.t[i].pop(a, None)
            self.t[i][b] = self.t[i].get(b, 0.0) + v
            self.tt[b][i] = self.t[i][b]
        if a in self.t[b]:  # b -> a is now inside b
            self.t[b][b] = self.t[b].get(b, 0.0) + self.t[b].pop(a)
            self.tt[b][b] = self.t[b][b]
        self.tt[b].pop(a, None)
        self.out[b] += self.out[a]
        self.into[b] += self.into[a]
        self.pop[b] += self.pop[a]
        for n in self.neigh[a]:
            self.neigh[n].discard(a)
            if n != b:
                self.neigh[n].add(b)
                self.neigh[b].add(n)
        self.neigh[b].discard(a)
        self.neigh[b].discard(b)
        self.parent[self.parent == a] = b
        self.alive.discard(a)


def _merge_down_to(zones: _Zones, n_zones: int) -> None:
    """Merge the adjacent pair of highest score (ties: the highest zone numbers) until
    ``n_zones`` are left, the smaller zone into the larger.

    A lazy heap of pair scores: a pair's score only changes when one of its zones merges, so
    each merge pushes the new zone's pairs under a new version of it, and entries naming an
    older version are skipped when popped. O(E log E) over the run, where rescanning every
    pair at every merge was O(n E) (minutes on AURA's 4,000 communes).
    """
    version = dict.fromkeys(zones.alive, 0)

    def push(heap: list, a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        heapq.heappush(heap, (-zones.score(a, b), -a, -b, version[a], version[b]))

    heap: list = []
    for a in zones.alive:
        for b in zones.neigh[a]:
            if a < b:
                push(heap, a, b)
    while len(zones.alive) > n_zones and heap:
        _, a, b, va, vb = heapq.heappop(heap)
        a, b = -a, -b
        if a not in zones.alive or b not in zones.alive or version[a] != va or version[b] != vb:
            continue
        small, big = (a, b) if zones.pop[a] <= zones.pop[b] else (b, a)
        zones.merge(small, big)
        version[big] += 1
        for n in zones.neigh[big]:
            push(heap, big, n)


def propose_zones(
    stays: sparse.spmatrix,
    adjacency: sparse.csr_matrix,
    population: np.ndarray,
    *,
    coords: np.ndarray,
    min_population: float = 0.0,
    n_zones: int | None = None,
) -> Proposal:
    """Partition the communes into contiguous zones (see the module docstring).

    ``stays`` is residence commune x treatment commune (the flow matrix, or a catchment
    surrogate), ``adjacency`` the commune contiguity, ``coords`` the centroids used to link
    islands. With ``n_zones`` the result has exactly that many zones (each also at least
    ``min_population`` when possible).
    """
    adjacency, added = connect_components(adjacency, coords)
    zones = _Zones(sparse.csr_matrix(stays), adjacency, population)
    heap = [(zones.pop[i], i) for i in zones.alive]
    heapq.heapify(heap)
    while heap and len(zones.alive) > 1:
        pop, a = heapq.heappop(heap)
        if a not in zones.alive or pop != zones.pop[a]:
            continue
        if pop >= min_population:
            break
        b = zones.best_neighbour(a)
        zones.merge(a, b)
        heapq.heappush(heap, (zones.pop[b], b))
    if n_zones is not None:
        _merge_down_to(zones, max(n_zones, 1))
    _, labels = np.unique(zones.parent, return_inverse=True)
    count = int(labels.max()) + 1
    zone_pop = np.bincount(labels, weights=np.asarray(population, dtype=float), minlength=count)
    return Proposal(labels, count, zone_pop, internal_share(labels, stays), added)
