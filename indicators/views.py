"""Pages of indicator runs: the list per region with a button to start one, and the JSON
the progress bars poll."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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
    run = services.run_create(region=region, requested_by=request.user)
    messages.success(
        request, _("Calcul n° %(run)s demandé pour %(region)s.") % {"run": run.pk, "region": region}
    )
    return redirect("indicators:run_list")


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
