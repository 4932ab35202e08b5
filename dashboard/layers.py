"""The JSON layers the dashboard maps load: a choropleth of one stored indicator, the facilities
of the region, the département and zone boundaries.

Each feature carries short property names (they repeat 4,000 times on a regional layer): ``n``
name, ``c`` code, ``v`` the stored value (exactly the ``IndicatorValue``), ``t`` the value as
shown, ``p`` the population as shown, ``f`` the fill colour. Colour classes are decided here,
so the browser only paints; the legend travels with the layer as a foreign member of the
FeatureCollection (allowed by RFC 7946 §6.1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from core.maps import NO_DATA_COLOUR, POPULATION_COLOURS
from facilities.activities import labels
from facilities.maps import KIND_COLOURS, facility_popup
from facilities.models import Facility
from indicators.display import SHARE_INDICATORS, TIME_INDICATORS, format_value
from indicators.weights import WeightNote
from territories.shapes import Shape

from .selectors import Indicator, MapFacility, StateNote, UnitValue

#: Fixed bands of access times (minutes), the bands planners quote.
MINUTE_BREAKS = [15, 30, 45, 60]
#: Shares of the population beyond target.
SHARE_BREAKS = [0.05, 0.1, 0.25, 0.5]
#: ColorBrewer "YlOrRd": the darker, the worse (longer, more people left out).
WORSE_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
#: ColorBrewer "Greens": the darker, the better served.
BETTER_COLOURS = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"]

SECOND_INDICATORS = (Indicator.SHARE_BEYOND_SECOND, Indicator.POPULATION_BEYOND_SECOND)
#: The figures that count a level's weight (the women aged 15 to 44 for perinatal levels,
#: ``indicators.inputs.level_population``); the nearest time of a commune counts no one.
WEIGHTED_INDICATORS = (
    Indicator.MEAN_MINUTES,
    Indicator.SHARE_BEYOND,
    Indicator.POPULATION_BEYOND,
    *SECOND_INDICATORS,
    Indicator.POPULATION_UNDERSERVED,
    Indicator.ACCESS_2SFCA,
)
GOOD_INDICATORS = (Indicator.ACCESS_2SFCA, Indicator.DENSITY_PER_10K)


@dataclass(frozen=True)
class Classes:
    breaks: list[float]
    colours: list[str]
    labels: list[str]

    def colour(self, value: float | None) -> str:
        if value is None:
            return NO_DATA_COLOUR
        return self.colours[int(np.searchsorted(self.breaks, value, side="right"))]

    def legend(self, no_data_label: str) -> list[dict]:
        pairs = zip(self.colours, self.labels, strict=True)
        entries = [{"colour": colour, "label": label} for colour, label in pairs]
        return [*entries, {"colour": NO_DATA_COLOUR, "label": no_data_label}]


def quantile_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Quantile class bounds of the positive values rounded to two significant figures, without
    duplicates: zeros (no facility within the 2SFCA cut-off, nobody beyond target) are often
    the majority and would otherwise make every bound zero."""
    data = np.array([v for v in values if v is not None and v > 0], dtype=float)
    if not len(data):
        return []
    quantiles = np.quantile(data, np.linspace(0, 1, classes + 1)[1:-1])
    rounded = {float(f"{q:.2g}") for q in quantiles}
    return sorted(b for b in rounded if b > 0)


def classes_for(indicator: str, values: Sequence[float | None]) -> Classes:
    """Fixed bands for times and shares (comparable from one map to the next), quantiles for
    counts and access."""
    if indicator in TIME_INDICATORS:
        breaks, colours = MINUTE_BREAKS, WORSE_COLOURS
    elif indicator in SHARE_INDICATORS:
        breaks, colours = SHARE_BREAKS, WORSE_COLOURS
    else:
        breaks = quantile_breaks(values, 6 if indicator == Indicator.POPULATION else 5)
        palette = {
            Indicator.POPULATION: POPULATION_COLOURS,
            **dict.fromkeys(GOOD_INDICATORS, BETTER_COLOURS),
        }.get(indicator, WORSE_COLOURS)
        colours = palette[-(len(breaks) + 1) :]
    return Classes(list(breaks), list(colours), _band_labels(indicator, breaks))


def _band_labels(indicator: str, breaks: Sequence[float]) -> list[str]:
    shown = [format_value(indicator, b) for b in breaks]
    if not breaks:
        return [_("toutes valeurs")]
    labels = [_("moins de %(high)s") % {"high": shown[0]}]
    labels += [
        _("%(low)s à %(high)s") % {"low": low, "high": high}
        for low, high in zip(shown, shown[1:], strict=False)
    ]
    return [*labels, _("%(low)s et plus") % {"low": shown[-1]}]


def choropleth(
    shapes: Sequence[Shape],
    values: dict[str, UnitValue],
    *,
    indicator: str,
    title: str,
    note: StateNote | None = None,
    weight: WeightNote | None = None,
) -> str:
    """The choropleth FeatureCollection as JSON text; geometries are pasted as the database
    wrote them (no parse and dump of 2 MB of coordinates).

    ``note``: the state of the level shown; the legend carries it (``state``, and ``note``,
    the sentence saying what is approximated or missing), and a missing level's only legend
    entry says which data is missing instead of "non atteint". ``weight``: whom the level's
    figures count (``indicators.weights``), said in ``note`` for a figure that counts it, with
    ``weight`` (total, women_15_44 or mixed) and ``weight_warning``."""
    classes = classes_for(indicator, [v.value for v in values.values()])
    unknown = UnitValue(None, None)
    features = []
    for shape in shapes:
        unit = values.get(shape.code, unknown)
        properties = {
            "n": shape.name,
            "c": shape.code,
            "v": unit.value,
            "t": format_value(indicator, unit.value),
            "p": format_value(Indicator.POPULATION, unit.population),
            "f": classes.colour(unit.value),
        }
        features.append(feature_json(shape.code, properties, shape.geometry))
    entries = classes.legend(_("non atteint ou sans donnée"))
    if note is not None and note.missing:
        entries = [{"colour": NO_DATA_COLOUR, "label": note.label}]
    legend = {"title": title, "indicator": indicator, "entries": entries}
    if note is not None:
        legend |= {"state": note.state, "note": note.sentence}
    if weight is not None and indicator in WEIGHTED_INDICATORS and not (note and note.missing):
        sentence = " ; ".join(s for s in (legend.get("note", ""), weight.sentence) if s)
        legend |= {"note": sentence, "weight": weight.used, "weight_warning": weight.warning}
    return collection_json(features, legend=legend)


def feature_json(feature_id: str, properties: dict, geometry: str) -> str:
    """One Feature as JSON text around ``geometry``, GeoJSON text as the database wrote it."""
    return (
        f'{{"type":"Feature","id":{json.dumps(feature_id)},'
        f'"properties":{_compact(properties)},"geometry":{geometry}}}'
    )


def collection_json(features: list[str], **members) -> str:
    extra = "".join(f'"{name}":{_compact(value)},' for name, value in members.items())
    return f'{{"type":"FeatureCollection",{extra}"features":[{",".join(features)}]}}'


def _compact(data) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def facilities(items: Sequence[MapFacility]) -> str:
    """Facilities as Point features with kind, served levels, colour and popup HTML."""
    kind_labels = dict(Facility.Kind.choices)
    index = labels()
    features = [
        {
            "type": "Feature",
            "id": item.point.finess_et,
            "geometry": {
                "type": "Point",
                "coordinates": [round(item.point.lon, 5), round(item.point.lat, 5)],
            },
            "properties": {
                "f": item.point.finess_et,
                "n": item.point.name,
                "k": item.point.kind,
                "l": item.levels,
                "col": KIND_COLOURS.get(item.point.kind, KIND_COLOURS[Facility.Kind.OTHER]),
                "h": str(facility_popup(item.point, kind_labels, index)),
            },
        }
        for item in items
    ]
    return _compact({"type": "FeatureCollection", "features": features})


def boundaries(departments: Sequence[Shape], zones: Sequence[Shape]) -> str:
    """Département and zone outlines (``k`` = "d" or "z")."""
    features = [
        feature_json(f"{kind}{shape.code}", {"n": shape.name, "k": kind}, shape.geometry)
        for kind, shapes in (("d", departments), ("z", zones))
        for shape in shapes
    ]
    return collection_json(features)
