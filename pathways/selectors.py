"""Which facilities serve a pathway level."""

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import QuerySet

from facilities.models import Facility
from facilities.selectors import facilities_matching

from .models import Level


def level_facilities(level: Level, on: dt.date | None = None) -> QuerySet[Facility]:
    """Open facilities meeting any requirement of ``level`` on ``on`` (today by default)."""
    querysets = [
        facilities_matching(
            activity=req.activity, modality=req.modality, kind=req.facility_kind, on=on
        )
        for req in level.requirements.all()
    ]
    if not querysets:
        return Facility.objects.none()
    return reduce(or_, querysets).distinct()


def level_access_target(level: Level) -> int | None:
    """The level's access target in minutes: the strictest of its requirements' targets."""
    targets = [req.access_target_minutes for req in level.requirements.all()]
    return min(targets) if targets else None
