"""Crow-fly travel times: great-circle distance × detour factor ÷ speed, plus an access time.

The always-available provider. Points are placed on the unit sphere (ECEF coordinates) so a
single KD-tree serves metropolitan France and the overseas départements alike, with no
projection distortion: the chord between two unit vectors grows monotonically with their
great-circle distance, so the k nearest by chord are exactly the k nearest by haversine, and
the chord converts back to the great-circle distance exactly (d = 2R·asin(c/2)).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from . import NO_DESTINATION, UNREACHABLE, Pairs, Places

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 3) ECEF coordinates on the unit sphere of WGS84 lon/lat degrees."""
    lon_r = np.radians(np.asarray(lon, dtype=np.float64))
    lat_r = np.radians(np.asarray(lat, dtype=np.float64))
    cos_lat = np.cos(lat_r)
    return np.column_stack([cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)])


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) of a chord length on the unit sphere."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def km_to_chord(km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance (km); 2 beyond the antipode."""
    half_angle = min(km / (2.0 * EARTH_RADIUS_KM), np.pi / 2)
    return 2.0 * np.sin(half_angle)


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between points (arrays broadcast together)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


class CrowFly:
    """minutes = great-circle km × detour ÷ speed_kmh × 60 + access_minutes.

    The great-circle km come from the KD-tree's chord between unit vectors (``chord_to_km``),
    which equals the haversine formula (``haversine_km``) to rounding.
    """

    name = "crowfly"

    def __init__(
        self, detour: float = 1.3, speed_kmh: float = 50.0, access_minutes: float = 0.0
    ) -> None:
        detour, speed_kmh, access_minutes = float(detour), float(speed_kmh), float(access_minutes)
        if not np.isfinite(speed_kmh) or speed_kmh <= 0:
            raise ValueError(f"crow-fly speed must be a positive number of km/h, got {speed_kmh}")
        if not np.isfinite(detour) or detour < 1:
            raise ValueError(f"crow-fly detour factor must be at least 1, got {detour}")
        if not np.isfinite(access_minutes) or access_minutes < 0:
            raise ValueError(f"crow-fly access time must be >= 0 minutes, got {access_minutes}")
        self.detour = detour
        self.speed_kmh = speed_kmh
        self.access_minutes = access_minutes

    def parameters(self) -> dict[str, Any]:
        return {
            "provider": self.name,
            "detour": self.detour,
            "speed_kmh": self.speed_kmh,
            "access_minutes": self.access_minutes,
        }

    def minutes_of_km(self, km: np.ndarray) -> np.ndarray:
        return np.asarray(km) * self.detour / self.speed_kmh * 60.0 + self.access_minutes

    def minutes_of_chord(self, chord: np.ndarray) -> np.ndarray:
        """Minutes of chord lengths between unit vectors: d = 2R·asin(c/2), exact (no
        approximation: the chord is the straight line through the sphere)."""
        return self.minutes_of_km(chord_to_km(chord))

    def km_of_minutes(self, minutes: float) -> float:
        return (minutes - self.access_minutes) * self.speed_kmh / 60.0 / self.detour

    def nearest(
        self, origins: Places, destinations: Places, k: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        n, m = len(origins), len(destinations)
        minutes = np.full((n, k), UNREACHABLE, dtype=np.float64)
        index = np.full((n, k), NO_DESTINATION, dtype=np.int64)
        if n == 0 or m == 0:
            return minutes, index
        k_found = min(k, m)
        tree = cKDTree(unit_vectors(destinations.lon, destinations.lat))
        chord, found = tree.query(
            unit_vectors(origins.lon, origins.lat), k=list(range(1, k_found + 1))
        )
        # The KD-tree's chords are sorted and d = 2R·asin(c/2) is increasing, so the minutes
        # come out sorted; within() converts its chords by the same formula, so a pair's time
        # is the same whichever question found it.
        minutes[:, :k_found] = self.minutes_of_chord(chord)
        index[:, :k_found] = found
        return minutes, index

    def within(self, origins: Places, destinations: Places, max_minutes: float) -> Pairs:
        empty = Pairs(
            np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        )
        km = self.km_of_minutes(max_minutes)
        if len(origins) == 0 or len(destinations) == 0 or km < 0:
            return empty
        # A slightly larger radius, then the exact test on the minutes: the boundary is decided by
        # the same formula as every other time, never by comparing chords.
        radius = km_to_chord(km) * (1 + 1e-9) + 1e-12
        origin_tree = cKDTree(unit_vectors(origins.lon, origins.lat))
        destination_tree = cKDTree(unit_vectors(destinations.lon, destinations.lat))
        found = origin_tree.sparse_distance_matrix(
            destination_tree, max_distance=radius, output_type="ndarray"
        )
        # The tree already measured every pair (its chord "v"): converting that chord is exact
        # and avoids a haversine on gathered coordinates. No sort: Pairs have no order, and the
        # 2SFCA sums do not need one.
        minutes = self.minutes_of_chord(found["v"])
        keep = minutes <= max_minutes
        if keep.all():
            return Pairs(found["i"].astype(np.int64), found["j"].astype(np.int64), minutes)
        return Pairs(
            found["i"][keep].astype(np.int64), found["j"][keep].astype(np.int64), minutes[keep]
        )
