"""Read OpenStreetMap road data into directed edges with car speeds.

Two inputs give the same ``Edges``:

- a road layer in Geofabrik's free-shapefile schema (``fclass``, ``oneway`` B/F/T, ``maxspeed``
  with 0 = untagged), as Shapefile, GeoPackage or GeoJSON. Its lines are whole OSM ways, not
  split at junctions; ways that meet share a vertex with exactly the same coordinates, so each
  way is cut at every vertex used more than once (by another way, or twice by itself) and at
  its ends;
- an ``.osm.pbf`` read by pyrosm (its driving network is already split node to node).

Speeds: the tagged ``maxspeed`` where there is one, else ``DEFAULT_SPEEDS_KMH`` by road class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .crowfly import haversine_km

# Car speeds (km/h) by OSM highway class where no maxspeed is tagged. These are OUR defaults,
# not an official table: typical free-flow speeds a little under the French legal limits (130
# motorway, 110 dual carriageway, 80 two-lane roads since 2018, 50 in built-up areas, 20 in a
# "zone de rencontre"), lowered for the classes that are mostly urban or winding. Bump
# SPEEDS_VERSION whenever a value changes: it is recorded with every result.
SPEEDS_VERSION = "car-2026-1"
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 45.0,
    "secondary": 70.0,
    "secondary_link": 40.0,
    "tertiary": 60.0,
    "tertiary_link": 35.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "unknown": 40.0,
}
UNKNOWN_CLASS_SPEED_KMH = DEFAULT_SPEEDS_KMH["unknown"]
# French implicit maxspeed values (OSM wiki, "Key:maxspeed", FR:*).
FRENCH_ZONE_SPEEDS_KMH = {
    "FR:urban": 50.0,
    "FR:rural": 80.0,
    "FR:motorway": 130.0,
    "FR:zone30": 30.0,
}

# Direction codes of the Geofabrik schema.
BOTH, FORWARD, BACKWARD = "B", "F", "T"


@dataclass(frozen=True)
class Edges:
    """Road segments between graph nodes, before any direction or connectivity is applied."""

    lon: np.ndarray  # (n_nodes,) node coordinates, WGS84
    lat: np.ndarray
    u: np.ndarray  # (n_edges,) int64 node indices, in the drawn direction
    v: np.ndarray
    length_m: np.ndarray  # float64
    speed_kmh: np.ndarray  # float64, > 0
    oneway: np.ndarray  # "B" / "F" / "T"


def speeds(fclass: pd.Series, maxspeed: pd.Series) -> np.ndarray:
    """Tagged speed where there is one (> 0), else the class default."""
    default = fclass.map(DEFAULT_SPEEDS_KMH).fillna(UNKNOWN_CLASS_SPEED_KMH).to_numpy(float)
    tagged = pd.to_numeric(maxspeed, errors="coerce").fillna(0).to_numpy(float)
    return np.where(tagged > 0, tagged, default)


def read_layer(path: str | Path) -> Edges:
    """Edges of a Geofabrik-schema road layer (GeoJSON, GPKG or SHP), split at shared vertices."""
    import pyogrio
    import shapely

    path = Path(path)
    frame = pyogrio.read_dataframe(path, columns=["fclass", "oneway", "maxspeed"])
    missing = {"fclass", "oneway", "maxspeed"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: missing road attributes {sorted(missing)}")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    frame = frame[frame.geometry.notna()]
    lines = shapely.get_parts(frame.geometry.to_numpy())  # MultiLineStrings into lines
    line_feature = np.repeat(
        np.arange(len(frame)), shapely.get_num_geometries(frame.geometry.to_numpy())
    )
    coords, line = shapely.get_coordinates(lines, return_index=True)

    # One id per distinct coordinate: the shared vertices are the junctions.
    vertex_keys = coords[:, 0] + 1j * coords[:, 1]
    unique_keys, vertex = np.unique(vertex_keys, return_inverse=True)
    use_count = np.bincount(vertex)
    first = np.r_[True, line[1:] != line[:-1]]
    last = np.r_[line[1:] != line[:-1], True]
    is_node = first | last | (use_count[vertex] > 1)

    step_m = np.zeros(len(coords))
    step_m[1:] = haversine_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]) * 1e3
    step_m[first] = 0.0
    along_m = np.cumsum(step_m)

    at = np.flatnonzero(is_node)
    same_line = line[at[1:]] == line[at[:-1]]
    start, end = at[:-1][same_line], at[1:][same_line]

    feature = line_feature[line[start]]
    fclass = frame["fclass"].astype("string").to_numpy()[feature]
    oneway = frame["oneway"].astype("string").fillna(BOTH).to_numpy()[feature]
    speed = speeds(pd.Series(fclass), pd.Series(frame["maxspeed"].to_numpy()[feature]))

    used, node = np.unique(np.r_[vertex[start], vertex[end]], return_inverse=True)
    return Edges(
        lon=unique_keys[used].real.copy(),
        lat=unique_keys[used].imag.copy(),
        u=node[: len(start)].astype(np.int64),
        v=node[len(start) :].astype(np.int64),
        length_m=along_m[end] - along_m[start],
        speed_kmh=speed,
        oneway=np.asarray(oneway, dtype=object),
    )


def parse_maxspeed(values: pd.Series) -> pd.Series:
    """km/h of OSM maxspeed strings ("50", "30 mph", "FR:urban", "50;30"); 0 when unknown."""
    text = values.astype("string").str.strip()
    zone = text.map(FRENCH_ZONE_SPEEDS_KMH)
    number = pd.to_numeric(text.str.extract(r"^(\d+(?:\.\d+)?)", expand=False), errors="coerce")
    mph = text.str.contains(r"mph", flags=re.IGNORECASE, na=False)
    number = number.where(~mph, number * 1.609344)
    return number.fillna(zone).fillna(0.0).astype(float)


def pbf_oneway(frame: pd.DataFrame) -> np.ndarray:
    """B/F/T of OSM ``oneway`` tags; roundabouts and motorways are one-way when untagged."""
    tag = frame["oneway"].astype("string").str.lower()
    direction = pd.Series(BOTH, index=frame.index, dtype=object)
    implicit = frame["highway"].eq("motorway")
    if "junction" in frame:
        implicit |= frame["junction"].isin(["roundabout", "circular"])
    direction[tag.isna() & implicit] = FORWARD
    direction[tag.isin(["yes", "true", "1"]).fillna(False)] = FORWARD
    direction[tag.isin(["-1", "reverse"]).fillna(False)] = BACKWARD
    return direction.to_numpy()


def read_pbf(path: str | Path) -> Edges:
    """Edges of the driving network of an ``.osm.pbf`` (pyrosm)."""
    from pyrosm import OSM

    nodes, ways = OSM(str(path)).get_network(network_type="driving", nodes=True)
    if ways is None or len(ways) == 0:
        raise ValueError(f"{Path(path).name}: no drivable road in this file")
    node_ids = nodes["id"].to_numpy(np.int64)
    order = np.argsort(node_ids)
    u = order[np.searchsorted(node_ids, ways["u"].to_numpy(np.int64), sorter=order)]
    v = order[np.searchsorted(node_ids, ways["v"].to_numpy(np.int64), sorter=order)]
    lon, lat = nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)
    fclass = ways["highway"].replace({"road": "unknown"})
    return Edges(
        lon=lon,
        lat=lat,
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        length_m=haversine_km(lon[u], lat[u], lon[v], lat[v]) * 1e3,
        speed_kmh=speeds(fclass, parse_maxspeed(ways["maxspeed"])),
        oneway=pbf_oneway(ways),
    )


def read_edges(path: str | Path) -> Edges:
    """Edges of a road file, by its extension: ``.osm.pbf`` via pyrosm, else a vector layer."""
    if str(path).lower().endswith(".pbf"):
        return read_pbf(path)
    return read_layer(path)
