"""Template filters for numbers in the active language and labels of internal codes.

``{% load sros_format %}`` then ``{{ population|number }}`` (``401 478``), ``{{ x|number:1 }}``,
``{{ share|share }}`` (0.371 → ``37,1 %``), ``{{ percent|percent }}`` (37.1 → ``37,1 %``),
``{{ minutes|minutes }}`` (``12,5 min``), ``{{ code|label:"provider" }}``,
``{{ codes|labels:"kind"|join:", " }}``. A missing value gives
an empty string, so ``|default:"–"`` (or the page's own words) says it is missing.
See ``core/formatting.py`` and ``core/labels.py``.
"""

from __future__ import annotations

from django import template

from core.formatting import format_minutes, format_number, format_percent, format_share
from core.labels import label_of

register = template.Library()


def _text(value: str | None) -> str:
    return "" if value is None else value


@register.filter
def number(value: object, digits: int = 0) -> str:
    return _text(format_number(value, int(digits)))


@register.filter
def percent(value: object, digits: int = 1) -> str:
    return _text(format_percent(value, int(digits)))


@register.filter
def share(value: object, digits: int = 1) -> str:
    return _text(format_share(value, int(digits)))


@register.filter
def minutes(value: object, digits: int = 1) -> str:
    return _text(format_minutes(value, int(digits)))


@register.filter
def label(value: object, kind: str) -> str:
    return label_of(kind, value)


@register.filter
def labels(values: object, kind: str) -> list[str]:
    """Each code of a list labelled (``{{ codes|labels:"scenario_site"|join:", " }}``)."""
    return [label_of(kind, v) for v in values or ()]
