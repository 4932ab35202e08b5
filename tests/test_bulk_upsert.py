"""``core.importing.bulk_upsert``: the counts and the no-op of ``upsert``, in SQL on PostGIS."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction

from core.importing import _create_missing, bulk_upsert, upsert
from facilities.models import Authorisation, Facility, LegalEntity
from facilities.services import legal_entity_stubs_ensure

pytestmark = pytest.mark.django_db

#: ``_create_missing`` is ``bulk_upsert(update=False)`` off PostgreSQL (SpatiaLite).
UPDATE_FALSE = {bulk_upsert: {"update": False}, _create_missing: {}}


def facility_rows(name: str = "CH A", point: Point | None = None) -> list[dict]:
    return [
        {"finess_et": "010000024", "name": name, "source": Facility.Source.FINESS,
         "point": point, "source_date": dt.date(2026, 5, 12)},
        {"finess_et": "010000032", "name": "CH B", "source": Facility.Source.FINESS,
         "point": Point(5.2, 46.2, srid=4326), "source_date": None},
    ]  # fmt: skip


def counts(result) -> tuple[int, int, int]:
    return result.created, result.updated, result.unchanged


def keys(result) -> tuple[list[str], list[str]]:
    return sorted(result.created_keys), sorted(result.updated_keys)


@pytest.mark.parametrize("function", [bulk_upsert, upsert])
def test_it_creates_then_changes_nothing_then_updates_what_differs(function):
    with transaction.atomic():
        first = function(Facility, "finess_et", facility_rows())
    assert counts(first) == (2, 0, 0)
    assert keys(first) == (["010000024", "010000032"], [])  # for the Imports page's changes
    with transaction.atomic():
        again = function(Facility, "finess_et", facility_rows())
    assert (counts(again), keys(again)) == ((0, 0, 2), ([], []))
    moved = Point(5.20879, 46.2222, srid=4326)
    with transaction.atomic():
        changed = function(Facility, "finess_et", facility_rows("CH A2", moved))
    assert (counts(changed), keys(changed)) == ((0, 1, 1), ([], ["010000024"]))
    stored = Facility.objects.get(finess_et="010000024")
    assert (stored.name, stored.point.coords) == ("CH A2", moved.coords)
    assert stored.kind == Facility.Kind.OTHER  # the model default, on creation
    assert stored.imported_at is not None  # auto_now, on creation
    with transaction.atomic():
        assert counts(function(Facility, "finess_et", facility_rows("CH A2", None))) == (0, 1, 1)
    assert Facility.objects.get(finess_et="010000024").point is None


def test_it_finds_a_partial_unique_index():
    facility = Facility.objects.create(finess_et="010000024", name="CH", source="finess")
    row = {
        "source": Authorisation.Source.FINESS_EXTRACT, "source_key": "A:1", "activity": "smr",
        "facility_id": facility.id, "start_date": dt.date(2020, 1, 1), "end_date": None,
    }  # fmt: skip
    with transaction.atomic():
        assert counts(bulk_upsert(Authorisation, ("source", "source_key"), [row])) == (1, 0, 0)
    with transaction.atomic():
        ended = {**row, "end_date": dt.date(2025, 1, 1)}
        result = bulk_upsert(Authorisation, ("source", "source_key"), [ended, {
            **row, "source_key": "A:2"}])  # fmt: skip
    assert counts(result) == (1, 1, 0)
    source = Authorisation.Source.FINESS_EXTRACT.value
    assert keys(result) == ([f"{source}/A:2"], [f"{source}/A:1"])  # upsert's key_text
    assert Authorisation.objects.get(source_key="A:1").end_date == dt.date(2025, 1, 1)


@pytest.mark.parametrize("function", [bulk_upsert, _create_missing])
def test_update_false_creates_the_missing_rows_and_leaves_the_stored_ones(function):
    """The EJ stubs of an ET import: a loaded EJ (here not a stub) keeps its name."""
    LegalEntity.objects.create(finess_ej="010000016", name="CH DE BOURG", is_stub=False)
    rows = [{"finess_ej": n, "name": n, "is_stub": True} for n in ("010000016", "690000019")]
    with transaction.atomic():
        result = function(LegalEntity, "finess_ej", rows, **UPDATE_FALSE[function])
    assert (counts(result), keys(result)) == ((1, 0, 1), (["690000019"], []))
    stored = dict(LegalEntity.objects.values_list("finess_ej", "name"))
    assert stored == {"010000016": "CH DE BOURG", "690000019": "690000019"}
    assert LegalEntity.objects.get(finess_ej="690000019").is_stub
    with transaction.atomic():
        assert counts(function(LegalEntity, "finess_ej", rows, **UPDATE_FALSE[function])) == (
            0, 0, 2)  # fmt: skip


def test_the_et_import_leaves_a_loaded_legal_entity_and_stubs_the_others():
    LegalEntity.objects.create(finess_ej="010000016", name="CH DE BOURG", is_stub=False)
    with transaction.atomic():
        created = legal_entity_stubs_ensure(["010000016", None, "690000019", "690000019", ""])
    assert created == 1
    assert list(LegalEntity.objects.values_list("finess_ej", "name", "is_stub")) == [
        ("010000016", "CH DE BOURG", False), ("690000019", "690000019", True)]  # fmt: skip
