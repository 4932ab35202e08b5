"""Pages of indicator runs: the list per region with a button to start one, and the JSON
the progress bars poll."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sros.workers import UNAVAILABLE, BrokerUnavailable
from territories.models import Region

from . import selectors, services
from .models import IndicatorRun


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/run_list.html", {"regions": selectors.runs_by_region()})


@login_required
@require_POST
def run_start(request: HttpRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=region_code)
    try:
        run = services.run_create(region=region, requested_by=request.user)
    except BrokerUnavailable:
        return _unavailable(request)
    messages.success(
        request, _("Calcul n° %(run)s demandé pour %(region)s.") % {"run": run.pk, "region": region}
    )
    return redirect("indicators:run_list")


@login_required
@require_POST
def run_restart(request: HttpRequest, run_id: int) -> HttpResponse:
    """Start again, with the same levels and provider, a run that failed."""
    failed = get_object_or_404(IndicatorRun, pk=run_id, status=IndicatorRun.Status.FAILED)
    try:
        run = services.run_restart(failed, requested_by=request.user)
    except BrokerUnavailable:
        return _unavailable(request)
    messages.success(
        request,
        _("Calcul n° %(run)s relancé : calcul n° %(new)s demandé.")
        % {"run": failed.pk, "new": run.pk},
    )
    return redirect("indicators:run_list")


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The runs page with the broker's failure said plainly (503, nothing was queued)."""
    context = {"regions": selectors.runs_by_region(), "unavailable": UNAVAILABLE}
    return render(request, "indicators/run_list.html", context, status=503)


@login_required
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    run = get_object_or_404(IndicatorRun, pk=run_id)
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
