"""Export views: read-only, login and region permission as on the pages (``dashboard.views``),
stored runs only. A filter the export cannot honour is a 400 with its reason."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from dashboard import selectors, territory
from dashboard.views import _region, read_selection
from territories.models import Region

from . import geo, report, writers
from .tables import (
    ExportError,
    ValueQuery,
    export_run,
    facility_table,
    read_value_query,
    run_metadata,
    value_stem,
    value_table,
)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
}


TABLE_FORMATS, GEO_FORMATS = ("csv", "xlsx"), ("geojson", "gpkg")


def _format(extension: str) -> str:
    if extension not in (*TABLE_FORMATS, *GEO_FORMATS):
        raise Http404
    return extension


def _download(body: bytes, stem: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _geo_query(request: HttpRequest, region: Region, run) -> ValueQuery:
    """A map layer shows one indicator of one level: the map's own selection rule
    (``dashboard.views.read_selection``) fills what the query string leaves out."""
    query = read_value_query(region, request.GET)
    levels = selectors.run_levels(run)
    selection = read_selection(request.GET, levels, selectors.region_zonings(region))
    level = str(selection.level.pk) if selection.level else ""
    return ValueQuery(query.units, selection.indicator, level, query.department)


def _bad(error: ExportError) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


@require_GET
@login_required
def indicator_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    """Stored values of the latest done run (or ``run``), filtered as the map or the API."""
    region = _region(request, region_code)
    _format(extension)
    try:
        run = export_run(region, request.GET.get("run"))
        if run is None:
            raise Http404
        if extension in TABLE_FORMATS:
            table = value_table(region, run, read_value_query(region, request.GET), request.user)
            body = writers.to_csv(table) if extension == "csv" else writers.to_xlsx(table)
            return _download(body, table.stem, extension)
        query = _geo_query(request, region, run)
        simplified = request.GET.get("simplified", "") in ("1", "true", "yes")
        layer = geo.value_layer(region, run, query, simplified=simplified)
        metadata = run_metadata(region, run, query.shown(), request.user)
        stem = value_stem(region, run, query)
        return _geo_download(request, layer, metadata, stem, query.units.slug)
    except ExportError as error:
        return _bad(error)


def _geo_download(request, layer, metadata, stem: str, name: str) -> HttpResponse:
    crs = geo.read_crs(request.GET.get("crs"))
    if request.resolver_match.kwargs["extension"] == "geojson":
        if crs != geo.WGS84:
            raise ExportError("GeoJSON (RFC 7946) : WGS84 seulement")
        return _download(geo.to_geojson(layer, metadata), stem, "geojson")
    return _download(geo.to_gpkg(layer, metadata, name=name, crs=crs), stem, "gpkg")


@require_GET
@login_required
def facility_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    """The region's facilities with the API's filters (kind, département, zone, level, status,
    search, ``in_bbox``)."""
    region = _region(request, region_code)
    _format(extension)
    try:
        table = facility_table(region, request.GET, request.user)
        if extension == "csv":
            return _download(writers.to_csv(table), table.stem, "csv")
        if extension == "xlsx":
            return _download(writers.to_xlsx(table), table.stem, "xlsx")
        return _geo_download(request, geo.facility_layer(table), table.metadata, table.stem,
                             "etablissements")  # fmt: skip
    except ExportError as error:
        return _bad(error)


@require_GET
@login_required
def territory_report(
    request: HttpRequest, region_code: str, kind: str, code: str, zoning_id: int | None = None
) -> HttpResponse:
    """The territory page as a PDF report (the run's latest done run, or ``run``)."""
    region = _region(request, region_code)
    try:
        run = export_run(region, request.GET.get("run"))
    except ExportError as error:
        return _bad(error)
    unit = territory.find_unit(region, kind, code, zoning_id)
    if run is None or unit is None:
        raise Http404
    levels = selectors.run_levels(run)
    html = report.report_html(run, unit, levels, request.GET.get("level"), request.user)
    stem = f"diagnostic-{region.code}-{kind}-{code}-calcul{run.pk}"
    return _download(report.render_pdf(html), stem, "pdf")
