"""Pages of what-if scenarios: the list of a version's scenarios, the scenario builder (a form
and a small formset of changes) and the scenario page comparing it with its base. Every view
asks ``sros.permissions`` (through the version), writes through ``sros.scenarios``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.http import require_form_methods
from core.locking import ConflictError
from core.maps import LEAFLET
from facilities.selectors import region_sites_for_picking
from territories.selectors import region_bounds

from . import permissions, scenarios
from .history import history_entries
from .models import Scenario, ScenarioChange
from .scenario_forms import ScenarioForm, attach_change_errors, change_formset
from .view_helpers import require, version_or_404


def _scenario(pk: int) -> Scenario:
    return get_object_or_404(
        Scenario.objects.select_related("version__schema__region", "author"), pk=pk
    )


@require_safe
@login_required
def scenario_list(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    context = {
        "version": version,
        "scenarios": version.scenarios.select_related("author").prefetch_related("changes"),
        "can_edit": permissions.can_edit_version(request.user, version),
    }
    return render(request, "schema/scenario_list.html", context)


def _form_page(request, version, form, formset, *, scenario=None, conflict=None, status=200):
    context = {
        "version": version,
        "form": form,
        "formset": formset,
        "scenario": scenario,
        "conflict": conflict,
        "conflict_changes": conflict.changes.select_related("facility") if conflict else (),
        # The builder's map and search list: the region's open sites, its extent.
        "sites": region_sites_for_picking(version.schema.region_id),
        "region_bounds": region_bounds(version.schema.region),
        "leaflet": LEAFLET,
    }
    return render(request, "schema/scenario_form.html", context, status=status)


def _save(request, version, form, formset, *, scenario=None) -> HttpResponse:
    """Validate and save a submitted scenario; the form again (422/409) when it cannot be."""
    changes = attach_change_errors(version, formset)
    if not form.is_valid() or changes is None:
        return _form_page(request, version, form, formset, scenario=scenario, status=422)
    values = {
        "name": form.cleaned_data["name"],
        "description": form.cleaned_data["description"],
        "changes": changes,
        "user": request.user,
    }
    try:
        if scenario is None:
            scenario = scenarios.scenario_create(version=version, **values)
        else:
            lock_version = form.cleaned_data.get("lock_version") or 0
            scenario = scenarios.scenario_update(scenario.pk, lock_version=lock_version, **values)
    except ConflictError as conflict:
        # Keep the user's input, show the saved scenario; a second submit overwrites knowingly.
        data = request.POST.copy()
        data["lock_version"] = str(conflict.current.lock_version)
        form = ScenarioForm(data)
        form.is_valid()
        return _form_page(
            request, version, form, formset, scenario=conflict.current,
            conflict=conflict.current, status=409,
        )  # fmt: skip
    except ValidationError as exc:
        for name, messages_ in exc.message_dict.items():
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)
        return _form_page(request, version, form, formset, scenario=scenario, status=422)
    messages.success(request, _("Scénario enregistré."))
    return redirect("schema:scenario", pk=scenario.pk)


@require_form_methods
@login_required
def scenario_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_edit_version(request.user, version))
    if request.method != "POST":
        return _form_page(request, version, ScenarioForm(), change_formset())
    return _save(request, version, ScenarioForm(request.POST), change_formset(request.POST))


@require_form_methods
@login_required
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(pk)
    version = scenario.version
    require(permissions.can_edit_version(request.user, version))
    if request.method != "POST":
        form = ScenarioForm(
            initial={
                "name": scenario.name,
                "description": scenario.description,
                "lock_version": scenario.lock_version,
            }
        )
        changes = change_formset(changes=scenario.changes.select_related("facility"))
        return _form_page(request, version, form, changes, scenario=scenario)
    return _save(
        request, version, ScenarioForm(request.POST), change_formset(request.POST),
        scenario=scenario,
    )  # fmt: skip


@require_POST
@login_required
def scenario_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The builder's rows evaluated as typed, not saved (``scenarios.scenario_preview``): an
    HTML fragment the form page puts under its rows; 422 with the rows' errors."""
    version = version_or_404(pk)
    require(permissions.can_edit_version(request.user, version))
    formset = change_formset(request.POST)
    changes = attach_change_errors(version, formset)
    context = {"version": version, "changes": changes or [], "errors": []}
    if changes is None:
        context["errors"] = _formset_errors(formset)
        return render(request, "schema/_scenario_preview.html", context, status=422)
    if changes:
        try:
            context["result"] = scenarios.scenario_preview(
                version=version, changes=changes, user=request.user
            )
        except ValidationError as exc:
            context["errors"] = [m for ms in exc.message_dict.values() for m in ms]
            return render(request, "schema/_scenario_preview.html", context, status=422)
    return render(request, "schema/_scenario_preview.html", context)


def _formset_errors(formset) -> list[str]:
    """Each broken rule of the rows, prefixed by its row number as the form shows it."""
    found = [str(error) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                prefix = _("Ligne %(n)s") % {"n": number} + (f", {label}" if label else "")
                found.append(f"{prefix} : {error}")
    return found


@require_safe
@login_required
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(pk)
    version = scenario.version
    require(permissions.can_view_version(request.user, version))
    records = [
        *Scenario.history.filter(id=scenario.pk).select_related("history_user"),
        *ScenarioChange.history.filter(scenario_id=scenario.pk).select_related(
            "history_user", "facility"
        ),
    ]
    records.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    context = {
        "version": version,
        "scenario": scenario,
        "changes": scenario.changes.select_related("facility"),
        "result": scenarios.evaluate_scenario(scenario),
        "can_edit": permissions.can_edit_version(request.user, version),
        "history": history_entries(records),
    }
    return render(request, "schema/scenario_detail.html", context)
