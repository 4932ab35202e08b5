"""The maternity type derived from a site's perinatal units (facilities.perinatal)."""

import pytest

from facilities.perinatal import UNITS_OF_TYPE, maternity_type


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ({"obstetrique"}, "1"),
        ({"obstetrique", "neonatologie"}, "2a"),
        ({"obstetrique", "neonatologie_si"}, "2b"),
        ({"obstetrique", "neonatologie", "neonatologie_si"}, "2b"),
        ({"obstetrique", "neonatologie_si", "reanimation_neonatale"}, "3"),
        ({"neonatologie", "neonatologie_si"}, ""),  # no obstétrique: no maternity
        (set(), ""),
    ],
)
def test_the_type_follows_from_the_units(units, expected):
    assert maternity_type(units) == expected


def test_the_units_a_type_stands_for_give_that_type_back():
    for kind, units in UNITS_OF_TYPE.items():
        assert maternity_type(units) == kind
