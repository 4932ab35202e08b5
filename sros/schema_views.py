"""Pages of the regional schema. Thin: each view asks ``sros.permissions``, reads through
``sros.schema_selectors`` and writes through ``sros.services`` / ``sros.workflow``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from access import roles
from core.http import require_form_methods
from core.locking import ConflictError
from core.markdown import render_markdown
from indicators.models import IndicatorValue
from indicators.selectors import latest_run
from territories.models import Region

from . import compliance, permissions, project_services, services, workflow
from .consultation_selectors import open_counts_by_target
from .diff import version_diff
from .forms import (
    EvaluationForm,
    InitiativeSearch,
    MilestoneFormSet,
    ObjectiveFilterForm,
    ObjectiveForm,
    PilotProjectForm,
    VoletForm,
)
from .history import history_entries
from .models import Initiative, Objective, PilotProject, Schema, SchemaVersion, Volet, VoletTheme
from .schema_selectors import adopted_version, schema_versions, version_objectives
from .view_helpers import require, version_or_404
from .workflow_views import transition_buttons


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    regions = roles.visible_regions(request.user).select_related("schema")
    return render(request, "schema/index.html", {"regions": regions})


@require_safe
@login_required
def region_versions(request: HttpRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=region_code)
    require(roles.can_view_region(request.user, region))
    schema = Schema.objects.filter(region=region).first()
    versions = list(schema_versions(schema)) if schema else []
    rows = [(v, transition_buttons(v, request.user)) for v in versions]
    context = {
        "region": region,
        "schema": schema,
        "rows": rows,
        "can_start_draft": roles.can_start_draft(request.user, region),
    }
    return render(request, "schema/versions.html", context)


@require_POST
@login_required
def new_draft(request: HttpRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=region_code)
    require(roles.can_start_draft(request.user, region))
    schema = services.schema_create(region=region)
    draft = workflow.version_new_draft(schema, user=request.user)
    messages.success(request, _("Brouillon v%s créé.") % draft.number)
    return redirect("schema:version", pk=draft.pk)


@require_safe
@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    objectives = list(version_objectives(version, request.GET))
    results = compliance.compliance_for(objectives)
    volets = [
        (volet, render_markdown(volet.narrative))
        for volet in version.volets.select_related("theme", "pathway").prefetch_related(
            "activities"
        )
    ]
    counts = open_counts_by_target(
        version, volets=[v for v, _html in volets], objectives=objectives
    )
    context = {
        "version": version,
        "volets": volets,
        "objectives": [(o, results[o.pk]) for o in objectives],
        "filter_form": ObjectiveFilterForm(request.GET or None, version=version),
        "filtered": bool(request.GET.get("activity") or request.GET.get("zone")),
        "projects": version.schema.pilot_projects.select_related("zone", "theme"),
        "can_edit": permissions.can_edit_version(request.user, version),
        "can_comment": permissions.can_comment(request.user, version),
        "comment_counts": counts,
        "transitions": version.transitions.select_related("by"),
        "transition_buttons": transition_buttons(version, request.user),
        "other_versions": version.schema.versions.exclude(pk=version.pk),
    }
    return render(request, "schema/version.html", context)


def _objective_page(request, version, form, *, objective=None, conflict=None, status=200):
    context = {"version": version, "form": form, "objective": objective, "conflict": conflict}
    return render(request, "schema/objective_form.html", context, status=status)


@require_form_methods
@login_required
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective.objects.select_related("version__schema"), pk=pk)
    version = objective.version
    require(permissions.can_view_version(request.user, version))
    if request.method != "POST":
        return _objective_page(
            request, version, ObjectiveForm(instance=objective, version=version),
            objective=objective,
        )  # fmt: skip
    require(permissions.can_edit_version(request.user, version))
    form = ObjectiveForm(request.POST, instance=objective, version=version)
    if not form.is_valid():
        return _objective_page(request, version, form, objective=objective, status=422)
    try:
        services.objective_update(
            objective.pk,
            lock_version=form.cleaned_data.get("lock_version") or 0,
            user=request.user,
            **form.values(),
        )
    except ConflictError as conflict:
        # Keep the user's input, show the saved values; a second submit overwrites knowingly.
        data = request.POST.copy()
        data["lock_version"] = str(conflict.current.lock_version)
        retry = ObjectiveForm(data, instance=conflict.current, version=version)
        retry.is_valid()
        return _objective_page(
            request, version, retry, objective=conflict.current,
            conflict=conflict.current, status=409,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return _objective_page(request, version, form, objective=objective, status=422)
    messages.success(request, _("Objectif enregistré."))
    return redirect("schema:version", pk=version.pk)


@require_form_methods
@login_required
def objective_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_edit_version(request.user, version))
    form = ObjectiveForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_create(version=version, user=request.user, **form.values())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Objectif ajouté."))
            return redirect("schema:version", pk=version.pk)
    status = 422 if request.method == "POST" else 200
    return _objective_page(request, version, form, status=status)


@require_safe
@login_required
def version_history(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    records = [
        *SchemaVersion.history.filter(id=version.pk).select_related("history_user", "schema"),
        *Volet.history.filter(version_id=version.pk).select_related("history_user"),
        # An objective's label names its activity and zone: joined, not one query each.
        *Objective.history.filter(version_id=version.pk).select_related(
            "history_user", "activity", "zone"
        ),
    ]
    records.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    context = {"version": version, "entries": history_entries(records)}
    return render(request, "schema/history.html", context)


@require_safe
@login_required
def version_compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    old, new = version_or_404(pk), version_or_404(other)
    require(permissions.can_view_version(request.user, old))
    require(permissions.can_view_version(request.user, new))
    if old.schema_id != new.schema_id:
        raise PermissionDenied
    return render(request, "schema/diff.html", {"diff": version_diff(old, new)})


@require_safe
@login_required
def initiatives(request: HttpRequest) -> HttpResponse:
    """The inventory: search words, kind, département code and reproducibility; any user
    may read it (it is public information, not a region's)."""
    search = InitiativeSearch(
        request.GET, queryset=Initiative.objects.prefetch_related("departments")
    )
    rows = search.qs.distinct()
    context = {"initiatives": rows, "form": search.form, "total": Initiative.objects.count()}
    return render(request, "schema/initiatives.html", context)


# --- Volets ---------------------------------------------------------------------------------


def _volet_page(request, version, form, *, volet=None, conflict=None, preview=None, status=200):
    context = {
        "version": version,
        "form": form,
        "volet": volet,
        "conflict": conflict,
        "conflict_html": render_markdown(conflict.narrative) if conflict else None,
        "preview": preview,
    }
    return render(request, "schema/volet_form.html", context, status=status)


def _preview(form) -> str | None:
    """The narrative as it will be shown, when the user asked for a preview."""
    if "preview" not in form.data:
        return None
    return render_markdown(form.data.get("narrative", ""))


@require_form_methods
@login_required
def volet_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_edit_version(request.user, version))
    form = VoletForm(request.POST or None, version=version)
    if request.method != "POST":
        return _volet_page(request, version, form)
    if not form.is_valid() or "preview" in request.POST:
        status = 200 if form.is_valid() else 422
        return _volet_page(request, version, form, preview=_preview(form), status=status)
    values = form.values()
    try:
        volet = services.volet_create(version=version, user=request.user, **values)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _volet_page(request, version, form, status=422)
    messages.success(request, _("Volet « %s » ajouté.") % volet.title)
    return redirect(f"{reverse('schema:version', args=[version.pk])}#volet-{volet.pk}")


@require_form_methods
@login_required
def volet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    volet = get_object_or_404(Volet.objects.select_related("version__schema"), pk=pk)
    version = volet.version
    require(permissions.can_view_version(request.user, version))
    if request.method != "POST":
        return _volet_page(
            request, version, VoletForm(instance=volet, version=version), volet=volet
        )
    require(permissions.can_edit_version(request.user, version))
    form = VoletForm(request.POST, instance=volet, version=version)
    if not form.is_valid() or "preview" in request.POST:
        status = 200 if form.is_valid() else 422
        return _volet_page(
            request, version, form, volet=volet, preview=_preview(form), status=status
        )
    try:
        services.volet_update(
            volet.pk,
            lock_version=form.cleaned_data.get("lock_version") or 0,
            user=request.user,
            **form.values(),
        )
    except ConflictError as conflict:
        data = request.POST.copy()
        data["lock_version"] = str(conflict.current.lock_version)
        # A fresh row: validating the form writes the user's input onto its instance.
        retry = VoletForm(data, instance=Volet.objects.get(pk=volet.pk), version=version)
        retry.is_valid()
        return _volet_page(
            request, version, retry, volet=conflict.current, conflict=conflict.current,
            status=409,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return _volet_page(request, version, form, volet=volet, status=422)
    messages.success(request, _("Volet enregistré."))
    return redirect(f"{reverse('schema:version', args=[version.pk])}#volet-{volet.pk}")


# --- Pilot projects -------------------------------------------------------------------------


def _region(code: str) -> Region:
    return get_object_or_404(Region, code=code)


def _can_edit_projects(user, region: Region | int) -> bool:
    return permissions.can_edit_projects(user, region)


def _project(pk: int) -> PilotProject:
    return get_object_or_404(
        PilotProject.objects.select_related("schema__region", "zone__zoning", "theme"), pk=pk
    )


@require_safe
@login_required
def project_list(request: HttpRequest, region_code: str) -> HttpResponse:
    region = _region(region_code)
    require(roles.can_view_region(request.user, region))
    projects = (
        PilotProject.objects.filter(schema__region=region)
        .select_related("zone__zoning", "theme")
        .annotate(
            milestones_total=Count("milestones", distinct=True),
            milestones_done=Count("milestones", filter=Q(milestones__status="done"), distinct=True),
            evaluations_total=Count("evaluations", distinct=True),
        )
    )
    themes = VoletTheme.objects.filter(pk__in=projects.values("theme_id"))
    theme = request.GET.get("volet", "")
    if theme:
        projects = projects.filter(theme__code=theme)
    context = {
        "region": region,
        "projects": projects,
        "themes": themes,
        "theme": theme,
        "can_edit": _can_edit_projects(request.user, region),
    }
    return render(request, "schema/projects.html", context)


def _project_page(request, region, form, formset, *, project=None, conflict=None, status=200):
    context = {
        "region": region,
        "form": form,
        "formset": formset,
        "project": project,
        "conflict": conflict,
    }
    return render(request, "schema/project_form.html", context, status=status)


def _project_forms(request, region, project=None):
    data = request.POST if request.method == "POST" else None
    form = PilotProjectForm(data, instance=project, region=region)
    period = (None, None)
    if data is not None and form.is_valid():
        period = (form.cleaned_data["start_date"], form.cleaned_data["end_date"])
    formset = MilestoneFormSet(data, instance=project or PilotProject(), period=period)
    return form, formset


@require_form_methods
@login_required
def project_create(request: HttpRequest, region_code: str) -> HttpResponse:
    region = _region(region_code)
    require(_can_edit_projects(request.user, region))
    form, formset = _project_forms(request, region)
    if request.method != "POST":
        return _project_page(request, region, form, formset)
    if not (form.is_valid() and formset.is_valid()):
        return _project_page(request, region, form, formset, status=422)
    try:
        with transaction.atomic():
            schema = services.schema_create(region=region)
            project = services.pilot_project_create(
                schema=schema, user=request.user, **form.values()
            )
            project_services.milestones_save(project, formset.rows(), user=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _project_page(request, region, form, formset, status=422)
    messages.success(request, _("Projet pilote « %s » créé.") % project.title)
    return redirect("schema:project", pk=project.pk)


@require_form_methods
@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    region = project.schema.region
    require(_can_edit_projects(request.user, region))
    form, formset = _project_forms(request, region, project)
    if request.method != "POST":
        return _project_page(request, region, form, formset, project=project)
    if not (form.is_valid() and formset.is_valid()):
        return _project_page(request, region, form, formset, project=project, status=422)
    try:
        with transaction.atomic():
            project = services.pilot_project_update(
                project.pk,
                lock_version=form.cleaned_data.get("lock_version") or 0,
                user=request.user,
                **form.values(),
            )
            project_services.milestones_save(project, formset.rows(), user=request.user)
    except ConflictError as conflict:
        data = request.POST.copy()
        data["lock_version"] = str(conflict.current.lock_version)
        retry = PilotProjectForm(data, instance=_project(project.pk), region=region)
        retry.is_valid()
        return _project_page(
            request, region, retry, formset, project=conflict.current,
            conflict=conflict.current, status=409,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return _project_page(request, region, form, formset, project=project, status=422)
    messages.success(request, _("Projet pilote enregistré."))
    return redirect("schema:project", pk=project.pk)


@require_safe
@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    region = project.schema.region
    require(roles.can_view_region(request.user, region))
    labels = dict(IndicatorValue.Indicator.choices)
    evaluations = [
        (evaluation, [
            {**row, "label": labels.get(row["indicator"], row["indicator"])}
            for row in evaluation.indicator_snapshot.get("values", [])
        ])
        for evaluation in project.evaluations.select_related()
    ]  # fmt: skip
    context = {
        "project": project,
        "region": region,
        "milestones": project.milestones.all(),
        "evaluations": evaluations,
        "can_edit": _can_edit_projects(request.user, region),
        "version": adopted_version(project.schema) or schema_versions(project.schema).first(),
    }
    return render(request, "schema/project.html", context)


@require_form_methods
@login_required
def evaluation_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    region = project.schema.region
    require(_can_edit_projects(request.user, region))
    form = EvaluationForm(request.POST or None, initial={"year": timezone.localdate().year})
    run = latest_run(region)
    if request.method == "POST" and form.is_valid():
        try:
            project_services.evaluation_record_with_snapshot(
                project=project,
                year=form.cleaned_data["year"],
                text=form.cleaned_data["text"],
                indicators=form.cleaned_data["indicators"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Évaluation enregistrée."))
            return redirect("schema:project", pk=project.pk)
    status = 422 if request.method == "POST" else 200
    context = {"project": project, "form": form, "run": run}
    return render(request, "schema/evaluation_form.html", context, status=status)
