"""The page « Accès aux soins urgents » of a region (issue 11 §3): the latest urgent-care run,
the communes beyond 30 minutes with their population, which means is nearest for the others,
and a candidate médecin correspondant du SAMU chosen on the page (``?candidat=<code INSEE>``)
with the population it would bring within 30 minutes (``urgent_services.candidate_mcs``).

Readers of the region (``access.roles.can_view_region``); the candidate is a read, so a GET
form. Planners (``access.roles.can_start_run``) start a new run from the page (POST
``calculer/``), with the héliSMUR speed and take-off delay they state, or none; the run is
computed in the request (one provider call per means, like ``compute_urgent_care``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from access import roles
from core.formatting import format_share
from territories.models import Commune, Region

from . import urgent_services
from .labels import travel_text
from .urgent_models import UrgentCareRun, UrgentMeans

PAGE_SIZE = 200


@require_safe
@login_required
def urgent_care_page(request: HttpRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.defer("geometry"), code=region_code)
    if not roles.can_view_region(request.user, region):
        raise Http404
    return _page(request, region, StartForm())


def _page(request: HttpRequest, region: Region, form: StartForm, status: int = 200):
    run = urgent_services.latest_run(region)
    context = {"region": region, "run": run, "form": form}
    context["can_start_run"] = roles.can_start_run(request.user, region)
    if run is not None:
        context |= _run_context(request, run)
    return render(request, "indicators/urgent_care.html", context, status=status)


class StartForm(forms.Form):
    """The héliSMUR inputs of a new run: both, or neither (then no héliSMUR is counted)."""

    helismur_speed_kmh = forms.FloatField(
        label=gettext_lazy("Vitesse de croisière de l'hélicoptère (km/h)"),
        required=False,
        min_value=1,
    )
    helismur_takeoff_minutes = forms.FloatField(
        label=gettext_lazy("Délai de décollage (min)"), required=False, min_value=0
    )

    def clean(self):
        data = super().clean()
        given = [data.get(name) is not None for name in self.fields]
        if any(given) and not all(given):
            raise forms.ValidationError(
                _("Donnez la vitesse et le délai de décollage, ou aucun des deux.")
            )
        return data


@require_POST
@login_required
def urgent_care_start(request: HttpRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.defer("geometry"), code=region_code)
    if not roles.can_start_run(request.user, region):
        raise PermissionDenied
    form = StartForm(request.POST)
    if not form.is_valid():
        return _page(request, region, form, status=400)
    try:
        run = urgent_services.urgent_compute(
            region.pk,
            helismur_speed_kmh=form.cleaned_data["helismur_speed_kmh"],
            helismur_takeoff_minutes=form.cleaned_data["helismur_takeoff_minutes"],
            requested_by=request.user,
        )
    except urgent_services.UrgentCareRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Calcul n° %(run)s terminé.") % {"run": run.pk})
    return redirect("indicators:urgent_care", region_code=region.code)


COMMUNE_FIELDS = (
    "commune__code", "commune__name", "population", "minutes", "means", "facility__name",
    "resource__name",
)  # fmt: skip


def _run_context(request: HttpRequest, run: UrgentCareRun) -> dict:
    values = run.values.values(*COMMUNE_FIELDS)
    beyond = values.filter(beyond=True).order_by("-population", "commune__code")
    within = values.filter(beyond=False).order_by("commune__code")
    page = Paginator(within, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "means": _means_rows(run),
        "travel": travel_text(run.parameters.get("travel")),
        "groups": _group_rows(run),
        "beyond": [_commune_row(v) for v in beyond],
        "page": page,
        "within": [_commune_row(v) for v in page],
        "means_labels": [(m.value, m.label) for m in UrgentMeans],
        "candidate_code": request.GET.get("candidat", "").strip(),
    }
    if context["candidate_code"]:
        context |= _candidate(run, context["candidate_code"])
    return context


def _means_rows(run: UrgentCareRun) -> list[dict]:
    """The means in the indicator's order (a JSON object's keys come back in any order)."""
    said = run.summary.get("means", {})
    return [{"code": m.value, **said[m.value]} for m in UrgentMeans if m.value in said]


def _group_rows(run: UrgentCareRun) -> list[dict]:
    from territories.models import Department, Zone

    names = dict(Department.objects.filter(region=run.region).values_list("code", "name"))
    zone_names = {
        (zoning_id, code): (name, zoning_name)
        for zoning_id, code, name, zoning_name in Zone.objects.filter(
            zoning__region=run.region
        ).values_list("zoning_id", "code", "name", "zoning__name")
    }
    rows = []
    for group in run.group_values.order_by("unit_kind", "zoning_id", "unit_code"):
        if group.unit_kind == "region":
            name, kind = run.region.name, _("Région")
        elif group.unit_kind == "department":
            name, kind = names.get(group.unit_code, ""), _("Département")
        else:
            name, zoning = zone_names.get((group.zoning_id, group.unit_code), ("", ""))
            kind = _("Zone (%(zoning)s)") % {"zoning": zoning}
        rows.append(
            {
                "group": group,
                "kind": kind,
                "name": name,
                "share": format_share(group.share_beyond) or "—",
                "by_means": [group.by_means.get(m.value) for m in UrgentMeans],
                "order": {"region": 0, "department": 1, "zone": 2}[group.unit_kind],
            }
        )
    return sorted(rows, key=lambda r: r["order"])


def _commune_row(value: dict) -> dict:
    """A commune of the tables: code, name, population, minutes, the nearest means' label, the
    site or base, and the note of an antenne de médecine d'urgence."""
    means = value["means"]
    return {
        "code": value["commune__code"],
        "name": value["commune__name"],
        "population": value["population"],
        "minutes": value["minutes"],
        "means": UrgentMeans(means).label if means else "",
        "nearest": value["facility__name"] or value["resource__name"] or "",
        "note": urgent_services.OPENING_HOURS if means == UrgentMeans.AMU else "",
    }


def _candidate(run: UrgentCareRun, code: str) -> dict:
    commune = (
        Commune.objects.filter(department__region=run.region, code=code)
        .only("code", "name", "point")
        .first()
    )
    if commune is None:
        return {"candidate_error": _("aucune commune %(code)s dans la région.") % {"code": code}}
    try:
        result = urgent_services.candidate_mcs(run, commune)
    except urgent_services.UrgentCareRefused as exc:
        return {"candidate_error": str(exc)}
    return {"candidate": result}
