"""Filters and list selectors of territories for the REST API (HackSoft styleguide: the
selector wraps a django-filter FilterSet and decides what is fetched, so that a list costs
the same number of queries whatever its length)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from .models import Commune, Department, Region, Zone, Zoning


def filtered(filterset_class, filters: dict | None, queryset: QuerySet) -> QuerySet:
    """``queryset`` through ``filterset_class`` when filters are given (pages, exports); the
    API passes none and lets DRF's DjangoFilterBackend apply the same FilterSet, which also
    answers 400 on an invalid value and documents the parameters in the OpenAPI schema."""
    if filters is None:
        return queryset
    filterset = filterset_class(filters, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def _search_code_or_name(queryset: QuerySet, value: str) -> QuerySet:
    for word in value.split():
        queryset = queryset.filter(Q(code__istartswith=word) | Q(name__icontains=word))
    return queryset


class SearchFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="recherche (code ou nom)")

    def filter_search(self, queryset, name, value):
        return _search_code_or_name(queryset, value)


class DepartmentFilter(SearchFilterSet):
    region = django_filters.CharFilter(field_name="region__code", label="région (code)")

    class Meta:
        model = Department
        fields = ["region", "search"]


class CommuneFilter(SearchFilterSet):
    department = django_filters.CharFilter(
        field_name="department__code", label="département (code)"
    )
    zone = django_filters.NumberFilter(field_name="memberships__zone", label="zone (id)")

    class Meta:
        model = Commune
        fields = ["department", "zone", "search"]


class ZoningFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", label="région (code)")
    kind = django_filters.ChoiceFilter(choices=Zoning.Kind.choices, label="type")

    class Meta:
        model = Zoning
        fields = ["region", "kind"]


class ZoneFilter(SearchFilterSet):
    zoning = django_filters.NumberFilter(field_name="zoning", label="zonage (id)")
    region = django_filters.CharFilter(field_name="zoning__region__code", label="région (code)")
    kind = django_filters.ChoiceFilter(
        field_name="zoning__kind", choices=Zoning.Kind.choices, label="type de zonage"
    )

    class Meta:
        model = Zone
        fields = ["zoning", "region", "kind", "search"]


def _geometries(queryset: QuerySet, simplified: bool) -> QuerySet:
    """Fetch only the geometry the answer shows: polygons are most of a row's weight."""
    return queryset.defer("geometry") if simplified else queryset.defer("map_geometry")


def region_list() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def department_list(filters: dict | None = None) -> QuerySet[Department]:
    queryset = Department.objects.select_related("region").defer("region__geometry")
    return filtered(DepartmentFilter, filters, queryset.order_by("code"))


def commune_list(filters: dict | None = None, *, simplified: bool = False) -> QuerySet[Commune]:
    queryset = Commune.objects.select_related("department")
    queryset = queryset.defer("department__geometry", "low_zoom_map_geometry")
    queryset = _geometries(queryset, simplified).order_by("code")
    return filtered(CommuneFilter, filters, queryset)


def zoning_list(filters: dict | None = None) -> QuerySet[Zoning]:
    queryset = Zoning.objects.select_related("region").defer("region__geometry")
    return filtered(ZoningFilter, filters, queryset.order_by("region__code", "name"))


def zone_list(filters: dict | None = None, *, simplified: bool = False) -> QuerySet[Zone]:
    queryset = Zone.objects.select_related("zoning__region").defer("zoning__region__geometry")
    queryset = _geometries(queryset, simplified).order_by("zoning_id", "code")
    return filtered(ZoneFilter, filters, queryset)
