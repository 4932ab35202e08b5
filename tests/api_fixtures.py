"""Fixtures of the REST API tests. Load with ``pytest_plugins = ["tests.api_fixtures"]``."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from access.models import RegionMembership
from access.services import membership_grant
from territories.models import Region
from tests.personas import make_user


@pytest.fixture
def demo(db):
    """The fictitious demo region 99 (département 96, 540 communes), an analyst, a planner and
    a director of it, and an analyst of another region (11)."""
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
    return SimpleNamespace(region=region, other_region=other, users=users)
