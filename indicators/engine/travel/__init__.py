"""Travel-time providers: how many minutes from population units to facilities.

Every provider answers the same two questions on arrays, so the engine never knows which one
it uses and never loops over origin × destination pairs in Python:

- ``nearest(origins, destinations, k)``: the k smallest times from each origin, and which
  destinations they lead to;
- ``within(origins, destinations, max_minutes)``: every pair reachable within a cut-off, as
  ``Pairs`` (the sparse catchments of 2SFCA).

Every provider also states its ``parameters()``, recorded with every stored result, so that a
figure can always be traced to how its times were computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

UNREACHABLE = np.inf  # minutes of a destination that cannot be reached
NO_DESTINATION = -1  # index returned where fewer than k destinations are reachable


@dataclass(frozen=True)
class Places:
    """Points with their ids: population units (origins) or facilities (destinations).

    ``lon``/``lat`` are WGS84 degrees, float64 arrays of one length; ``ids`` are the caller's
    keys (INSEE codes, FINESS numbers or database ids), used by providers that look times up by
    id (an imported matrix) and to name rows in outputs.
    """

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __post_init__(self) -> None:
        if not (len(self.ids) == len(self.lon) == len(self.lat)):
            raise ValueError("ids, lon and lat must have the same length")

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, index: np.ndarray) -> Places:
        return Places(self.ids[index], self.lon[index], self.lat[index])


@dataclass(frozen=True)
class Pairs:
    """Origin–destination pairs with their times (a sparse matrix in coordinate form).

    Kept as three arrays rather than a scipy sparse matrix because a pair at 0 minutes (a
    facility in the unit itself) is a real pair, which a sparse matrix would drop as a zero.
    """

    origin: np.ndarray  # int64 indices into the origins
    destination: np.ndarray  # int64 indices into the destinations
    minutes: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.origin)


class TravelTimeProvider(Protocol):
    name: str

    def parameters(self) -> dict[str, Any]:
        """What produced the times (recorded with every result): provider name and settings."""

    def nearest(
        self, origins: Places, destinations: Places, k: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(minutes, index)``, both shaped (len(origins), k) and sorted by time: the k
        fastest destinations of each origin; ``UNREACHABLE``/``NO_DESTINATION`` fill the
        places of destinations that cannot be reached."""

    def within(self, origins: Places, destinations: Places, max_minutes: float) -> Pairs:
        """Every pair whose time is at most ``max_minutes`` (inclusive)."""


#: Directions a provider's times may run: from the origins (communes) to the destinations, or
#: from the destinations to the origins (``outbound``).
TO_DESTINATION, FROM_DESTINATION = "to_destination", "from_destination"


def outbound(provider: TravelTimeProvider) -> tuple[TravelTimeProvider, bool]:
    """``provider`` answering the times *from* each destination *to* the origins (a SMUR or
    a doctor leaving their base for the commune), and whether that direction is exact.

    - road: the network with its arcs turned round (``RoadProvider.outbound``), exact;
    - crow-fly and héliSMUR flight: a great circle is the same both ways, exact;
    - an imported matrix: its times run from the origins to the destinations it lists and
      the other way is not in it; the same times are used, and ``False`` says so.
    """
    name = getattr(provider, "name", "")
    if name == "road":
        return provider.outbound(), True  # type: ignore[attr-defined]
    if name in ("crowfly", "helismur"):
        return provider, True
    return provider, False


def provider_from_parameters(
    parameters: dict[str, Any], *, road_cache_dir: str | Path | None = None
) -> TravelTimeProvider:
    """The provider described by ``parameters()``, so a stored run can be recomputed as it was.

    A road network is reloaded from its cache in ``road_cache_dir`` and must be the very graph
    that was used (same array hash); a matrix is re-read from its recorded path.
    """
    kind = parameters.get("provider")
    if kind == "crowfly":
        from .crowfly import CrowFly

        return CrowFly(
            detour=parameters.get("detour", 1.3),
            speed_kmh=parameters.get("speed_kmh", 50.0),
            access_minutes=parameters.get("access_minutes", 0.0),
        )
    if kind == "helismur":
        from .helismur import HeliSmurFlight

        missing = [name for name in ("speed_kmh", "takeoff_minutes") if name not in parameters]
        if missing:
            raise ValueError(f"a héliSMUR flight time needs {' and '.join(missing)} (no default)")
        return HeliSmurFlight(
            speed_kmh=parameters["speed_kmh"], takeoff_minutes=parameters["takeoff_minutes"]
        )
    if kind == "road":
        from .road import RoadProvider

        if road_cache_dir is None:
            raise ValueError("a road provider needs the directory of the cached networks")
        provider = RoadProvider.load_cached(parameters["network"], road_cache_dir)
        if "snap_speed_kmh" in parameters:
            provider.snap_speed_kmh = float(parameters["snap_speed_kmh"])
        if parameters.get("direction", TO_DESTINATION) == FROM_DESTINATION:
            provider = provider.outbound()
        expected = parameters.get("graph_sha256")
        if expected is not None and provider.graph_hash() != expected:
            raise ValueError(
                f"road network {parameters['network']!r} has changed since these times were "
                f"computed (graph {provider.graph_hash()}, expected {expected})"
            )
        return provider
    if kind == "matrix":
        from .matrix import MatrixProvider

        if not parameters.get("path"):
            raise ValueError("a matrix provider needs the path of its CSV file")
        return MatrixProvider.from_csv(parameters["path"])
    raise ValueError(f"unknown travel-time provider {kind!r}")
