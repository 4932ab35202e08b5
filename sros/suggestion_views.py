"""Pages of the suggestions and of the « Fermetures » table: ask a suggestion for a scenario,
follow its job, see the drop-one ranking of a level and close a site in a scenario. Every view
asks ``sros.permissions`` (through the version) and writes through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.http import require_form_methods
from core.locking import ConflictError
from core.maps import LEAFLET
from core.workers import UNAVAILABLE, BrokerUnavailable
from facilities.models import Facility
from territories.selectors import region_bounds

from . import closures, permissions, suggestion_jobs, suggestions
from .models import Scenario, SuggestionJob
from .suggestion_forms import SuggestionForm
from .view_helpers import require, version_or_404


def _scenario(pk: int) -> Scenario:
    return get_object_or_404(Scenario.objects.select_related("version__schema__region"), pk=pk)


def _job(pk: int) -> SuggestionJob:
    return get_object_or_404(
        SuggestionJob.objects.select_related("scenario__version__schema__region"), pk=pk
    )


@require_form_methods
@login_required
def suggest(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(pk)
    version = scenario.version
    require(permissions.can_edit_version(request.user, version))
    form = SuggestionForm(request.POST or None, version=version)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = suggestion_jobs.suggestion_create(
                    scenario=scenario, user=request.user, level=data["level"],
                    model=data["model"], target_minutes=data["target_minutes"], p=data.get("p"),
                    points=data["point_list"], goal=data.get("goal"),
                )  # fmt: skip
            except BrokerUnavailable:
                messages.error(request, str(UNAVAILABLE))
                status = 503
            else:
                return redirect("schema:suggestion", pk=job.pk)
        else:
            status = 422
    region = version.schema.region
    context = {
        "version": version,
        "scenario": scenario,
        "form": form,
        "leaflet": LEAFLET,
        "region_bounds": region_bounds(region),
        "recent": scenario.suggestions.select_related("user")[:5],
    }
    return render(request, "schema/suggest.html", context, status=status)


@require_safe
@login_required
def suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    version = job.scenario.version
    require(permissions.can_view_version(request.user, version))
    context = {
        "version": version,
        "scenario": job.scenario,
        "job": job,
        "people": suggestions.people_label(job.result.get("weight")),
    }
    return render(request, "schema/suggestion.html", context)


@require_safe
@login_required
def suggestion_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(pk)
    require(permissions.can_view_version(request.user, job.scenario.version))
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "error": job.error,
        }
    )


@require_safe
@login_required
def closure_table(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    levels = suggestions.current_levels()
    chosen = next((lv for lv in levels if str(lv.pk) == request.GET.get("niveau")), None)
    chosen = chosen or (levels[0] if levels else None)
    scenario = None
    if request.GET.get("scenario", "").isdigit():
        scenario = version.scenarios.filter(pk=request.GET["scenario"]).first()
    context = {
        "version": version,
        "levels": levels,
        "chosen": chosen,
        "table": closures.closures(version, chosen) if chosen else None,
        "scenario": scenario,
        "can_edit": permissions.can_edit_version(request.user, version),
    }
    return render(request, "schema/closures.html", context)


@require_POST
@login_required
def closure_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_edit_version(request.user, version))
    facility = get_object_or_404(Facility, pk=request.POST.get("facility") or 0)
    scenario, lock_version = None, None
    if request.POST.get("scenario"):
        scenario = get_object_or_404(version.scenarios, pk=request.POST["scenario"])
        lock = request.POST.get("lock_version", "")
        lock_version = int(lock) if lock.isdigit() else scenario.lock_version
    try:
        scenario = closures.close_in_scenario(
            version=version, facility=facility, user=request.user, scenario=scenario,
            lock_version=lock_version,
        )  # fmt: skip
    except ConflictError:
        messages.error(request, _("Le scénario a été modifié entre-temps : rechargez la page."))
        return redirect("schema:closures", pk=version.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schema:closures", pk=version.pk)
    messages.success(request, _("Fermeture ajoutée au scénario."))
    return redirect("schema:scenario", pk=scenario.pk)
