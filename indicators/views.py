"""Pages of indicator runs: the list per region with a button to start one, and the JSON
the progress bars poll.

Who sees what (``access.roles``): the list shows the regions the user may view; a run is
started by whom ``can_start_run`` answers for (the region's planners and administrators), who
alone see the button and who asked for each run (the requester's username is shown to the
people who share that responsibility, not to every reader of the region). The progress JSON
of a run of a region the user may not view is a 404, as if the run did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from access import roles
from core.workers import UNAVAILABLE, BrokerUnavailable
from territories.models import Region

from . import selectors, services
from .models import IndicatorRun


@require_safe
@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/run_list.html", {"rows": _run_rows(request.user)})


@require_POST
@login_required
def run_start(request: HttpRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.defer("geometry"), code=region_code)
    if not roles.can_start_run(request.user, region):
        raise PermissionDenied
    try:
        run = services.run_create(region=region, requested_by=request.user)
    except BrokerUnavailable:
        return _unavailable(request)
    except services.RunRefused as exc:
        messages.error(request, str(exc))
        return redirect("indicators:run_list")
    messages.success(
        request, _("Calcul n° %(run)s demandé pour %(region)s.") % {"run": run.pk, "region": region}
    )
    return redirect("indicators:run_list")


@require_POST
@login_required
def run_restart(request: HttpRequest, run_id: int) -> HttpResponse:
    """Start again, with the same levels and provider, a run that failed."""
    failed = get_object_or_404(IndicatorRun, pk=run_id, status=IndicatorRun.Status.FAILED)
    if not roles.can_start_run(request.user, failed.region_id):
        raise PermissionDenied
    try:
        run = services.run_restart(failed, requested_by=request.user)
    except BrokerUnavailable:
        return _unavailable(request)
    except services.RunRefused as exc:
        messages.error(request, str(exc))
        return redirect("indicators:run_list")
    messages.success(
        request,
        _("Calcul n° %(run)s relancé : calcul n° %(new)s demandé.")
        % {"run": failed.pk, "new": run.pk},
    )
    return redirect("indicators:run_list")


def _run_rows(user) -> list[dict]:
    return [
        {"entry": entry, "can_start_run": roles.can_start_run(user, entry.region)}
        for entry in selectors.runs_by_region(regions=roles.visible_regions(user))
    ]


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The runs page with the broker's failure said plainly (503, nothing was queued)."""
    context = {"rows": _run_rows(request.user), "unavailable": UNAVAILABLE}
    return render(request, "indicators/run_list.html", context, status=503)


@require_safe
@login_required
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    run = get_object_or_404(IndicatorRun, pk=run_id)
    if not roles.can_view_region(request.user, run.region_id):
        raise Http404
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "progress": run.progress,
            "error": run.error,
            "stale": run.stale,
        }
    )


@require_safe
@login_required
def apl_page(request: HttpRequest, region_code: str) -> HttpResponse:
    """The latest APL run of a region: its unit, travel times, inputs, TVS means and each
    commune's APL with what it lacked and the DREES's published value (read, not computed)."""
    from django.core.paginator import Paginator

    from . import apl_services
    from .models import AplRun

    region = get_object_or_404(Region.objects.defer("geometry"), code=region_code)
    if not roles.can_view_region(request.user, region):
        raise Http404
    run = AplRun.objects.filter(region=region).order_by("-created_at", "-id").first()
    context = {"region": region, "run": run}
    if run is not None:
        drees = apl_services.drees_reference(run)
        values = run.values.select_related("commune").order_by("commune__code")
        page = Paginator(values, 200).get_page(request.GET.get("page"))
        comparable = run.unit == apl_services.UNIT_CONSULTATIONS
        context |= {
            "page": page,
            "rows": [_apl_row(v, drees.get(v.commune_id), comparable) for v in page],
            "zones": run.zone_values.select_related("zone").order_by("zone__code"),
            "drees_year": next(iter(drees.values()))[0] if drees else None,
        }
    return render(request, "indicators/apl.html", context)


def _apl_row(value, drees, comparable: bool) -> dict:
    from . import apl_services

    drees_value = drees[1] if drees else None
    difference = None
    if comparable and drees_value is not None and value.value is not None:
        difference = value.value - drees_value
    return {
        "value": value,
        "notes": apl_services.value_notes(value),
        "drees": drees_value,
        "difference": difference,
    }
