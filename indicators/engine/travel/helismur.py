"""Flight times of a héliSMUR (issue 11 §3): crow-fly distance ÷ a stated cruise speed + a
stated take-off delay, both recorded in the run's parameters.

A helicopter flies straight: no detour factor. The issue gives the formula but no value for
either parameter, and no official text stating them was found (``docs/emergency-resources.md``),
so both must be given by whoever starts the run; there is no default. The time is the same in
both directions (a great circle), so the commune–base times answer "from the base to the
commune" as the issue asks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .crowfly import CrowFly


class HeliSmurFlight(CrowFly):
    """minutes = haversine km ÷ speed_kmh × 60 + takeoff_minutes (the crow-fly provider with a
    detour of 1 and the take-off delay as its access time)."""

    name = "helismur"

    def __init__(self, *, speed_kmh: float, takeoff_minutes: float) -> None:
        speed_kmh, takeoff_minutes = float(speed_kmh), float(takeoff_minutes)
        if not np.isfinite(takeoff_minutes) or takeoff_minutes < 0:
            raise ValueError(f"héliSMUR take-off delay must be >= 0 minutes, got {takeoff_minutes}")
        if not np.isfinite(speed_kmh) or speed_kmh <= 0:
            raise ValueError(f"héliSMUR speed must be a positive number of km/h, got {speed_kmh}")
        super().__init__(detour=1.0, speed_kmh=speed_kmh, access_minutes=takeoff_minutes)

    @property
    def takeoff_minutes(self) -> float:
        return self.access_minutes

    def parameters(self) -> dict[str, Any]:
        return {
            "provider": self.name,
            "speed_kmh": self.speed_kmh,
            "takeoff_minutes": self.takeoff_minutes,
            "formula": "crow-fly km / speed_kmh * 60 + takeoff_minutes",
        }
