"""List selectors of pathways and levels for the REST API: levels and their requirements come
in one prefetch each, whatever the number of pathways."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet

from facilities import filters as facility_filters
from facilities.models import Facility
from territories.filters import filtered

from .models import Level, LevelRequirement, Pathway
from .selectors import level_facilities


class FacilityFilter(facility_filters.FacilityFilter):
    """The facilities list's filters, plus ``level``: the facilities serving a pathway level
    (defined here because levels sit above facilities in the layers)."""

    level = django_filters.NumberFilter(method="filter_level", label="niveau de filière (id)")

    class Meta(facility_filters.FacilityFilter.Meta):
        fields = [*facility_filters.FacilityFilter.Meta.fields, "level"]

    def filter_level(self, queryset, name, value):
        """Facilities serving the level today (``pathways.selectors.level_facilities``)."""
        level = Level.objects.filter(pk=value).first()
        if level is None:
            return queryset.none()
        return queryset.filter(pk__in=level_facilities(level).values("pk"))


def facility_list(filters: dict | None = None) -> QuerySet[Facility]:
    """``facilities.filters.facility_list`` with the ``level`` filter too."""
    return facility_filters.facility_list(filters, filterset=FacilityFilter)


class LevelFilter(django_filters.FilterSet):
    pathway = django_filters.CharFilter(field_name="pathway__code", label="filière (code)")

    class Meta:
        model = Level
        fields = ["pathway", "rank"]


def _requirements() -> Prefetch:
    return Prefetch("requirements", queryset=LevelRequirement.objects.order_by("id"))


def pathway_list() -> QuerySet[Pathway]:
    levels = Level.current.order_by("rank").prefetch_related(_requirements())
    return Pathway.objects.prefetch_related(Prefetch("levels", queryset=levels))


def level_list(filters: dict | None = None, *, retired: bool = False) -> QuerySet[Level]:
    """The current levels (with ``retired``, the retired ones too: a past run names them)."""
    levels = Level.objects if retired else Level.current
    queryset = levels.select_related("pathway").prefetch_related(_requirements())
    return filtered(
        LevelFilter, filters, queryset.order_by("pathway__order", "pathway__code", "rank")
    )
