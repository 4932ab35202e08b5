"""A transactional test leaves the rows the migrations seeded (tests/conftest.py): with two
test processes, the tests that follow one in the same process need them. Two transactional
tests in a row keep their order (pytest-django only moves them after the plain ones), so the
second sees what the first's flush left."""

import pytest

from pathways.models import Level
from sros.models import AuthorisedActivity

pytestmark = pytest.mark.django_db(transaction=True)


def seeded() -> tuple[bool, bool]:
    return Level.objects.exists(), AuthorisedActivity.objects.exists()


def test_a_transactional_test_starts_with_the_seeds_and_flushes_at_its_end():
    assert seeded() == (True, True)


def test_the_next_one_still_finds_them():
    assert seeded() == (True, True)
