"""Filters and list selectors of stored indicator runs and values for the REST API.

Without ``run``, values come from the latest *done* run of each region (the rule of
``selectors.latest_run``, applied to every region in one subquery), so a client sees what the
pages show; ``run`` picks any run explicitly.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, Prefetch, QuerySet

from pathways.models import Level
from territories.filters import filtered

from . import selectors
from .models import IndicatorRun, IndicatorValue


class IndicatorRunFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", label="région (code)")
    status = django_filters.ChoiceFilter(choices=IndicatorRun.Status.choices, label="état")

    class Meta:
        model = IndicatorRun
        fields = ["region", "status"]


class IndicatorValueFilter(django_filters.FilterSet):
    run = django_filters.NumberFilter(
        field_name="run", label="calcul (id ; par défaut le dernier calcul terminé de la région)"
    )
    region = django_filters.CharFilter(field_name="run__region__code", label="région (code)")
    indicator = django_filters.ChoiceFilter(
        choices=IndicatorValue.Indicator.choices, label="indicateur"
    )
    level = django_filters.ModelChoiceFilter(queryset=Level.objects.all(), label="niveau (id)")
    unit_kind = django_filters.ChoiceFilter(
        choices=IndicatorValue.UnitKind.choices, label="type d'unité"
    )
    unit_code = django_filters.CharFilter(label="code de l'unité")
    zoning = django_filters.NumberFilter(field_name="zoning", label="zonage (id)")

    class Meta:
        model = IndicatorValue
        fields = ["run", "region", "indicator", "level", "unit_kind", "unit_code", "zoning"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("run") is None:
            queryset = queryset.filter(run__in=selectors.latest_run_ids())
        return queryset


def run_list(filters: dict | None = None) -> QuerySet[IndicatorRun]:
    queryset = (
        IndicatorRun.objects.annotate(region_code=F("region__code"))
        .prefetch_related(Prefetch("levels", queryset=Level.objects.only("id")))
        .order_by("-created_at", "-id")
    )
    return filtered(IndicatorRunFilter, filters, queryset)


#: The order of the values list (the index ``indicator_value_list_order`` follows it).
VALUE_ORDER = ("run_id", "indicator", "level_id", "unit_kind", "zoning_id", "unit_code")


def value_list(filters: dict | None = None, *, codes: bool = True) -> QuerySet[IndicatorValue]:
    """Values with the codes of their level and nearest facility, in one query (``codes=False``:
    the bare rows, e.g. to page their ids without joining what the page does not need)."""
    queryset = IndicatorValue.objects.order_by(*VALUE_ORDER)
    if codes:
        queryset = queryset.annotate(
            level_code=F("level__code"),
            pathway_code=F("level__pathway__code"),
            facility_finess=F("facility__finess_et"),
        )
    if filters is None:
        return queryset
    return filtered(IndicatorValueFilter, filters, queryset)
