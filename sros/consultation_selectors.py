"""Reads of the consultation: a version's comments with their target and replies, in the
order of the schema (the version itself, then its volets, then its objectives), and counts."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from facilities.models import Mention, Modality

from .models import Comment, SchemaVersion

OPEN, RESOLVED, ALL = "open", "resolved", "all"

#: The target kind, for ordering: the version, a volet, an objective.
TARGET_ORDER = Case(
    When(objective__isnull=False, then=Value(2)),
    When(volet__isnull=False, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def version_comments(version: SchemaVersion, status: str = OPEN) -> QuerySet[Comment]:
    """The remarks (not the replies) of ``version``: ``open``, ``resolved`` or ``all``; each
    with its author, organisation, target and replies (oldest first), in a fixed number of
    queries whatever their count."""
    replies = Comment.objects.select_related("author", "organisation").order_by("created_at", "id")
    comments = (
        Comment.objects.filter(version=version, parent__isnull=True)
        .select_related(
            "author",
            "organisation",
            "resolved_by",
            "version",
            "volet",
            "objective__activity",
            "objective__zone",
        )
        .prefetch_related(Prefetch("replies", queryset=replies))
        .annotate(
            target_order=TARGET_ORDER,
            # the catalogue's labels of an objective's modality and mention, as on the version
            modality_label=Subquery(
                Modality.objects.filter(
                    activity=OuterRef("objective__activity"), code=OuterRef("objective__modality")
                ).values("label")[:1]
            ),
            mention_label=Subquery(
                Mention.objects.filter(
                    activity=OuterRef("objective__activity"), code=OuterRef("objective__mention")
                ).values("label")[:1]
            ),
        )
        .order_by(
            "target_order",
            "volet__order",
            "volet__title",
            "objective__activity__order",
            "objective__activity__code",
            "objective__modality",
            "objective__mention",
            "objective__zone__code",
            "created_at",
            "id",
        )  # fmt: skip
    )
    if status == OPEN:
        return comments.filter(resolved_at__isnull=True)
    if status == RESOLVED:
        return comments.filter(resolved_at__isnull=False)
    return comments


def comment_counts(version: SchemaVersion) -> dict[str, int]:
    """Open and resolved remarks of ``version`` (replies not counted), in one query."""
    roots = Comment.objects.filter(version=version, parent__isnull=True)
    return roots.aggregate(
        open=Count("pk", filter=Q(resolved_at__isnull=True)),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
    )


def open_counts_by_target(version: SchemaVersion, *, volets, objectives) -> dict[str, int]:
    """Set ``open_comments`` on each of ``volets`` and ``objectives`` (of ``version``): the
    number of their open remarks; return the version's open and resolved remarks, as
    ``comment_counts`` does. One query for both, for the version page."""
    rows = (
        Comment.objects.filter(version=version, parent__isnull=True)
        .order_by()
        .values_list("volet_id", "objective_id")
        .annotate(
            open=Count("pk", filter=Q(resolved_at__isnull=True)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        )
    )
    by_volet, by_objective = {}, {}
    counts = {"open": 0, "resolved": 0}
    for volet_id, objective_id, open_count, resolved_count in rows:
        counts["open"] += open_count
        counts["resolved"] += resolved_count
        if objective_id:
            by_objective[objective_id] = open_count
        elif volet_id:
            by_volet[volet_id] = open_count
    for volet in volets:
        volet.open_comments = by_volet.get(volet.pk, 0)
    for objective in objectives:
        objective.open_comments = by_objective.get(objective.pk, 0)
    return counts


def latest_organisation(user, region_id: int) -> dict:
    """The organisation ``user`` last wrote for in a consultation of the region, as form
    initial values (a director speaks for the same establishment comment after comment)."""
    last = (
        Comment.objects.filter(author=user, version__schema__region_id=region_id)
        .select_related("organisation")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is None:
        return {}
    if last.organisation_id:
        return {"organisation_finess": last.organisation.finess_ej}
    return {"organisation_name": last.organisation_name}
