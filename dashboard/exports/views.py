"""Export views: read-only, login and region permission as on the pages (``dashboard.views``),
stored runs only. A filter the export cannot honour is a 400 with its reason.

Exports never run long in a web worker. A GET of a CSV or GeoJSON of at most
``SROS_EXPORT_INLINE_MAX_ROWS`` rows answers the file at once; XLSX, GeoPackage and PDF, and
bigger CSV/GeoJSON, answer ``303 See Other`` to a job built by a Celery worker, whose URL leads
a script to the file (``job_views.export_job_page``), so ``curl -L`` still ends with the file.
Filters are checked before either answer: a bad one is a 400 at once, never a failed job. The
pages' links post the same URL to ``job_views.export_job_start`` and show a progress bar."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.views.decorators.http import require_safe

from core import provenance
from dashboard.view_helpers import region_or_403
from territories.models import Region
from territories.selectors import region_label

from . import build, jobs
from .tables import ExportError, export_run, facility_sources

#: The formats a GET may build in the request, when small enough; the others always use a job.
INLINE_FORMATS = ("csv", "geojson")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
}


def download_response(
    body: bytes, filename: str, extension: str, *, request: HttpRequest, sources_url: str = ""
) -> HttpResponse:
    """The file as an attachment; ``sources_url`` (the document naming its sources) as a
    ``Link: <…>; rel="describedby"`` header (RFC 8288; "describedby" is POWDER's registered
    relation), which a script reads without opening the file."""
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    if sources_url:
        link = request.build_absolute_uri(sources_url)
        response["Link"] = f'<{link}>; rel="describedby"; type="application/json"'
    return response


def _answer(request: HttpRequest, make: Callable[[], build.Download]) -> HttpResponse:
    try:
        download = make()
    except ExportError as error:
        return _bad_request(error)
    except build.NotFound as error:
        raise Http404 from error
    return download_response(
        download.body,
        download.filename,
        download.extension,
        request=request,
        sources_url=download.sources_url,
    )


class HttpResponseSeeOther(HttpResponseRedirect):
    """``303``: the answer is elsewhere, fetched with a GET (what ``curl -L`` follows)."""

    status_code = 303


def _bad_request(error: ExportError) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def _inline_or_job(
    request: HttpRequest,
    region: Region,
    extension: str,
    size: Callable[[], int | None],
    make: Callable[[], build.Download],
) -> HttpResponse:
    """The file at once when the format is light and ``size()`` (rows, checked filters) is
    small; otherwise a job and ``303`` to it."""
    try:
        rows = size()
    except ExportError as error:
        return _bad_request(error)
    except build.NotFound as error:
        raise Http404 from error
    if extension in INLINE_FORMATS and rows <= settings.SROS_EXPORT_INLINE_MAX_ROWS:
        return _answer(request, make)
    try:
        export = jobs.read_export_url(request.get_full_path_info())
        job = jobs.export_job_create(user=request.user, region=region, request=export)
    except ExportError as error:
        return _bad_request(error)
    return HttpResponseSeeOther(reverse("dashboard:export_job", args=[job.pk]))


def _format(extension: str) -> str:
    if extension not in build.FORMATS:
        raise Http404
    return extension


@require_safe
@login_required
def export_sources(request: HttpRequest, region_code: str) -> HttpResponse:
    """The sources of a run's exports (``?run=``), or without ``run`` those of the facility
    registry as loaded now: the JSON document an export's ``Link: rel="describedby"`` names.
    ``sources`` lists the ``core.provenance`` entries (``[]`` when none was recorded) and
    ``statement`` says them in words, or that none was recorded."""
    region = region_or_403(request, region_code)
    run = None
    if request.GET.get("run"):
        try:
            run = export_run(region, request.GET["run"])
        except ExportError as error:
            return _bad_request(error)
        if run is None:
            raise Http404
        entries = run.inputs_provenance
    else:
        entries = facility_sources(region)
    document = {
        "region": region.code,
        "region_label": region_label(region),
        "run": run.pk if run else None,
        "statement": provenance.statement(entries),
        "sources": entries,
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def indicator_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    """Stored values of the latest done run (or ``run``), filtered as the map or the API."""
    region = region_or_403(request, region_code)
    _format(extension)
    return _inline_or_job(
        request,
        region,
        extension,
        lambda: build.indicator_rows(region, extension, request.GET),
        lambda: build.indicator_export(region, request.user, extension, request.GET),
    )


@require_safe
@login_required
def facility_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    """The region's facilities with the API's filters."""
    region = region_or_403(request, region_code)
    _format(extension)
    return _inline_or_job(
        request,
        region,
        extension,
        lambda: build.facility_rows(region, extension, request.GET),
        lambda: build.facility_export(region, request.user, extension, request.GET),
    )


@require_safe
@login_required
def territory_report(
    request: HttpRequest, region_code: str, kind: str, code: str, zoning_id: int | None = None
) -> HttpResponse:
    """The territory page as a PDF report (the region's latest done run, or ``run``): always
    a job."""
    region = region_or_403(request, region_code)
    unit = {"kind": kind, "code": code, "zoning_id": zoning_id}
    return _inline_or_job(
        request,
        region,
        "pdf",
        lambda: build.check_report(region, unit, request.GET),
        lambda: build.territory_report(region, request.user, unit, request.GET),
    )


@require_safe
@login_required
def schema_document(request: HttpRequest, region_code: str, version_id: int) -> HttpResponse:
    """A version of the region's schema as its PDF document: always a job. Whoever may view
    the region may view its schema's versions (``sros.permissions.can_view_version``)."""
    region = region_or_403(request, region_code)
    return _inline_or_job(
        request,
        region,
        "pdf",
        lambda: build.check_schema_document(region, version_id),
        lambda: build.schema_document(region, request.user, version_id),
    )
