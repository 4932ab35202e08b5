"""Read queries on facilities, for other apps to call instead of reaching into the models."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Authorisation, Facility


def current_authorisations(on: dt.date | None = None) -> QuerySet[Authorisation]:
    """Authorisations in force on ``on`` (today by default): started, and not yet ended."""
    day = on or timezone.localdate()
    return Authorisation.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def open_facilities() -> QuerySet[Facility]:
    return Facility.objects.filter(status=Facility.Status.OPEN)


def facilities_matching(
    *, activity: str = "", modality: str = "", kind: str = "", on: dt.date | None = None
) -> QuerySet[Facility]:
    """Open facilities of ``kind`` (if given) holding a current authorisation for ``activity``
    and ``modality`` (if given)."""
    facilities = open_facilities()
    if kind:
        facilities = facilities.filter(kind=kind)
    if activity:
        authorisations = current_authorisations(on).filter(activity=activity)
        if modality:
            authorisations = authorisations.filter(modality=modality)
        facilities = facilities.filter(pk__in=authorisations.values("facility_id"))
    return facilities
