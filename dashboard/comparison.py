"""The scenario comparison map and its figures, from the arrays of a scenario's evaluation
(``sros.scenarios.evaluate_scenario``): no query here, the views load and pass everything.

One layer serves both modes of the page. Each commune feature carries, besides ``n`` name,
``c`` code, ``p`` population as shown and ``pv`` population: ``b``/``s`` the minutes to the
nearest facility of the level in the base and in the scenario, ``d`` their difference (null
where either is unreachable: JSON has no Infinity), ``tb``/``ts``/``td`` the same as shown,
and ``fb``/``fs``/``fd`` the fill colours: the base and scenario maps share the dashboard's
minute bands, the difference map a diverging palette (gains green, losses red, unchanged
neutral). The legends of both modes and the sites the scenario changes travel as foreign
members of the FeatureCollection (RFC 7946 §6.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from core.formatting import NO_BREAK_SPACE
from core.maps import NO_DATA_COLOUR
from indicators.aggregates import value_or_none

# The text builders of the dashboard's other layers: geometries are pasted as the database
# wrote them, never parsed and dumped again.
from indicators.display import fixed, format_value
from sros.scenarios import TOLERANCE, CommuneChange, Figure
from territories.shapes import Shape

from .layers import GOOD_INDICATORS, classes_for, collection_json, feature_json
from .selectors import Indicator, UnitKind

SIDE_BY_SIDE, DIFFERENCE = "cote-a-cote", "difference"

#: Bounds (minutes) of the gain and loss bands of the difference map.
DELTA_BREAKS = (5.0, 15.0)
GAIN_COLOURS = ("#d9f0d3", "#7fbf7b", "#1b7837")  # less to more time saved
LOSS_COLOURS = ("#fddbc7", "#ef8a62", "#b2182b")  # less to more time lost
UNCHANGED_COLOUR = "#f7f7f7"
NOW_REACHED_COLOUR = "#00441b"
NO_LONGER_REACHED_COLOUR = "#67001f"
#: A minus sign, not a hyphen, before negative differences.
MINUS = "\u2212"


def format_minutes(value: float | None) -> str:
    """Minutes to the nearest facility; "non atteint" when no facility is reachable."""
    if value_or_none(value) is None:
        return _("non atteint")
    return format_value(Indicator.NEAREST_MINUTES, value)


def _signed(value: float, decimals: int) -> str:
    text = fixed(abs(value), decimals)
    if round(abs(value), decimals) == 0:
        return text
    return f"{MINUS if value < 0 else '+'}{text}"


def format_minute_delta(base: float | None, scenario: float | None) -> str:
    """The change of a commune's time: signed minutes, or the change of reach."""
    base, scenario = value_or_none(base), value_or_none(scenario)
    if base is None and scenario is None:
        return _("non atteint")
    if base is None:
        return _("devient atteint")
    if scenario is None:
        return _("n'est plus atteint")
    delta = scenario - base
    if abs(delta) <= TOLERANCE:
        return _("inchangé")
    return f"{_signed(delta, 1)}{NO_BREAK_SPACE}min"


# --- the difference classes -----------------------------------------------------------------


def difference_colour(base: float | None, scenario: float | None) -> str:
    """The fill of a commune on the difference map."""
    base, scenario = value_or_none(base), value_or_none(scenario)
    if base is None and scenario is None:
        return NO_DATA_COLOUR
    if base is None:
        return NOW_REACHED_COLOUR
    if scenario is None:
        return NO_LONGER_REACHED_COLOUR
    delta = scenario - base
    if abs(delta) <= TOLERANCE:
        return UNCHANGED_COLOUR
    band = int(np.searchsorted(DELTA_BREAKS, abs(delta), side="right"))
    return (GAIN_COLOURS if delta < 0 else LOSS_COLOURS)[band]


def difference_legend(title: str) -> dict:
    low, high = (fixed(b, 0) for b in DELTA_BREAKS)
    entries = [
        (NOW_REACHED_COLOUR, _("devient atteint")),
        (GAIN_COLOURS[2], _("gain de %(n)s min et plus") % {"n": high}),
        (GAIN_COLOURS[1], _("gain de %(low)s à %(high)s min") % {"low": low, "high": high}),
        (GAIN_COLOURS[0], _("gain de moins de %(n)s min") % {"n": low}),
        (UNCHANGED_COLOUR, _("inchangé")),
        (LOSS_COLOURS[0], _("perte de moins de %(n)s min") % {"n": low}),
        (LOSS_COLOURS[1], _("perte de %(low)s à %(high)s min") % {"low": low, "high": high}),
        (LOSS_COLOURS[2], _("perte de %(n)s min et plus") % {"n": high}),
        (NO_LONGER_REACHED_COLOUR, _("n'est plus atteint")),
        (NO_DATA_COLOUR, _("non atteint ou sans donnée")),
    ]
    return {
        "title": title,
        "mode": DIFFERENCE,
        "entries": [{"colour": colour, "label": label} for colour, label in entries],
    }


def minutes_legend(title: str) -> dict:
    classes = classes_for(Indicator.NEAREST_MINUTES, [])
    return {
        "title": title,
        "mode": SIDE_BY_SIDE,
        "entries": classes.legend(_("non atteint ou sans donnée")),
    }


# --- the layer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedSite:
    """A site whose service of the level the scenario changes: ``status`` is "closed" (it
    stops serving the level: closed, or its authorisation withdrawn) or "opened"."""

    finess: str  # "" for a site the scenario creates
    label: str
    kind: str  # as shown
    commune: str
    status: str
    lon: float | None
    lat: float | None

    def as_json(self) -> dict:
        return {
            "finess": self.finess,
            "label": self.label,
            "kind": self.kind,
            "commune": self.commune,
            "status": self.status,
            "lon": value_or_none(self.lon),
            "lat": value_or_none(self.lat),
        }


def comparison_layer(
    shapes: Sequence[Shape],
    codes: Sequence[str],
    population: np.ndarray,
    base_minutes: np.ndarray,
    scenario_minutes: np.ndarray,
    *,
    title: str,
    sites: Sequence[ChangedSite] = (),
) -> str:
    """The communes of ``shapes`` as one FeatureCollection (JSON text) with the base and
    scenario minutes of the units ``codes`` (arrays aligned with ``codes``); a shape without a
    unit (a commune that has no representative point) shows no data."""
    position = {code: i for i, code in enumerate(codes)}
    minute_classes = classes_for(Indicator.NEAREST_MINUTES, [])
    no_data = _("sans donnée")
    features = []
    for shape in shapes:
        i = position.get(shape.code)
        if i is None:
            base = scenario = people = None
            texts = (no_data, no_data, no_data)
        else:
            base, scenario = value_or_none(base_minutes[i]), value_or_none(scenario_minutes[i])
            people = value_or_none(population[i])
            texts = (
                format_minutes(base),
                format_minutes(scenario),
                format_minute_delta(base, scenario),
            )
        delta = scenario - base if base is not None and scenario is not None else None
        properties = {
            "n": shape.name,
            "c": shape.code,
            "p": format_value(Indicator.POPULATION, people),
            "pv": people,
            "b": base,
            "s": scenario,
            "d": delta,
            "tb": texts[0],
            "ts": texts[1],
            "td": texts[2],
            "fb": minute_classes.colour(base),
            "fs": minute_classes.colour(scenario),
            "fd": difference_colour(base, scenario) if i is not None else NO_DATA_COLOUR,
        }
        features.append(feature_json(shape.code, properties, shape.geometry))
    legends = {
        SIDE_BY_SIDE: minutes_legend(title),
        DIFFERENCE: difference_legend(_("Écart de temps d'accès : scénario − actuel")),
    }
    return collection_json(features, legends=legends, sites=[s.as_json() for s in sites])


# --- the figures beside the map -------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    label: str
    base: str
    scenario: str
    delta: str
    trend: str  # "gain", "loss" or "" (unchanged or not comparable)


def format_figure_delta(indicator: str, delta: float | None) -> str:
    if delta is None:
        return "—"
    if abs(delta) <= TOLERANCE:
        return "0"
    if indicator in (Indicator.SHARE_BEYOND, Indicator.SHARE_BEYOND_SECOND):
        return _("%(points)s pt") % {"points": _signed(delta * 100, 1)}
    if indicator in (Indicator.MEAN_MINUTES, Indicator.NEAREST_MINUTES):
        return f"{_signed(delta, 1)}{NO_BREAK_SPACE}min"
    if indicator in (
        Indicator.POPULATION_BEYOND,
        Indicator.POPULATION_BEYOND_SECOND,
        Indicator.POPULATION_UNDERSERVED,
    ):
        return _signed(round(delta), 0)
    return _signed(delta, 2)


def figure_row(figure: Figure) -> FigureRow:
    """One figure as shown: both values, the signed difference and whether it is a gain."""
    delta = figure.delta
    trend = ""
    if delta is not None and figure.changed:
        better = (delta > 0) == (figure.indicator in GOOD_INDICATORS)
        trend = "gain" if better else "loss"
    elif figure.changed:  # defined on one side only
        trend = "loss" if figure.scenario is None else "gain"
    return FigureRow(
        label=figure.label,
        base=format_value(figure.indicator, figure.base),
        scenario=format_value(figure.indicator, figure.scenario),
        delta=format_figure_delta(figure.indicator, delta),
        trend=trend,
    )


@dataclass(frozen=True)
class UnitFigures:
    """The changed figures of one département or zone."""

    kind: str
    code: str
    name: str
    zoning: str
    rows: list[FigureRow]


def unit_figures(figures: Sequence[Figure]) -> list[UnitFigures]:
    """Changed figures grouped by unit: départements first, then zones by zoning and code."""
    groups: dict[tuple, list[Figure]] = {}
    for figure in figures:
        key = (figure.unit_kind, figure.zoning, figure.unit_code, figure.unit_name)
        groups.setdefault(key, []).append(figure)
    order = {UnitKind.DEPARTMENT: 0, UnitKind.ZONE: 1}
    return [
        UnitFigures(kind, code, name, zoning, [figure_row(f) for f in rows])
        for (kind, zoning, code, name), rows in sorted(
            groups.items(), key=lambda item: (order.get(item[0][0], 2), item[0][1], item[0][2])
        )
    ]


@dataclass(frozen=True)
class CommuneRow:
    code: str
    name: str
    population: str
    base: str
    scenario: str
    delta: str
    trend: str


def commune_rows(communes: Sequence[CommuneChange]) -> list[CommuneRow]:
    """The communes whose time changes most, as shown (unreachable: "non atteint")."""
    rows = []
    for c in communes:
        base, scenario = value_or_none(c.base_minutes), value_or_none(c.scenario_minutes)
        if base is not None and scenario is not None:
            trend = "gain" if scenario < base else "loss"
        else:
            trend = "loss" if scenario is None else "gain"
        rows.append(
            CommuneRow(
                code=c.code,
                name=c.name,
                population=format_value(Indicator.POPULATION, c.population),
                base=format_minutes(base),
                scenario=format_minutes(scenario),
                delta=format_minute_delta(base, scenario),
                trend=trend,
            )
        )
    return rows
