"""The maternity type derived from a site's perinatal units (facilities.perinatal)."""

import pytest

from facilities.perinatal import maternity_type


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ({"01"}, "1"),
        ({"01", "02"}, "2a"),
        ({"01", "03"}, "2b"),
        ({"01", "02", "03"}, "2b"),
        ({"01", "03", "04"}, "3"),
        ({"02", "03"}, ""),  # neonatology without obstétrique is no maternity
        (set(), ""),
    ],
)
def test_the_type_follows_from_the_units(units, expected):
    assert maternity_type(units) == expected
