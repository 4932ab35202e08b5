"""What the dashboard's pages share: the region named in the URL (403 without a role there),
the run context of a region's pages, and a lenient integer from a query string."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from access.roles import can_view_region
from indicators.models import IndicatorRun
from indicators.selectors import latest_run
from pathways.models import Pathway
from territories.models import Region
from territories.selectors import region_is_empty, region_label, with_department_counts

from . import selectors


def region_or_403(request: HttpRequest, code: str) -> Region:
    regions = with_department_counts(Region.objects.defer("geometry"))
    region = get_object_or_404(regions, code=code)
    if not can_view_region(request.user, region):
        raise PermissionDenied
    return region


def run_context(region: Region) -> dict:
    run = latest_run(region)
    current = selectors.current_run(region)
    active = current if current and current.status in ACTIVE else None
    pathways = (
        Pathway.objects.filter(levels__indicator_runs=run).distinct().order_by("order", "code")
        if run
        else []
    )
    return {
        "region": region,
        # The name, and which départements the figures cover when not all are loaded.
        "region_label": region_label(region),
        "run": run,
        "active_run": active,
        "nav_pathways": pathways,
        "level_notes": selectors.run_level_notes(run),
        # Without a run, whether there is anything to compute: a region with no commune
        # loaded is offered its import, not a run that would fail.
        "region_empty": run is None and region_is_empty(region),
    }


ACTIVE = (IndicatorRun.Status.QUEUED, IndicatorRun.Status.RUNNING)


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
