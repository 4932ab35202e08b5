"""The Imports page (issue 10 §4): every file imported, and one import in detail.

Who sees what (``access.roles.can_view_imports``): administrators see every import with its
counts and who ran it; whoever holds a role in a region sees the imports that touched it (and
the national files), with the rows of the file in their regions beside the file's counts. An
import the user may not see is a 404, as if it did not exist.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from access import roles

from . import selectors
from .models import ImportRecord
from .registry import IMPORTERS

PER_PAGE = 50


@require_safe
@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    if not roles.can_view_imports(request.user):
        raise PermissionDenied
    kind = request.GET.get("kind") or ""
    if kind not in IMPORTERS:
        kind = ""
    records = selectors.imports_visible_to(request.user, kind=kind or None)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    codes = selectors.reader_department_codes(request.user)
    rows = [
        {"record": record, "in_regions": None if codes is None else record.rows_in(codes)}
        for record in page
    ]
    context = {
        "rows": rows,
        "page": page,
        "kind": kind,
        "kinds": list(IMPORTERS),
        "is_admin": codes is None,
    }
    return render(request, "opendata/import_list.html", context)


@require_safe
@login_required
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    record = get_object_or_404(ImportRecord.objects.select_related("user"), pk=import_id)
    if not roles.can_view_imports(request.user, selectors.region_ids_of(record)):
        raise Http404
    codes = selectors.reader_department_codes(request.user)
    context = {
        "record": record,
        "is_admin": codes is None,
        "in_regions": None if codes is None else record.rows_in(codes),
        "departments": sorted(record.rows_by_department.items()),
        "changes": [
            (label, record.changes.get(key, {"total": 0, "keys": []}))
            for key, label in selectors.CHANGE_LABELS
        ],
    }
    return render(request, "opendata/import_detail.html", context)
