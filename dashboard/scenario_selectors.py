"""Read queries of the scenario comparison: the sites a scenario changes for a level, and the
scenarios of a region the dashboard links to."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from facilities.models import Facility
from sros import scenarios
from sros.models import Scenario, ScenarioChange
from territories.models import Region

from . import comparison


def region_scenarios(region: Region, limit: int = 10) -> QuerySet[Scenario]:
    """The region's latest scenarios, all versions (whoever sees the region sees its
    versions, ``sros.permissions.can_view_version``)."""
    return (
        Scenario.objects.filter(version__schema__region=region)
        .select_related("version__schema")
        .order_by("-updated_at", "-pk")[:limit]
    )


def changed_sites(scenario: Scenario, level: scenarios.LevelResult) -> list[comparison.ChangedSite]:
    """The sites that stop or start serving ``level``, with a place and a label (one query,
    two when the scenario creates sites)."""
    kinds = {value: str(label) for value, label in Facility.Kind.choices}
    wanted = [*level.closed, *level.opened]
    existing = {
        f.finess_et: f
        for f in Facility.objects.filter(finess_et__in=wanted).select_related("commune")
    }
    # New sites are numbered "new-1", "new-2"… in the order of the scenario's openings, rows
    # at one place being one site (``sros.scenarios.new_site_groups``): each group's first row.
    new = []
    if any(finess.startswith("new-") for finess in level.opened):
        openings = scenario.changes.filter(kind=ScenarioChange.Kind.OPEN).order_by("order", "id")
        new = [group[0] for group in scenarios.new_site_groups(openings)]
    sites = []
    for status, numbers in (("closed", level.closed), ("opened", level.opened)):
        for finess in numbers:
            facility = existing.get(finess)
            if facility is not None:
                point = facility.point
                sites.append(
                    comparison.ChangedSite(
                        finess, facility.name, kinds.get(facility.kind, facility.kind),
                        facility.commune.name if facility.commune_id else "", status,
                        point.x if point else None, point.y if point else None,
                    )
                )  # fmt: skip
            elif finess.startswith("new-") and int(finess[4:]) <= len(new):
                change = new[int(finess[4:]) - 1]
                sites.append(
                    comparison.ChangedSite(
                        "", change.label or _("Nouveau site"),
                        kinds.get(change.facility_kind, change.facility_kind), "", status,
                        change.point.x, change.point.y,
                    )
                )  # fmt: skip
    return sites
