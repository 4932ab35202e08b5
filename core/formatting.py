"""Numbers as the active language writes them, for every page and every export.

fr: ``401 478`` (U+202F, narrow no-break space, between thousands: see ``core/formats/fr``),
``37,1 %`` and ``12,5 min`` (U+00A0, no-break space, before the unit: the percent sign and the
unit symbol are separated from the figure in French, *Lexique des règles typographiques en
usage à l'Imprimerie nationale*); en: ``401,478``, ``37.1%``, ``12.5 min``.

A missing value (``None``, NaN, text that is not a number) is returned as ``None`` so that the
caller says what is missing; nothing is shown as a zero.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from django.utils import formats, translation
from django.utils.translation import gettext as _

NO_BREAK_SPACE = "\u00a0"
NARROW_NO_BREAK_SPACE = "\u202f"


def _number(value: object) -> float | Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    if isinstance(number, Decimal) and not number.is_finite():
        return None
    return number


def format_number(value: object, digits: int = 0) -> str | None:
    """``value`` rounded to ``digits`` decimals (half away from zero, as ``floatformat``),
    thousands grouped, in the active language; ``None`` when there is no number."""
    number = _number(value)
    if number is None:
        return None
    rounded = Decimal(str(number)).quantize(Decimal(1).scaleb(-digits), rounding="ROUND_HALF_UP")
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,0"
    return formats.number_format(rounded, digits, use_l10n=True, force_grouping=True)


def _unit_space() -> str:
    return NO_BREAK_SPACE if (translation.get_language() or "fr").startswith("fr") else ""


def format_percent(value: object, digits: int = 1) -> str | None:
    """A percentage already multiplied by 100: fr ``37,1 %``, en ``37.1%``."""
    text = format_number(value, digits)
    return None if text is None else f"{text}{_unit_space()}%"


def format_share(value: object, digits: int = 1) -> str | None:
    """A share between 0 and 1 as a percentage (0.371 → fr ``37,1 %``)."""
    number = _number(value)
    return None if number is None else format_percent(float(number) * 100, digits)


def format_minutes(value: object, digits: int = 1) -> str | None:
    """Minutes: fr ``12,5 min``, en ``12.5 min`` (no-break space in both)."""
    text = format_number(value, digits)
    return None if text is None else f"{text}{NO_BREAK_SPACE}min"


#: A decimal number as a person types it: one optional sign (``-``, ``+`` or the typographic
#: minus U+2212), digits, and at most one decimal separator, a comma or a dot.
_TYPED_DECIMAL = re.compile(r"[+\-\u2212]?(\d+([.,]\d*)?|[.,]\d+)")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_decimal(text: str) -> float | None:
    """The number typed in ``text``, with a comma or a dot as its decimal separator, whatever
    the page's language: a French user types ``6,95``, a pasted value is often ``6.95``. An
    empty text is ``None``; anything else that is not one such number raises ``ValueError``
    saying why (``6,9,5``, ``6.9,5``, ``abc``) — never read as some other number, as Django's
    localised fields do in English, where ``6,95`` would become 695."""
    cleaned = _SPACES.sub("", str(text))
    if not cleaned:
        return None
    if not _TYPED_DECIMAL.fullmatch(cleaned):
        if len(re.findall(r"[.,]", cleaned)) > 1:
            raise ValueError(
                _("« %(text)s » : un seul séparateur décimal (une virgule ou un point).")
                % {"text": text}
            )
        raise ValueError(
            _("« %(text)s » n'est pas un nombre décimal (par exemple 6,95 ou 6.95).")
            % {"text": text}
        )
    number = float(cleaned.replace(",", ".").replace("\u2212", "-"))
    if not math.isfinite(number):
        raise ValueError(_("« %(text)s » n'est pas un nombre fini.") % {"text": text})
    return number
