"""Constraints the database itself enforces, whatever writes to it."""

import datetime as dt

import pytest
from django.db import DataError, IntegrityError, transaction

from facilities.models import Authorisation, Facility
from pathways.models import Level, LevelRequirement
from territories.models import Zone, ZoneMembership, Zoning
from tests.factories import make_commune, make_region

pytestmark = pytest.mark.django_db


def make_facility(finess_et: str = "010000024", **fields) -> Facility:
    return Facility.objects.create(
        finess_et=finess_et, name="CH de Fleyriat", source=Facility.Source.MANUAL, **fields
    )


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except (IntegrityError, DataError):
        return True
    return False


@pytest.mark.parametrize("number", ["010000024", "2A0000123", "9A0000456"])
def test_it_accepts_finess_numbers_of_metropolitan_corsican_and_overseas_sites(number):
    assert not refused(lambda: make_facility(number))


@pytest.mark.parametrize("number", ["10000024", "01000002X", "0100000245", "AB0000024"])
def test_it_refuses_malformed_finess_numbers(number):
    assert refused(lambda: make_facility(number))


def test_it_refuses_two_facilities_with_one_finess_number():
    make_facility()
    assert refused(make_facility)


def test_it_refuses_an_authorisation_ending_before_it_starts():
    facility = make_facility()

    def create():
        Authorisation.objects.create(
            facility=facility,
            activity="urgences",
            modality="su",
            start_date=dt.date(2024, 1, 1),
            end_date=dt.date(2023, 12, 31),
        )

    assert refused(create)


def test_it_refuses_the_same_authorisation_period_twice():
    facility = make_facility()
    fields = {"facility": facility, "activity": "urgences", "modality": "smur"}
    Authorisation.objects.create(**fields, start_date=dt.date(2020, 1, 1))
    assert refused(lambda: Authorisation.objects.create(**fields, start_date=dt.date(2020, 1, 1)))
    assert not refused(
        lambda: Authorisation.objects.create(**fields, start_date=dt.date(2025, 1, 1))
    )


def test_it_keeps_a_commune_in_one_zone_per_zoning():
    commune = make_commune("42218")
    zoning = Zoning.objects.create(region=make_region(), name="Zones du schéma")
    north = Zone.objects.create(zoning=zoning, code="N", name="Nord")
    south = Zone.objects.create(zoning=zoning, code="S", name="Sud")
    ZoneMembership.objects.create(zoning=zoning, zone=north, commune=commune)
    assert refused(
        lambda: ZoneMembership.objects.create(zoning=zoning, zone=south, commune=commune)
    )
    other = Zoning.objects.create(region=make_region(), name="Territoires de GHT", kind="ght")
    ght = Zone.objects.create(zoning=other, code="G1", name="GHT Loire")
    assert not refused(
        lambda: ZoneMembership.objects.create(zoning=other, zone=ght, commune=commune)
    )


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ({"activity": "urgences", "modality": "su"}, True),
        ({"facility_kind": "msp"}, True),
        ({}, False),  # names neither an activity nor a kind
        ({"modality": "su", "facility_kind": "ch"}, False),  # a modality without its activity
        ({"activity": "urgences", "access_target_minutes": 0}, False),
    ],
)
def test_a_level_requirement_must_name_what_qualifies(fields, valid):
    level = Level.objects.get(pathway__code="urgences", rank=1)
    values = {"access_target_minutes": 30, **fields}
    assert refused(lambda: LevelRequirement.objects.create(level=level, **values)) is not valid
