"""Filters and list selectors of facilities, authorisations and groups for the REST API.

Each list is one query (plus the page count) whatever the page size: codes of related rows
come as annotations, members of groups through one prefetch.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, Prefetch, Q, QuerySet

from territories.filters import filtered

from .activities import activity_choices, modality_choices
from .models import Authorisation, Facility, FacilityGroup, LegalEntity
from .selectors import current_authorisations


class FacilityFilter(django_filters.FilterSet):
    department = django_filters.CharFilter(
        field_name="commune__department__code", label="département (code)"
    )
    zone = django_filters.NumberFilter(
        field_name="commune__memberships__zone", label="zone (id) : établissements de ses communes"
    )
    kind = django_filters.MultipleChoiceFilter(choices=Facility.Kind.choices, label="type")
    status = django_filters.ChoiceFilter(choices=Facility.Status.choices, label="état")
    search = django_filters.CharFilter(
        method="filter_search", label="recherche (n° FINESS, nom, ville)"
    )

    class Meta:
        model = Facility
        fields = ["department", "zone", "kind", "status", "search"]

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(finess_et=word.upper())
                | Q(legal_entity_id=word.upper())
                | Q(name__icontains=word)
                | Q(city__icontains=word)
            )
        return queryset


class AuthorisationFilter(django_filters.FilterSet):
    facility = django_filters.CharFilter(field_name="facility__finess_et", label="n° FINESS ET")
    # Choices read from the catalogue when a filter is built (callables, not at import).
    activity = django_filters.ChoiceFilter(choices=activity_choices, label="activité")
    modality = django_filters.ChoiceFilter(choices=modality_choices, label="modalité")
    department = django_filters.CharFilter(
        field_name="facility__commune__department__code", label="département (code)"
    )
    current = django_filters.BooleanFilter(method="filter_current", label="en vigueur aujourd'hui")

    class Meta:
        model = Authorisation
        fields = ["facility", "activity", "modality", "department", "current"]

    def filter_current(self, queryset, name, value):
        current = current_authorisations().values("pk")
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


class FacilityGroupFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FacilityGroup.Kind.choices, label="type")
    member = django_filters.CharFilter(
        method="filter_member", label="n° FINESS EJ d'un membre, ou ET d'un de ses établissements"
    )
    search = django_filters.CharFilter(method="filter_search", label="recherche (code, nom)")

    class Meta:
        model = FacilityGroup
        fields = ["kind", "member", "search"]

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(code__icontains=word) | Q(name__icontains=word))
        return queryset

    def filter_member(self, queryset, name, value):
        number = value.strip().upper()
        return queryset.filter(
            Q(members__finess_ej=number) | Q(members__facilities__finess_et=number)
        )


def facility_list(
    filters: dict | None = None, filterset: type[FacilityFilter] = FacilityFilter
) -> QuerySet[Facility]:
    queryset = Facility.objects.annotate(
        commune_code=F("commune__code"), department_code=F("commune__department__code")
    ).order_by("finess_et")
    return filtered(filterset, filters, queryset)


def authorisation_list(filters: dict | None = None) -> QuerySet[Authorisation]:
    queryset = Authorisation.objects.annotate(finess_et=F("facility__finess_et")).order_by(
        "facility__finess_et", "activity_id", "modality", "start_date"
    )
    return filtered(AuthorisationFilter, filters, queryset)


def group_list(filters: dict | None = None) -> QuerySet[FacilityGroup]:
    queryset = (
        FacilityGroup.objects.annotate(support_finess=F("support__finess_ej"))
        .prefetch_related(
            Prefetch(
                "members",
                queryset=LegalEntity.objects.only("id", "finess_ej").order_by("finess_ej"),
            )
        )
        .order_by("code")
    )
    return filtered(FacilityGroupFilter, filters, queryset).distinct()
