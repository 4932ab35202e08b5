"""The Imports page (issue 10 §4): every file imported, and one import in detail; the upload
of a file and its import's progress (issue 12 §2, ``opendata.uploads``).

Who sees what (``access.roles.can_view_imports``): administrators see every import with its
counts and who ran it; whoever holds a role in a region sees the imports that touched it (and
the national files), with the rows of the file in their regions beside the file's counts. An
import the user may not see is a 404, as if it did not exist.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from access import roles
from core.workers import UNAVAILABLE, BrokerUnavailable

from . import selectors, uploads
from .forms import UploadForm
from .models import ImportRecord, ImportUpload
from .registry import IMPORTERS, REGION_KINDS

PER_PAGE = 50


@require_safe
@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    if not roles.can_view_imports(request.user):
        raise PermissionDenied
    return _import_list(request, _upload_form(request))


def _upload_form(request: HttpRequest, data=None, files=None) -> UploadForm | None:
    if not roles.can_upload_import(request.user):
        return None
    return UploadForm(data, files, user=request.user)


def _import_list(request: HttpRequest, form: UploadForm | None, status: int = 200) -> HttpResponse:
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
        "form": form,
        "uploads": selectors.recent_uploads(request.user),
    }
    return render(request, "opendata/import_list.html", context, status=status)


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


@require_POST
@login_required
def upload_start(request: HttpRequest) -> HttpResponse:
    """Store the posted file and hand it to a worker; its page shows the import's progress."""
    kind, region = request.POST.get("kind", ""), request.POST.get("region", "")
    if not roles.can_upload_import(
        request.user,
        region_scoped=kind in REGION_KINDS or kind not in IMPORTERS,  # unknown: the form says
        region=int(region) if region.isdigit() else None,
    ):
        raise PermissionDenied
    form = _upload_form(request, request.POST, request.FILES)
    if not form.is_valid():
        return _import_list(request, form, status=400)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            upload = uploads.upload_create(
                user=request.user,
                kind=data["kind"],
                name=data["file"].name,
                chunks=data["file"].chunks(),
                region=data.get("region"),
                options=form.importer_options(),
            )
    except BrokerUnavailable:
        return HttpResponse(str(UNAVAILABLE), status=503, content_type="text/plain; charset=utf-8")
    return redirect("opendata:upload_detail", upload.pk)


def _upload(request: HttpRequest, upload_id) -> ImportUpload:
    upload = (
        ImportUpload.objects.defer("content")
        .select_related("region", "record", "user")
        .filter(pk=upload_id)
        .first()
    )
    if upload is None or not roles.can_view_upload(request.user, upload.user_id):
        raise Http404
    return upload


def upload_state(upload: ImportUpload) -> dict:
    """The upload as its progress bar reads it."""
    return {
        "id": str(upload.pk),
        "status": upload.status,
        "status_label": str(upload.get_status_display()),
        "stage_label": str(selectors.UPLOAD_STAGES.get(upload.stage, "")),
        "progress": upload.progress,
        "error": upload.error,
        "record_url": (
            reverse("opendata:import_detail", args=[upload.record_id]) if upload.record_id else None
        ),
    }


@require_safe
@login_required
def upload_detail(request: HttpRequest, upload_id) -> HttpResponse:
    upload = _upload(request, upload_id)
    uploads.uploads_fail_expired()
    context = {
        "upload": upload,
        "state": upload_state(upload),
        "record": upload.record,
        "progress_url": reverse("opendata:upload_progress", args=[upload.pk]),
    }
    return render(request, "opendata/upload_detail.html", context)


@require_safe
@login_required
def upload_progress(request: HttpRequest, upload_id) -> JsonResponse:
    return JsonResponse(upload_state(_upload(request, upload_id)))
