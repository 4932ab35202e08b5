"""Road travel times on an OpenStreetMap car network, with scipy.sparse.csgraph.

The graph keeps only its largest strongly connected component, so every snapped origin can
reach every snapped destination: an origin on a gated private road is moved onto the main
network, never stuck in a piece it cannot leave. Origins and destinations are snapped to the
nearest node (KD-tree on unit-sphere coordinates) and the snapping distance is added at a slow
speed (walking to the car, or a car park access road missing from OSM).

Times are computed from the destinations on the **reversed** graph: one Dijkstra per set of
facilities gives every node's time *to* its nearest facility, however many origins there are.
``outbound()`` gives the same network the other way (times *from* the destinations to the
origins, Dijkstra on the forward graph): a SMUR leaves its base for the commune (issue 11 §3).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from . import NO_DESTINATION, UNREACHABLE, Pairs, Places
from .crowfly import chord_to_km, unit_vectors
from .osm import BACKWARD, BOTH, FORWARD, SPEEDS_VERSION, Edges, read_edges

SNAP_SPEED_KMH = 15.0
# Bytes of Dijkstra output kept in memory at once by the k-nearest and within searches.
CHUNK_BYTES = 256 * 2**20


def network_name(path: str | Path) -> str:
    name = Path(path).name
    for suffix in (".osm.pbf", ".pbf", ".geojson", ".gpkg", ".shp", ".json"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def directed_arcs(edges: Edges) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tail, head, minutes) of every arc a car may drive, parallel arcs reduced to the fastest."""
    minutes = edges.length_m / (edges.speed_kmh * 1000.0 / 60.0)
    forward = np.isin(edges.oneway, [BOTH, FORWARD])
    backward = np.isin(edges.oneway, [BOTH, BACKWARD])
    tail = np.r_[edges.u[forward], edges.v[backward]]
    head = np.r_[edges.v[forward], edges.u[backward]]
    minutes = np.r_[minutes[forward], minutes[backward]]
    keep = tail != head
    tail, head, minutes = tail[keep], head[keep], minutes[keep]
    order = np.lexsort((minutes, head, tail))
    tail, head, minutes = tail[order], head[order], minutes[order]
    first = np.r_[True, (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])]
    # A zero-weight arc would vanish from a sparse matrix; a microsecond keeps it an arc.
    return tail[first], head[first], np.maximum(minutes[first], 1e-8)


@dataclass
class RoadProvider:
    """Car times on the largest strongly connected component of a road network."""

    graph: sparse.csr_matrix  # arc tail -> head, minutes
    lon: np.ndarray
    lat: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    snap_speed_kmh: float = SNAP_SPEED_KMH
    #: "to_destination" (origin → facility, the default) or "from_destination" (``outbound``).
    direction: str = "to_destination"
    name = "road"

    def __post_init__(self) -> None:
        self.graph = sparse.csr_matrix(self.graph)
        self.reversed = self.graph.transpose().tocsr()
        self._tree = cKDTree(unit_vectors(self.lon, self.lat))

    # -- building and caching ----------------------------------------------------------------

    @classmethod
    def from_edges(cls, edges: Edges, network: str, source: str) -> RoadProvider:
        started = time.perf_counter()
        tail, head, minutes = directed_arcs(edges)
        n = len(edges.lon)
        graph = sparse.csr_matrix((minutes, (tail, head)), shape=(n, n))
        _, labels = connected_components(graph, directed=True, connection="strong")
        sizes = np.bincount(labels)
        keep = labels == np.argmax(sizes)
        graph = graph[keep][:, keep].tocsr()
        graph.sort_indices()
        metadata = {
            "network": network,
            "source": source,
            "nodes_before": int(n),
            "edges_before": int(len(edges.u)),
            "arcs_before": int(len(tail)),
            "components": int(len(sizes)),
            "nodes": int(keep.sum()),
            "arcs": int(graph.nnz),
            "largest_component_share": float(keep.sum() / n) if n else 0.0,
            "speeds_version": SPEEDS_VERSION,
            "build_seconds": None,
        }
        provider = cls(graph, edges.lon[keep].copy(), edges.lat[keep].copy(), metadata)
        provider.metadata["build_seconds"] = round(time.perf_counter() - started, 3)
        return provider

    @classmethod
    def from_file(cls, path: str | Path, name: str | None = None) -> RoadProvider:
        """A network from a Geofabrik-schema layer (GeoJSON/GPKG/SHP) or an ``.osm.pbf``."""
        started = time.perf_counter()
        path = Path(path)
        provider = cls.from_edges(read_edges(path), name or network_name(path), path.name)
        provider.metadata["build_seconds"] = round(time.perf_counter() - started, 3)
        return provider

    def save(self, path: str | Path) -> Path:
        if self.direction != "to_destination":
            raise ValueError("save the network itself, not its outbound view")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            np.savez_compressed(
                out,
                indptr=self.graph.indptr,
                indices=self.graph.indices,
                minutes=self.graph.data,
                lon=self.lon,
                lat=self.lat,
                metadata=np.array(json.dumps(self.metadata)),
            )
        return path

    @classmethod
    def load(cls, path: str | Path) -> RoadProvider:
        with np.load(path, allow_pickle=False) as arrays:
            n = len(arrays["lon"])
            graph = sparse.csr_matrix(
                (arrays["minutes"], arrays["indices"], arrays["indptr"]), shape=(n, n)
            )
            return cls(graph, arrays["lon"], arrays["lat"], json.loads(str(arrays["metadata"])))

    @staticmethod
    def cache_path(name: str, cache_dir: str | Path) -> Path:
        """Where network ``name`` is cached in ``cache_dir`` (the caller's setting: the engine
        knows no Django; ``indicators.road_networks.cache_dir()`` in the app)."""
        return Path(cache_dir) / f"{name}.npz"

    @classmethod
    def load_cached(cls, name: str, cache_dir: str | Path) -> RoadProvider:
        """The network cached by ``manage.py load_road_network NAME PATH``."""
        path = cls.cache_path(name, cache_dir)
        if not path.exists():
            raise FileNotFoundError(
                f"road network {name!r} is not loaded ({path} missing): "
                f"run manage.py load_road_network {name} <file>"
            )
        return cls.load(path)

    # -- description ---------------------------------------------------------------------------

    def outbound(self) -> RoadProvider:
        """The same network answering the times *from* each destination *to* the origins
        (a SMUR base → the communes): the arcs are turned round, so the searches from the
        destinations that ``nearest`` and ``within`` make run on the forward graph. The
        KD-tree and arrays are shared, not copied."""
        if self.direction != "to_destination":
            raise ValueError("this provider already answers from the destinations")
        other = copy.copy(self)
        other.graph, other.reversed = self.reversed, self.graph
        other.direction = "from_destination"
        return other

    def _inbound_graph(self) -> sparse.csr_matrix:
        return self.graph if self.direction == "to_destination" else self.reversed

    def graph_hash(self) -> str:
        """The hash of the network as loaded (the same for its ``outbound`` view)."""
        graph = self._inbound_graph()
        digest = hashlib.sha256()
        for array in (graph.indptr, graph.indices, graph.data, self.lon, self.lat):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    def parameters(self) -> dict[str, Any]:
        return {
            "provider": self.name,
            "network": self.metadata.get("network"),
            "source": self.metadata.get("source"),
            "graph_sha256": self.graph_hash(),
            "speeds_version": self.metadata.get("speeds_version", SPEEDS_VERSION),
            "snap_speed_kmh": self.snap_speed_kmh,
        } | ({"direction": self.direction} if self.direction != "to_destination" else {})

    # -- answering -----------------------------------------------------------------------------

    def snap(self, places: Places) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each place and the minutes to cover the gap at the snapping speed."""
        if len(places) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        chord, node = self._tree.query(unit_vectors(places.lon, places.lat))
        return node.astype(np.int64), chord_to_km(chord) / self.snap_speed_kmh * 60.0

    def _from_destinations(self, destinations: Places) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Graph with one extra node per destination, linked to its snapped node by the
        snapping time, so a multi-source search starts each destination at its own offset."""
        node, offset = self.snap(destinations)
        rev = self.reversed
        n, m = rev.shape[0], len(destinations)
        # Appending rows to a CSR matrix is a concatenation of its arrays: no copy through COO.
        graph = sparse.csr_matrix(
            (
                np.r_[rev.data, offset],  # csgraph keeps explicit zeros of a CSR as arcs
                np.r_[rev.indices, node].astype(rev.indices.dtype),
                np.r_[rev.indptr, rev.nnz + np.arange(1, m + 1)].astype(rev.indptr.dtype),
            ),
            shape=(n + m, n + m),
        )
        return graph, np.arange(n, n + m)

    def nearest(
        self, origins: Places, destinations: Places, k: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        n_orig, m = len(origins), len(destinations)
        minutes = np.full((n_orig, k), UNREACHABLE)
        index = np.full((n_orig, k), NO_DESTINATION, dtype=np.int64)
        if n_orig == 0 or m == 0:
            return minutes, index
        origin_node, origin_snap = self.snap(origins)
        if k == 1:
            graph, sources = self._from_destinations(destinations)
            dist, _, source = dijkstra(
                graph, indices=sources, min_only=True, return_predecessors=True
            )
            minutes[:, 0] = dist[origin_node] + origin_snap
            index[:, 0] = source[origin_node] - self.reversed.shape[0]
            return minutes, index
        return self._k_nearest(origin_node, origin_snap, destinations, k)

    def _origin_times(self, origin_node: np.ndarray, destinations: Places, limit: float):
        """Yield (destination indices, times (chunk, origins)) from each destination to the
        origins' nodes, with snapping at both ends; chunked to bound memory."""
        dest_node, dest_snap = self.snap(destinations)
        n = self.reversed.shape[0]
        chunk = max(1, CHUNK_BYTES // (8 * n))
        for start in range(0, len(destinations), chunk):
            rows = np.arange(start, min(start + chunk, len(destinations)))
            dist = dijkstra(self.reversed, indices=dest_node[rows], limit=limit)
            yield rows, dist[:, origin_node] + dest_snap[rows, None]

    def _k_nearest(
        self, origin_node: np.ndarray, origin_snap: np.ndarray, destinations: Places, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """One Dijkstra per destination (chunked), keeping the k smallest times per origin with
        a partial sort: exact, and its cost grows with the number of destinations, not origins.

        Bounded searches (``limit=`` at twice the 90th percentile of the nearest times, doubled
        for the origins whose k-th time lay beyond it) were tried and were twice as slow on the
        Alpes-Maritimes (80 hospitals, k=3): scipy still fills a dense row per source, and the
        mountain communes' third hospital lies beyond any useful bound.
        """
        n_orig = len(origin_node)
        best = np.full((n_orig, k), UNREACHABLE)
        best_index = np.full((n_orig, k), NO_DESTINATION, dtype=np.int64)
        for rows, times in self._origin_times(origin_node, destinations, np.inf):
            candidates = np.hstack([best, times.T])
            candidate_index = np.hstack([best_index, np.broadcast_to(rows, times.T.shape)])
            keep = np.argpartition(candidates, k - 1, axis=1)[:, :k]
            best = np.take_along_axis(candidates, keep, 1)
            best_index = np.take_along_axis(candidate_index, keep, 1)
        order = np.lexsort((best_index, best), axis=1)
        best = np.take_along_axis(best, order, 1) + origin_snap[:, None]
        best_index = np.take_along_axis(best_index, order, 1)
        best_index[~np.isfinite(best)] = NO_DESTINATION
        return best, best_index

    def within(self, origins: Places, destinations: Places, max_minutes: float) -> Pairs:
        found_origin, found_destination, found_minutes = [], [], []
        if len(origins) and len(destinations) and max_minutes >= 0:
            origin_node, origin_snap = self.snap(origins)
            for rows, times in self._origin_times(origin_node, destinations, max_minutes):
                total = times + origin_snap[None, :]
                row, origin = np.nonzero(total <= max_minutes)
                found_origin.append(origin)
                found_destination.append(rows[row])
                found_minutes.append(total[row, origin])
        if not found_origin:
            return Pairs(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
        origin = np.concatenate(found_origin).astype(np.int64)
        destination = np.concatenate(found_destination).astype(np.int64)
        minutes = np.concatenate(found_minutes)
        order = np.lexsort((destination, origin))
        return Pairs(origin[order], destination[order], minutes[order])
