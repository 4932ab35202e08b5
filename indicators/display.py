"""Indicator values as every page shows them (and the CSV/XLSX exports carry them): minutes
without decimals, shares in per cent, people grouped by thousands, densities with two
decimals, 2SFCA access with three significant figures, in the page's language
(``core.formatting``). Here, below the dashboard and the schema, so both show a figure alike.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from core.formatting import format_minutes, format_number, format_share

from .models import IndicatorValue

Indicator = IndicatorValue.Indicator

TIME_INDICATORS = (Indicator.NEAREST_MINUTES, Indicator.MEAN_MINUTES)
PEOPLE_INDICATORS = (
    Indicator.POPULATION_BEYOND,
    Indicator.POPULATION_BEYOND_SECOND,
    Indicator.POPULATION_UNDERSERVED,
)
SHARE_INDICATORS = (Indicator.SHARE_BEYOND, Indicator.SHARE_BEYOND_SECOND)


def fixed(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` places, grouped by thousands, in the page's language
    (``core.formatting``: fr ``401 478`` with U+202F). Rounded there: Django's
    ``number_format`` alone truncates (125.93 would show as 125)."""
    return format_number(value, decimals) or "—"


def shown_digits(indicator: str, value: float) -> int:
    """The decimals a page shows of ``indicator``: minutes 0, a share 3 (``37,1 %`` is
    0.371), people 0, density 2, 2SFCA access three significant figures."""
    if indicator in TIME_INDICATORS or indicator in (Indicator.POPULATION, *PEOPLE_INDICATORS):
        return 0
    if indicator in SHARE_INDICATORS:
        return 3
    if indicator == Indicator.DENSITY_PER_10K:
        return 2
    if value == 0:
        return 0
    return max(3 - 1 - int(math.floor(math.log10(abs(value)))), 0)


def shown_value(indicator: str, value: float | None) -> float | None:
    """``value`` rounded as the pages show it (``shown_digits``, half away from zero as
    ``core.formatting``): what the CSV and XLSX exports carry. ``None`` for none (or an
    infinite or NaN value)."""
    if value is None or not math.isfinite(value):
        return None
    step = Decimal(1).scaleb(-shown_digits(indicator, value))
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def format_value(indicator: str, value: float | None) -> str:
    """A value as the pages show it: minutes without decimals, shares in per cent, people
    grouped by thousands, 2SFCA access with three significant figures; "—" for none (or an
    infinite or NaN value, which no page can show)."""
    if value is None or not math.isfinite(value):
        return "—"
    if indicator in TIME_INDICATORS:
        return format_minutes(value, 0)
    if indicator in SHARE_INDICATORS:
        return format_share(value, 1)
    return fixed(value, shown_digits(indicator, value))
