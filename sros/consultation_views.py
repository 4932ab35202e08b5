"""Pages of the consultation (docs/consultation.md). Thin: each asks ``sros.permissions``
(which asks ``access.roles``), reads through ``sros.consultation_selectors`` and writes through
``sros.consultation_services``; the buttons a page shows are the same questions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.http import require_form_methods

from . import consultation_services as services
from . import permissions
from .consultation_forms import CommentForm, StatusFilter
from .consultation_selectors import comment_counts, latest_organisation, version_comments
from .models import Comment, Objective, SchemaVersion, Volet
from .view_helpers import require, version_or_404


def _initial_organisation(request: HttpRequest, version: SchemaVersion) -> dict:
    region = version.schema.region
    return latest_organisation(request.user, region.pk) or (
        {"organisation_name": _("ARS %(region)s") % {"region": region.name}}
        if permissions.can_resolve(request.user, version)
        else {}
    )


@require_safe
@login_required
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    status_filter = StatusFilter(request.GET)
    status = status_filter.status()
    comments = list(version_comments(version, status))
    can_reply = permissions.can_reply(request.user, version)
    initial = _initial_organisation(request, version) if can_reply else {}
    context = {
        "version": version,
        "status": status,
        "status_filter": status_filter,
        "counts": comment_counts(version),
        "rows": [
            (c, CommentForm(prefix_id=f"reply-{c.pk}", initial=initial) if can_reply else None)
            for c in comments
        ],
        "can_comment": permissions.can_comment(request.user, version),
        "can_resolve": permissions.can_resolve(request.user, version),
    }
    return render(request, "schema/consultation.html", context)


def _target(request: HttpRequest, version: SchemaVersion) -> dict:
    """The volet or objective named by ``?volet=`` / ``?objective=`` (or the POST), of this
    version; none: the version itself."""
    source = request.POST if request.method == "POST" else request.GET
    for name, model in (("volet", Volet), ("objective", Objective)):
        value = source.get(name)
        if value:
            if not value.isdigit():
                raise Http404
            return {name: get_object_or_404(model, pk=int(value), version=version)}
    return {}


@require_form_methods
@login_required
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_comment(request.user, version))
    target = _target(request, version)
    form = CommentForm(request.POST or None, initial=_initial_organisation(request, version))
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.comment_create(
                version=version, user=request.user, **target, **form.values()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Commentaire enregistré."))
            return _back(comment)
    status = 422 if request.method == "POST" else 200
    context = {
        "version": version,
        "form": form,
        "target_field": next(iter(target), None),
        "target": next(iter(target.values()), None),
    }
    return render(request, "schema/comment_form.html", context, status=status)


def _comment_or_404(pk: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("version__schema__region"), pk=pk)


def _back(comment: Comment) -> HttpResponse:
    anchor = f"#comment-{comment.parent_id or comment.pk}"
    return redirect(reverse("schema:consultation", args=[comment.version_id]) + anchor)


@require_POST
@login_required
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _comment_or_404(pk)
    require(permissions.can_reply(request.user, parent.version))
    form = CommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back(parent)
    try:
        services.reply(parent=parent, user=request.user, **form.values())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Réponse enregistrée."))
    return _back(parent)


def _resolution(request: HttpRequest, pk: int, change, done: str) -> HttpResponse:
    comment = _comment_or_404(pk)
    require(permissions.can_resolve(request.user, comment.version))
    try:
        change(comment=comment, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return _back(comment)


@require_POST
@login_required
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolution(request, pk, services.resolve, _("Commentaire marqué résolu."))


@require_POST
@login_required
def comment_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolution(request, pk, services.reopen, _("Commentaire rouvert."))
