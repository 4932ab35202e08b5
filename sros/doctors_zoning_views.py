"""The "Zonage médecins" page of a region (issue 11 §2): the TVS map coloured ZIP / ZAC /
vivier / hors zonage, the table, the planners' forms (compute, confirm, move a TVS) and the
annex CSV. Thin: permissions from ``sros.permissions``, work in ``sros.doctors_zoning``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from access import roles
from core.locking import ConflictError
from core.maps import LEAFLET
from territories.models import Region
from territories.shapes import zone_shapes

from . import doctors_zoning as service
from . import permissions
from .history import history_entries
from .models import DoctorsZoning, DoctorsZoningEntry, ZoningMethod
from .view_helpers import require

#: Colours of the categories (map, legend, badges); DSFR-like, contrast ≥ 4.5:1 on white text.
COLOURS = {
    "zip": "#ce0500",
    "zac": "#b34000",
    "vivier": "#3558a2",
    "hors_zonage": "#dddddd",
    "apl_manquante": "#666666",
}
HISTORY_LIMIT = 60


def _region(region_code: str) -> Region:
    return get_object_or_404(Region, code=region_code)


def _display_key(entry: DoctorsZoningEntry) -> str:
    if entry.automatic == DoctorsZoningEntry.Automatic.UNKNOWN:
        return "apl_manquante"
    return entry.category


def _layer(zoning: DoctorsZoning, entries: list[DoctorsZoningEntry]) -> dict:
    shapes = {s.code: s.geometry for s in zone_shapes(zoning.tvs_zoning)}
    features = []
    for entry in entries:
        key = _display_key(entry)
        shape = shapes.get(entry.zone.code)
        features.append(
            {
                "type": "Feature",
                "id": entry.zone.code,
                "geometry": json.loads(shape) if shape else None,
                "properties": {
                    "n": entry.zone.name,
                    "c": entry.zone.code,
                    "s": key,
                    "l": entry.get_category_display(),
                    "a": None if entry.apl is None else round(entry.apl, 2),
                    "f": COLOURS[key],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _history(zoning: DoctorsZoning) -> list[dict]:
    records = list(
        DoctorsZoning.history.filter(id=zoning.pk)
        .select_related("history_user", "region")
        .order_by("-history_date")[:HISTORY_LIMIT]
    )
    records += list(
        DoctorsZoningEntry.history.filter(zoning_id=zoning.pk)
        .select_related("history_user", "zone")
        .order_by("-history_date")[:HISTORY_LIMIT]
    )
    records.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    return history_entries(records[:HISTORY_LIMIT])


def _legend() -> list[dict]:
    labels = {
        "zip": _("ZIP"),
        "zac": _("ZAC"),
        "vivier": _("Vivier (sans choix de l'ARS)"),
        "hors_zonage": _("Hors zonage"),
        "apl_manquante": _("APL inconnue"),
    }
    return [{"key": k, "colour": COLOURS[k], "label": labels[k]} for k in COLOURS]


def _page(request, region, *, error: str = "", status: int = 200) -> HttpResponse:
    zoning = DoctorsZoning.objects.filter(region=region).select_related("method").first()
    can_edit = permissions.can_edit_doctors_zoning(request.user, region)
    context = {
        "region": region,
        "zoning": zoning,
        "can_edit": can_edit,
        "methods": service.methods(),
        "default_method": service.default_method(),
        "tvs_zoning": service.tvs_zoning(region),
        "error": error,
        "legend": _legend(),
        "leaflet": LEAFLET,
        "categories": DoctorsZoningEntry.Category.choices,
    }
    if zoning is not None:
        state = service.state_of(zoning)
        context |= {
            "entries": [(e, _display_key(e)) for e in state.entries],
            "caps": state.cap_states(),
            "cap_row": service.cap_row(zoning.method, region),
            "confirmation": service.confirmation_label(zoning),
            "layer": _layer(zoning, state.entries),
            "history": _history(zoning),
        }
    return render(request, "schema/doctors_zoning.html", context, status=status)


@require_safe
@login_required
def zoning_page(request: HttpRequest, region_code: str) -> HttpResponse:
    region = _region(region_code)
    require(roles.can_view_region(request.user, region))
    return _page(request, region)


def _lock_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("lock_version", ""))
    except ValueError:
        return -1


def _edit(request: HttpRequest, region_code: str, action) -> HttpResponse:
    """Run ``action(zoning)`` for a planner of the region: a refusal or a stale lock renders
    the page with the reason (422 / 409), a success redirects to it."""
    region = _region(region_code)
    require(permissions.can_edit_doctors_zoning(request.user, region))
    zoning = get_object_or_404(DoctorsZoning, region=region)
    try:
        message = action(zoning)
    except service.ZoningRefused as refused:
        return _page(request, region, error=str(refused), status=422)
    except ConflictError:
        error = _(
            "Le zonage a été modifié depuis que vous avez ouvert la page : rien n'a été "
            "enregistré. Voici son état actuel ; refaites votre choix."
        )
        return _page(request, region, error=error, status=409)
    messages.success(request, message)
    return redirect("schema:doctors_zoning", region_code=region.code)


@require_POST
@login_required
def zoning_compute(request: HttpRequest, region_code: str) -> HttpResponse:
    region = _region(region_code)
    require(permissions.can_edit_doctors_zoning(request.user, region))
    method = ZoningMethod.objects.filter(code=request.POST.get("method", "")).first()
    if method is None:
        return _page(request, region, error=_("Choisissez un arrêté."), status=422)
    try:
        zoning = service.zoning_compute(region, method, user=request.user)
    except service.ZoningRefused as refused:
        return _page(request, region, error=str(refused), status=422)
    dropped = len(zoning.summary.get("dropped", []))
    text = _("Zonage calculé.")
    if dropped:
        text += " " + ngettext(
            "%(n)s choix de l'ARS ne tient plus et a été retiré.",
            "%(n)s choix de l'ARS ne tiennent plus et ont été retirés.",
            dropped,
        ) % {"n": dropped}
    messages.success(request, text)
    return redirect("schema:doctors_zoning", region_code=region.code)


@require_POST
@login_required
def zoning_confirm(request: HttpRequest, region_code: str) -> HttpResponse:
    def confirm(zoning):
        service.zoning_confirm(zoning.pk, lock_version=_lock_version(request), user=request.user)
        return _("Classement confirmé.")

    return _edit(request, region_code, confirm)


@require_POST
@login_required
def zoning_move(request: HttpRequest, region_code: str) -> HttpResponse:
    def move(zoning):
        try:
            zone_id = int(request.POST.get("zone", ""))
        except ValueError:
            raise service.ZoningRefused(_("Choisissez un TVS.")) from None
        entry = service.zoning_move(
            zoning.pk,
            zone_id=zone_id,
            category=request.POST.get("category", ""),
            lock_version=_lock_version(request),
            user=request.user,
        )
        return _("%(tvs)s : %(category)s.") % {
            "tvs": entry.zone.name,
            "category": entry.get_category_display(),
        }

    return _edit(request, region_code, move)


@require_safe
@login_required
def zoning_annex(request: HttpRequest, region_code: str) -> HttpResponse:
    region = _region(region_code)
    require(roles.can_view_region(request.user, region))
    zoning = get_object_or_404(DoctorsZoning.objects.select_related("method"), region=region)
    response = HttpResponse(service.annex_csv(zoning), content_type="text/csv; charset=utf-8")
    name = f"zonage-medecins-{region.code}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
