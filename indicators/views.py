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
