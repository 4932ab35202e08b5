"""The data migrations of the catalogue on a small state: authorisations, requirements and
objectives written with the retired maternity-type modalities (facilities 0013, pathways 0004,
sros 0009). The migrations' functions run with the historical models of their state, on the
current tables (their schema is the same), inside the test's transaction."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from facilities.models import Authorisation, Facility, Modality
from facilities.perinatal import maternity_type
from pathways.models import Level, LevelRequirement, Pathway

pytestmark = pytest.mark.django_db


def historical_apps(app: str, name: str):
    return MigrationLoader(connection).project_state((app, name)).apps


def test_authorisations_written_as_types_become_one_per_unit():
    site = Facility.objects.create(finess_et="690000011", name="CH fictif", source="manual")
    other = Facility.objects.create(finess_et="690000029", name="CH fictif 2", source="manual")
    start = dt.date(2020, 1, 1)
    # The state before 0013: a type modality (a code string: no key forbids it) and a FINESS
    # row that kept its official unit code.
    Authorisation.objects.create(
        facility=site, activity="obstetrique", modality="type_3", start_date=start,
        source="finess_extract", source_key="A:1",
    )  # fmt: skip
    Authorisation.objects.create(
        facility=other, activity="obstetrique", modality="", official_modality_code="02",
        start_date=start, source="finess_extract", source_key="A:2",
    )  # fmt: skip
    migration = importlib.import_module("facilities.migrations.0013_perinatal_units")
    migration.forward(historical_apps("facilities", "0013_perinatal_units"), None)

    units = set(site.authorisations.values_list("modality", "source_key"))
    assert units == {
        ("obstetrique", "A:1"),
        ("neonatologie_si", "A:1:neonatologie_si"),
        ("reanimation_neonatale", "A:1:reanimation_neonatale"),
    }
    assert maternity_type(m for m, _key in units) == "3"
    assert other.authorisations.get().modality == "neonatologie"
    assert not Modality.objects.filter(code__startswith="type_").exists()


def test_requirements_written_as_types_require_the_derived_type():
    pathway = Pathway.objects.create(code="p-test", name="Test", order=9)
    level = Level.objects.create(pathway=pathway, rank=1, code="l-test", name="Test")
    LevelRequirement.objects.create(
        level=level, activity="obstetrique", modality="type_2a", access_target_minutes=45
    )
    migration = importlib.import_module("pathways.migrations.0004_requirement_maternity_type")
    migration.types_to_maternity_type(
        historical_apps("pathways", "0004_requirement_maternity_type"), None
    )
    requirement = level.requirements.get()
    assert (requirement.modality, requirement.maternity_type) == ("", "2a")


def test_the_seeded_maternity_levels_require_types_not_modalities():
    requirements = LevelRequirement.objects.filter(level__pathway__code="perinatalite")
    assert set(requirements.values_list("modality", flat=True)) == {""}
    assert set(
        requirements.filter(level__code="maternite").values_list("maternity_type", flat=True)
    ) == {"1", "2a", "2b", "3"}
    assert set(
        requirements.filter(level__code="maternite-type-3").values_list("maternity_type", flat=True)
    ) == {"3"}
