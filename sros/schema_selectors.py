"""Read queries of the regional schema ."""

from __future__ import annotations

import django_filters
from django.db.models import OuterRef, Q, QuerySet, Subquery

from facilities.models import Mention, Modality
from territories.models import Zone, Zoning

from .models import (
    AuthorisedActivity,
    Initiative,
    Objective,
    Schema,
    SchemaVersion,
    VersionZoning,
)


def zoning_for(version: SchemaVersion, activity: AuthorisedActivity) -> Zoning | None:
    """The zoning ``version`` uses for ``activity``'s objectives: its own, else the default."""
    specific = (
        VersionZoning.objects.filter(version=version, activity=activity)
        .select_related("zoning")
        .first()
    )
    if specific:
        return specific.zoning
    return version.default_zoning


def zones_for(version: SchemaVersion, activity: AuthorisedActivity | None = None) -> QuerySet[Zone]:
    """Zones an objective of ``version`` may use: those of the zoning for ``activity``, or of
    every zoning the version uses when no activity is given."""
    if activity is not None:
        zoning = zoning_for(version, activity)
        return Zone.objects.filter(zoning=zoning) if zoning else Zone.objects.none()
    zoning_ids = set(version.zonings.values_list("zoning_id", flat=True))
    if version.default_zoning_id:
        zoning_ids.add(version.default_zoning_id)
    return Zone.objects.filter(zoning_id__in=zoning_ids).select_related("zoning")


def current_activities(on=None) -> QuerySet[AuthorisedActivity]:
    """Activities and equipment whose legal validity covers ``on`` (today by default)."""
    from django.utils import timezone

    day = on or timezone.localdate()
    return AuthorisedActivity.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
    )


def schema_versions(schema: Schema) -> QuerySet[SchemaVersion]:
    return schema.versions.select_related("created_by", "based_on").order_by("-number")


def adopted_version(schema: Schema) -> SchemaVersion | None:
    return schema.versions.filter(state=SchemaVersion.State.ADOPTED).first()


class ObjectiveFilter(django_filters.FilterSet):
    activity = django_filters.ModelChoiceFilter(
        queryset=AuthorisedActivity.objects.all(), label="activité"
    )
    zone = django_filters.ModelChoiceFilter(queryset=Zone.objects.all(), label="zone")

    class Meta:
        model = Objective
        fields = ["activity", "zone"]


def version_objectives(version: SchemaVersion, filters: dict | None = None) -> QuerySet[Objective]:
    """The objectives of a version, filtered by activity and zone when asked, with the labels
    of their modality and mention in the catalogue (``modality_label``, ``mention_label``)."""
    objectives = version.objectives.select_related("zone", "zone__zoning", "activity").annotate(
        modality_label=Subquery(
            Modality.objects.filter(
                activity=OuterRef("activity"), code=OuterRef("modality")
            ).values("label")[:1]
        ),
        mention_label=Subquery(
            Mention.objects.filter(activity=OuterRef("activity"), code=OuterRef("mention")).values(
                "label"
            )[:1]
        ),
    )
    return ObjectiveFilter(filters or {}, queryset=objectives).qs


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="recherche")
    kind = django_filters.ChoiceFilter(choices=Initiative.Kind.choices, label="type")
    department = django_filters.CharFilter(
        field_name="departments__department_code", label="département"
    )

    class Meta:
        model = Initiative
        fields = ["q", "kind", "department"]

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(places__icontains=word)
            )
        return queryset


def initiative_list(filters: dict | None = None) -> QuerySet[Initiative]:
    """Initiatives matching every word of ``q`` (title, description or places), a kind and a
    département code."""
    queryset = Initiative.objects.prefetch_related("departments")
    return InitiativeFilter(filters or {}, queryset=queryset).qs.distinct()


def current_zoning(region) -> Zoning | None:
    """The zoning the region's schema uses now: the adopted version's default zoning, else the
    newest version's (a schema not adopted yet), else None."""
    schema = Schema.objects.filter(region=region).first()
    if schema is None:
        return None
    adopted = adopted_version(schema)
    if adopted is not None and adopted.default_zoning_id:
        return adopted.default_zoning
    newest = schema.versions.exclude(default_zoning=None).order_by("-number").first()
    return newest.default_zoning if newest else None


def editable_version(region) -> SchemaVersion | None:
    """The region's version in draft (the one whose zoning a planner may still change)."""
    schema = Schema.objects.filter(region=region).first()
    if schema is None:
        return None
    return (
        schema.versions.filter(state=SchemaVersion.State.DRAFT)
        .select_related("default_zoning")
        .order_by("-number")
        .first()
    )
