"""List selectors of pathways and levels for the REST API: levels and their requirements come
in one prefetch each, whatever the number of pathways."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet

from territories.filters import filtered

from .models import Level, LevelRequirement, Pathway


class LevelFilter(django_filters.FilterSet):
    pathway = django_filters.CharFilter(field_name="pathway__code", label="filière (code)")

    class Meta:
        model = Level
        fields = ["pathway", "rank"]


def _requirements() -> Prefetch:
    return Prefetch("requirements", queryset=LevelRequirement.objects.order_by("id"))


def pathway_list() -> QuerySet[Pathway]:
    levels = Level.objects.order_by("rank").prefetch_related(_requirements())
    return Pathway.objects.prefetch_related(Prefetch("levels", queryset=levels))


def level_list(filters: dict | None = None) -> QuerySet[Level]:
    queryset = Level.objects.select_related("pathway").prefetch_related(_requirements())
    return filtered(
        LevelFilter, filters, queryset.order_by("pathway__order", "pathway__code", "rank")
    )
