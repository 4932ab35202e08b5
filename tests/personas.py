"""Persona fixtures for the schema tests: a region with a draft schema and the people who use it.

Load with ``pytest_plugins = ["tests.personas"]`` in a test module. ``world`` builds:
region 84 with a six-commune zoning of two zones (A: communes 1-3, B: 4-6), a second zoning
(GHT) for one activity, region 11 with its own zoning, and one user per persona:
``planner``, ``other_planner`` (planner of region 11), ``director``, ``analyst``, ``admin``.
``anonymous`` is no user at all.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from access.models import RegionMembership
from access.services import membership_grant
from sros import services, workflow
from sros.models import AuthorisedActivity
from territories.services import zoning_create
from tests.factories import make_commune_grid, make_department, make_region

PERSONAS = ["anonymous", "planner", "other_planner", "director", "analyst", "admin"]
PASSWORD = "persona-password-1"


def make_user(username: str, *, password: str | None = None, **fields):
    """A user; without ``password`` an unusable one (tests log in with ``force_login``, and
    hashing five passwords per test would cost a second and a half)."""
    return get_user_model().objects.create_user(username=username, password=password, **fields)


@pytest.fixture
def world(db):
    region = make_region("84", "Auvergne-Rhône-Alpes")
    other_region = make_region("11", "Île-de-France")
    department = make_department("69", "Rhône", region=region)
    other_department = make_department("75", "Paris", region=other_region)
    communes = make_commune_grid(3, 2, department=department)
    other_communes = make_commune_grid(2, 1, department=other_department)
    codes = [c.code for c in communes]
    zoning = zoning_create(
        region=region,
        name="Zones du schéma",
        kind="schema",
        zones={"A": ("Zone A", codes[:3]), "B": ("Zone B", codes[3:])},
    )
    ght_zoning = zoning_create(
        region=region,
        name="GHT",
        kind="ght",
        zones={"G1": ("GHT 1", codes)},
    )
    other_zoning = zoning_create(
        region=other_region,
        name="Zones IDF",
        kind="schema",
        zones={"P": ("Paris", [c.code for c in other_communes])},
    )
    users = {
        "planner": make_user("planner"),
        "other_planner": make_user("other_planner"),
        "director": make_user("director"),
        "analyst": make_user("analyst"),
        "admin": make_user("admin", is_staff=True, is_superuser=True),
    }
    Role = RegionMembership.Role
    membership_grant(user=users["planner"], region=region, role=Role.PLANNER)
    membership_grant(user=users["other_planner"], region=other_region, role=Role.PLANNER)
    membership_grant(user=users["director"], region=region, role=Role.DIRECTOR)
    membership_grant(user=users["analyst"], region=region, role=Role.ANALYST)
    schema = services.schema_create(region=region)
    draft = workflow.version_new_draft(schema, user=users["planner"])
    services.version_set_zoning(version=draft, zoning=zoning, user=users["planner"])
    activities = {a.code: a for a in AuthorisedActivity.objects.all()}
    zones = {z.code: z for z in zoning.zones.all()}
    return SimpleNamespace(
        region=region,
        other_region=other_region,
        communes=communes,
        zoning=zoning,
        ght_zoning=ght_zoning,
        other_zoning=other_zoning,
        zones=zones,
        users=users,
        schema=schema,
        draft=draft,
        activities=activities,
    )


def client_for(client, world, persona: str):
    """A Django test client logged in as ``persona`` (anonymous: not logged in)."""
    if persona != "anonymous":
        client.force_login(world.users[persona])
    return client


@pytest.fixture
def login_as(world):
    """``login_as(persona)`` → a new Django test client logged in as that persona."""

    def login(persona: str):
        from django.test import Client

        return client_for(Client(), world, persona)

    return login
