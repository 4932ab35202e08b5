"""What the dashboard's pages share: the region named in the URL (403 without a role there),
the run context of a region's pages, the parts of a page rendered once per stored run, and a
lenient integer from a query string."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from access.roles import can_view_region
from core import response_cache
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
        "weight_notes": selectors.run_weight_notes(run),
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


_PLAIN = re.compile(r"[A-Za-z0-9_-]{1,40}")


def query_parts(params: QueryDict, names: tuple[str, ...]) -> list[str]:
    """The values of ``names`` in the query string, each one that is not a plain short word
    (which no page reads as anything but its default) written as "": the key of a fragment
    depends on the choices a page reads, and a junk query string makes no new entry."""
    values = (params.get(name, "") for name in names)
    return [value if _PLAIN.fullmatch(value) else "" for value in values]


def render_fragment(template: str, context: dict) -> str:
    """``template`` rendered for no one in particular: without the request, so without a user,
    a role or a session (a fragment kept for every reader of the region cannot show what one
    of them may do), and with ``CSRF_PLACEHOLDER`` for the token of any form in it."""
    return render_to_string(template, context | {"csrf_token": response_cache.CSRF_PLACEHOLDER})


def page_fragments(
    request: HttpRequest, parts: list[str] | None, build: Callable[[], dict[str, str]]
) -> dict[str, SafeString]:
    """The fragments ``build`` renders (with ``render_fragment``), kept per ``parts``
    (``core.response_cache.kept``; ``None``: not kept), each with the reader's own CSRF
    token put in."""
    stored = build() if parts is None else response_cache.kept(parts, build)
    token = get_token(request)
    # The fragments were rendered by our templates, escaped: safe once the token is in.
    return {
        name: mark_safe(html.replace(response_cache.CSRF_PLACEHOLDER, token))
        for name, html in stored.items()
    }
