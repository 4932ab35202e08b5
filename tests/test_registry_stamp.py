"""The level facilities kept per process (indicators.inputs.registry_stamp): kept while the
registry is as it was, never when the current transaction wrote to it."""

import pytest
from django.contrib.gis.geos import Point

from facilities.models import Facility
from indicators import inputs
from pathways.models import Level


@pytest.mark.django_db
def test_a_stamp_is_kept_until_this_transaction_writes_to_the_registry():
    level = Level.objects.select_related("pathway").get(pathway__code="sante-mentale", rank=1)
    stamp = inputs.registry_stamp()
    assert stamp is not None  # the seeded requirements were written by the migrations
    first = inputs.load_level_facilities(level, stamp=stamp)
    assert inputs.load_level_facilities(level, stamp=stamp) is first  # kept
    assert inputs.load_level_facilities(level) is not first  # without a stamp: read again

    Facility.objects.create(
        finess_et="010000099", name="CHS", kind="psychiatrie", point=Point(5.0, 46.0, srid=4326)
    )
    # Its own writes share one transaction id: the stamp cannot tell them apart, so nothing
    # is kept and the new facility is read.
    assert inputs.registry_stamp() is None
    fresh = inputs.load_level_facilities(level, stamp=inputs.registry_stamp())
    assert fresh.places.ids.tolist() == ["010000099"]
    assert first.places.ids.tolist() == []
