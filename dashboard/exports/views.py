"""Export views: read-only, login and region permission as on the pages (``dashboard.views``),
stored runs only. A filter the export cannot honour is a 400 with its reason.

Each export URL answers a GET with the file at once; the pages' links post the same URL to
``jobs.export_job_start`` instead, so that a long export runs on a worker behind a progress bar
(``job_views``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from dashboard.view_helpers import region_or_403

from . import build
from .tables import ExportError

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
}


def download_response(body: bytes, filename: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _answer(make: Callable[[], build.Download]) -> HttpResponse:
    try:
        download = make()
    except ExportError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    except build.NotFound as error:
        raise Http404 from error
    return download_response(download.body, download.filename, download.extension)


def _format(extension: str) -> str:
    if extension not in build.FORMATS:
        raise Http404
    return extension


@require_GET
@login_required
def indicator_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    """Stored values of the latest done run (or ``run``), filtered as the map or the API."""
    region = region_or_403(request, region_code)
    _format(extension)
    return _answer(lambda: build.indicator_export(region, request.user, extension, request.GET))


@require_GET
@login_required
def facility_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    """The region's facilities with the API's filters."""
    region = region_or_403(request, region_code)
    _format(extension)
    return _answer(lambda: build.facility_export(region, request.user, extension, request.GET))


@require_GET
@login_required
def territory_report(
    request: HttpRequest, region_code: str, kind: str, code: str, zoning_id: int | None = None
) -> HttpResponse:
    """The territory page as a PDF report (the region's latest done run, or ``run``)."""
    region = region_or_403(request, region_code)
    unit = {"kind": kind, "code": code, "zoning_id": zoning_id}
    return _answer(lambda: build.territory_report(region, request.user, unit, request.GET))
