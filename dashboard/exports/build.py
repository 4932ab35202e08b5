"""Build an export file from what its URL names: the same functions serve the synchronous
download (``views``) and the worker building a job (``jobs``), so both give the same bytes.

``progress`` receives a fraction in [0, 1] as the build goes; the stages are weighted by
where the time goes on a regional export (reading the values, writing the cells).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse

from dashboard import selectors, territory
from dashboard.views import read_selection
from sros.models import SchemaVersion
from territories.models import Region

from . import geo, report, tables, writers
from .schema_document import document_html, document_stem
from .tables import (
    ExportError,
    ValueQuery,
    export_run,
    facility_table,
    read_value_query,
    run_metadata,
    value_rows,
    value_stem,
    value_table,
)

Progress = Callable[[float], None]
TABLE_FORMATS, GEO_FORMATS = ("csv", "xlsx"), ("geojson", "gpkg")
FORMATS = (*TABLE_FORMATS, *GEO_FORMATS)


class NotFound(LookupError):
    """No done run, or no such territory: a 404 on the page, a failed job in a worker."""


@dataclass(frozen=True)
class Download:
    body: bytes
    stem: str
    extension: str
    #: the path of the document naming the file's sources (``views.export_sources``), given to
    #: a reader as ``Link: <…>; rel="describedby"`` (RFC 8288): the only place a CSV, whose
    #: first line must stay its header row, can name them
    sources_url: str = ""

    @property
    def filename(self) -> str:
        return f"{self.stem}.{self.extension}"


def _quiet(fraction: float) -> None:
    """The progress of a synchronous download: nobody is watching."""


def _part(progress: Progress, start: float, end: float) -> Progress:
    """``progress`` of a stage running from ``start`` to ``end`` of the whole."""
    return lambda fraction: progress(start + (end - start) * min(max(fraction, 0.0), 1.0))


def _run(region: Region, params: Mapping[str, str]):
    run = export_run(region, params.get("run"))
    if run is None:
        raise NotFound("no done run")
    return run


def _geo_query(region: Region, run, params: Mapping[str, str]) -> ValueQuery:
    """A map layer shows one indicator of one level: the map's own selection rule
    (``dashboard.views.read_selection``) fills what the query string leaves out."""
    query = read_value_query(region, params)
    levels = selectors.run_levels(run)
    selection = read_selection(params, levels, selectors.region_zonings(region))
    level = str(selection.level.pk) if selection.level else ""
    return ValueQuery(query.units, selection.indicator, level, query.department)


def _crs(extension: str, params) -> int:
    crs = geo.read_crs(params.get("crs"))
    if extension == "geojson" and crs != geo.WGS84:
        raise ExportError("GeoJSON (RFC 7946) : WGS84 seulement")
    return crs


def sources_url(region: Region, run=None) -> str:
    """The sources document of ``run``'s exports, or (no run) of the facility registry's."""
    url = reverse("dashboard:export_sources", args=[region.code])
    return f"{url}?run={run.pk}" if run is not None else url


def _geo(layer, metadata, stem: str, name: str, extension: str, params, *, sources, link):
    crs = _crs(extension, params)
    if extension == "geojson":
        body = geo.to_geojson(layer, metadata, sources)
    else:
        body = geo.to_gpkg(layer, metadata, sources, name=name, crs=crs)
    return Download(body, stem, extension, link)


def _table(table, extension: str, progress: Progress, link: str) -> Download:
    if extension == "csv":
        return Download(writers.to_csv(table, progress=progress), table.stem, extension, link)
    return Download(writers.to_xlsx(table, progress=progress), table.stem, extension, link)


# --- sizes: what decides whether an export may run in the request (``views``) ---------------


def indicator_rows(region: Region, extension: str, params: QueryDict) -> int:
    """The rows (CSV, XLSX) or features (GeoJSON, GeoPackage) the indicator export will have,
    counted in one query after the checks the build makes (ExportError, NotFound)."""
    run = _run(region, params)
    if extension in TABLE_FORMATS:
        return value_rows(run, read_value_query(region, params)).count()
    _crs(extension, params)
    return geo.layer_size(region, run, _geo_query(region, run, params))


def facility_rows(region: Region, extension: str, params: QueryDict) -> int:
    """The rows or points of the facility export, counted in one query."""
    if extension in GEO_FORMATS:
        _crs(extension, params)
    return tables.facility_rows(region, params).count()


def check_report(region: Region, unit: Mapping[str, object], params: QueryDict) -> None:
    """NotFound without a done run or without that territory."""
    _run(region, params)
    kind, code = str(unit["kind"]), str(unit["code"])
    if territory.find_unit(region, kind, code, unit.get("zoning_id")) is None:
        raise NotFound(f"no {kind} {code}")


def schema_version(region: Region, version_id: object) -> SchemaVersion | None:
    """The version of ``region``'s schema with that id, or None."""
    return (
        SchemaVersion.objects.select_related("schema__region", "default_zoning")
        .filter(pk=version_id, schema__region=region)
        .first()
    )


def check_schema_document(region: Region, version_id: object) -> None:
    """NotFound when ``region``'s schema has no version with that id."""
    if schema_version(region, version_id) is None:
        raise NotFound(f"no schema version {version_id} in region {region.code}")


# --- builds ---------------------------------------------------------------------------------


def indicator_export(
    region: Region, user, extension: str, params: QueryDict, progress: Progress = _quiet
) -> Download:
    """Stored values of the latest done run (or ``run``), filtered as the map or the API."""
    run = _run(region, params)
    if extension in TABLE_FORMATS:
        table = value_table(region, run, read_value_query(region, params), user)
        progress(0.3)
        return _table(table, extension, _part(progress, 0.3, 0.95), sources_url(region, run))
    query = _geo_query(region, run, params)
    simplified = params.get("simplified", "") in ("1", "true", "yes")
    layer = geo.value_layer(region, run, query, simplified=simplified)
    progress(0.6)
    metadata = run_metadata(region, run, query.shown(), user)
    stem = value_stem(region, run, query)
    sources, link = run.inputs_provenance, sources_url(region, run)
    return _geo(
        layer, metadata, stem, query.units.slug, extension, params, sources=sources, link=link
    )


def facility_export(
    region: Region, user, extension: str, params: QueryDict, progress: Progress = _quiet
) -> Download:
    """The region's facilities with the API's filters (kind, département, zone, level, status,
    search, ``in_bbox``)."""
    table = facility_table(region, params, user)
    progress(0.3)
    link = sources_url(region)
    if extension in TABLE_FORMATS:
        return _table(table, extension, _part(progress, 0.3, 0.95), link)
    layer = geo.facility_layer(table)
    name = "etablissements"
    return _geo(
        layer, table.metadata, table.stem, name, extension, params, sources=table.sources, link=link
    )


def territory_report(
    region: Region,
    user,
    unit: Mapping[str, object],
    params: QueryDict,
    progress: Progress = _quiet,
) -> Download:
    """The territory page (``unit``: kind, code and zoning id) as a PDF report."""
    run = _run(region, params)
    kind, code = str(unit["kind"]), str(unit["code"])
    found = territory.find_unit(region, kind, code, unit.get("zoning_id"))
    if found is None:
        raise NotFound(f"no {kind} {code}")
    levels = selectors.run_levels(run)
    html = report.report_html(run, found, levels, params.get("level"), user)
    progress(0.4)  # WeasyPrint's layout and drawing take the rest, in one call
    stem = f"diagnostic-{region.code}-{kind}-{code}-calcul{run.pk}"
    return Download(report.render_pdf(html), stem, "pdf", sources_url(region, run))


def schema_document(
    region: Region, user, version_id: object, progress: Progress = _quiet
) -> Download:
    """A version of the region's schema as its PDF document (``schema_document``)."""
    version = schema_version(region, version_id)
    if version is None:
        raise NotFound(f"no schema version {version_id} in region {region.code}")
    version.schema.region = region  # the job's region, with its département counts
    html = document_html(version, user)
    progress(0.3)  # WeasyPrint's layout and drawing take the rest, in one call
    body = report.render_pdf(html)
    return Download(body, document_stem(version), "pdf", sources_url(region))
