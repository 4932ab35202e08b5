"""Fixtures of the REST API tests. Load with ``pytest_plugins = ["tests.api_fixtures"]``."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from access.models import RegionMembership
from access.services import membership_grant
from territories.models import Region
from tests.module_data import data_of_the_module
from tests.personas import make_user


@pytest.fixture(scope="module")
def demo_of_the_module(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:
    """The fictitious demo region 99 (département 96, 540 communes), an analyst, a planner and
    a director of it, an analyst of another region (11) and an administrator: loaded once per
    module (``data_of_the_module``); the users' ids by persona."""
    with data_of_the_module(django_db_blocker):
        call_command("load_demo", stdout=StringIO())
        region = Region.objects.get(code="99")
        other = Region.objects.get_or_create(code="11", defaults={"name": "Île-de-France"})[0]
        users = {}
        for role in RegionMembership.Role.values:
            users[role] = make_user(f"demo_{role}")
            membership_grant(user=users[role], region=region, role=role)
        users["outsider"] = make_user("outsider")
        membership_grant(user=users["outsider"], region=other, role=RegionMembership.Role.ANALYST)
        users["admin"] = make_user("demo_admin", is_superuser=True, is_staff=True)
        yield {persona: user.pk for persona, user in users.items()}


@pytest.fixture(scope="module")
def demo_computed_of_the_module(demo_of_the_module, django_db_blocker) -> None:
    """One crow-fly run of every level of the demo region, computed once per module, in the
    module's data (so every later test of the module sees it too)."""
    with django_db_blocker.unblock():
        call_command("compute_indicators", "--sync", stdout=StringIO())


@pytest.fixture
def demo(db, demo_of_the_module):
    """The demo region of the module, its other region and its users, read afresh for the test."""
    users = get_user_model().objects.in_bulk(demo_of_the_module.values())
    return SimpleNamespace(
        region=Region.objects.get(code="99"),
        other_region=Region.objects.get(code="11"),
        users={persona: users[pk] for persona, pk in demo_of_the_module.items()},
    )
