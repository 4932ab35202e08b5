"""The workflow actions of a schema version (submit, return to draft, adopt, archive).

The buttons are on the versions list and on the version page, shown to whoever
``workflow.available_transitions`` names (``sros.permissions.can_move_version``, the call the
server makes). Adopting and archiving cannot be undone: their button asks for a confirmation
page first, which says what the transition will do (« adopter la version 2 archivera la
version 1 »); the transition happens only on that page's confirmed POST, and only if its
effects are still the ones shown (``workflow.StaleConfirmation`` otherwise). The confirmation
is a plain form: it works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.http import require_form_methods

from . import permissions, workflow
from .forms import TransitionForm
from .models import SchemaVersion
from .view_helpers import require, version_or_404


def transition_buttons(version: SchemaVersion, user) -> list[tuple[str, str, bool]]:
    """(name, label, needs confirmation) of the transitions ``user`` may apply now."""
    return [
        (name, str(workflow.TRANSITIONS[name][0]), name in workflow.IRREVERSIBLE)
        for name in workflow.available_transitions(version, user)
    ]


def _back(version: SchemaVersion, where: str | None) -> str:
    if where == "version":
        return reverse("schema:version", args=[version.pk])
    return reverse("schema:region", args=[version.schema.region.code])


def _confirm_page(request, plan, *, comment="", back="", status=200) -> HttpResponse:
    form = TransitionForm(initial={"comment": comment, "expected": plan.token, "back": back})
    context = {
        "version": plan.version,
        "plan": plan,
        "form": form,
        "back_url": _back(plan.version, back),
    }
    return render(request, "schema/transition_confirm.html", context, status=status)


@require_form_methods
@login_required
def version_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """GET: the confirmation page. POST: the transition; an irreversible one POSTed without
    ``confirm`` answers the confirmation page instead."""
    version = version_or_404(pk)
    require(permissions.can_move_version(request.user, version))
    if name not in workflow.TRANSITIONS:
        raise Http404
    form = TransitionForm(request.POST if request.method == "POST" else None)
    back = request.POST.get("back") or request.GET.get("back") or ""
    back = back if back in dict(TransitionForm.BACK) else ""
    if request.method == "POST" and not form.is_valid():  # e.g. a comment over the limit
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_back(version, back))
    try:
        plan = workflow.transition_plan(version, name)
    except workflow.WorkflowError:
        return _impossible(request, version, back)
    comment = form.cleaned_data["comment"] if form.is_bound else ""
    if request.method != "POST" or (plan.needs_confirmation and "confirm" not in request.POST):
        return _confirm_page(request, plan, comment=comment, back=back)
    expected = form.cleaned_data["expected"] if plan.needs_confirmation else None
    try:
        workflow.version_transition(
            version, name, user=request.user, comment=comment, expected=expected
        )
    except workflow.StaleConfirmation:
        messages.warning(
            request,
            _("La situation a changé depuis votre confirmation : vérifiez ce que fera la "
              "transition et confirmez à nouveau."),
        )  # fmt: skip
        try:
            fresh = workflow.transition_plan(version_or_404(pk), name)
        except workflow.WorkflowError:
            return _impossible(request, version_or_404(pk), back)
        return _confirm_page(request, fresh, comment=comment, back=back, status=409)
    except workflow.WorkflowError:
        return _impossible(request, version_or_404(pk), back)
    messages.success(request, _("Version v%s : transition effectuée.") % version.number)
    return redirect(_back(version, back))


def _impossible(request: HttpRequest, version: SchemaVersion, back: str) -> HttpResponse:
    messages.error(
        request, _("Transition impossible depuis l'état « %s ».") % version.get_state_display()
    )
    return redirect(_back(version, back))
