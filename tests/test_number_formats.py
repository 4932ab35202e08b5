"""Numbers by the active language (core/formatting.py, core/formats/fr, the sros_format filters).

fr: U+202F (narrow no-break space) between thousands — chosen over Django's U+00A0 —, U+00A0
before ``%`` and ``min``; en: comma thousands, ``37.1%``."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.formatting import format_minutes, format_number, format_percent, format_share

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(params=["fr", "en"])
def language(request):
    with translation.override(request.param):
        yield request.param


EXPECTED = {
    "fr": {"population": f"401{NNBSP}478", "percent": f"37,1{NBSP}%", "minutes": f"12,5{NBSP}min",
           "big": f"1{NNBSP}234{NNBSP}567,9"},
    "en": {"population": "401,478", "percent": "37.1%", "minutes": f"12.5{NBSP}min",
           "big": "1,234,567.9"},
}  # fmt: skip


def test_python_formatting(language):
    expected = EXPECTED[language]
    assert format_number(401478.0) == expected["population"]
    assert format_number(401478) == expected["population"]
    assert format_percent(37.14) == expected["percent"]
    assert format_share(0.3714) == expected["percent"]
    assert format_minutes(12.46) == expected["minutes"]
    assert format_number(1234567.89, 1) == expected["big"]


def test_rounding_is_half_up_and_never_minus_zero():
    with translation.override("en"):
        assert format_number(2.5) == "3"
        assert format_number(0.125, 2) == "0.13"
        assert format_number(-0.04, 1) == "0.0"


@pytest.mark.parametrize("missing", [None, float("nan"), float("inf"), "", "abc"])
def test_a_missing_number_is_none_never_zero(missing):
    assert format_number(missing) is None
    assert format_percent(missing) is None


def test_template_filters_and_floatformat_agree(language):
    template = Template(
        "{% load sros_format %}{{ p|number }}|{{ p|floatformat:'0g' }}|{{ s|share }}|"
        "{{ m|minutes }}|{{ none|number|default:'–' }}"
    )
    text = template.render(Context({"p": 401478.0, "s": 0.371, "m": 12.5, "none": None}))
    expected = EXPECTED[language]
    pop = expected["population"]
    assert text == f"{pop}|{pop}|{expected['percent']}|{expected['minutes']}|–"


def test_django_fr_thousands_separator_is_overridden():
    """Django's own fr locale gives U+00A0; core/formats/fr makes it U+202F everywhere."""
    from django.conf.locale.fr import formats as django_fr
    from django.utils.formats import get_format

    assert django_fr.THOUSAND_SEPARATOR == NBSP
    with translation.override("fr"):
        assert get_format("THOUSAND_SEPARATOR") == NNBSP
        assert get_format("DECIMAL_SEPARATOR") == ","
