"""The objectives grid page (issue 12 §2): a version's OQOS edited in bulk, each row saved on
its own (``sros.objective_grid``). Plain forms: no JavaScript needed.

A submit that saves every edited row redirects back to the grid. Otherwise the grid is shown
again (409 when a row is stale, else 422): the rows saved show their new values, each refused
row keeps the user's input with its reason, and a stale row shows the other person's values
with the choice to keep them or re-apply one's own.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.http import require_form_methods

from . import objective_grid, permissions, services
from .objective_grid import Outcome
from .objective_grid_forms import FailedRow, GridChoices, grid_after_save
from .objective_grid_forms import objective_grid as grid_formset
from .view_helpers import require, version_or_404


def _page(request, version, grid, *, status=200, summary=None):
    context = {
        "version": version,
        "grid": grid,
        "summary": summary,
        "existing": grid.forms[: grid.initial_form_count()],
        "new": grid.forms[grid.initial_form_count() :],
    }
    return render(request, "schema/objective_grid.html", context, status=status)


@require_form_methods
@login_required
def objective_grid_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_edit_version(request.user, version))
    choices = GridChoices.for_version(version)
    if request.method != "POST":
        return _page(request, version, grid_formset(version, choices))
    posted = grid_formset(version, choices, data=request.POST)
    if not posted.management_form.is_valid():
        messages.error(request, _("Le tableau envoyé est incomplet : rechargez la page."))
        return _page(request, version, grid_formset(version, choices), status=400)

    failed, rows, forms_by_key, gone = [], [], {}, 0
    for form in posted.forms:
        if not form.edited():
            continue
        if form.gone:
            gone += 1
        elif not form.is_valid():
            failed.append(FailedRow(form))
        elif not form.keeps_theirs():
            row = form.grid_row()
            rows.append(row)
            forms_by_key[row.key] = form
    try:
        results = objective_grid.objectives_save(version, rows, user=request.user)
    except services.VersionReadOnly:
        messages.error(
            request, _("Cette version n'est plus un brouillon : rien n'a été enregistré.")
        )
        return redirect("schema:version", pk=version.pk)
    saved = sum(1 for result in results if result.saved)
    for result in results:
        if result.outcome == Outcome.GONE:
            gone += 1
        elif not result.saved:
            failed.append(FailedRow(forms_by_key[result.row.key], result))
    if not failed and not gone:
        messages.success(request, _saved_message(saved))
        return redirect("schema:objective_grid", pk=version.pk)

    grid, unplaced = grid_after_save(version, choices, failed)
    conflicts = sum(1 for row in failed if row.result and row.result.outcome == Outcome.CONFLICT)
    summary = {
        "saved": _saved_message(saved),
        "conflicts": conflicts,
        "invalid": len(failed) - conflicts - len(unplaced),
        "gone": gone + len(unplaced),
    }
    return _page(request, version, grid, status=409 if conflicts else 422, summary=summary)


def _saved_message(count: int) -> str:
    if count == 0:
        return _("Aucune modification à enregistrer.")
    return ngettext("%(count)d objectif enregistré.", "%(count)d objectifs enregistrés.", count) % {
        "count": count
    }
