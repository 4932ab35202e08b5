"""A schema version as the document an ARS publishes (issue 12 §2): its PRS/SRS laid out as a
PDF — a cover (region, schema, version, state, adoption date or « projet »), a table of
contents, each volet and its text, the OQOS tables as the arrêtés print them (one table per
activity, modality and mention: zone, minimum, maximum of implantations), the zoning maps with
their legend, the compliance of every objective (sites counted against its bounds, with a map)
and the sources (the files the counts read, the legal texts of the activities).

The maps are SVG drawn here from the zones' map geometry (``territories.shapes.zone_shapes``),
projected to Lambert 93 (``report.projector``): WeasyPrint fetches nothing but our static
files (``report.render_pdf``), so no tile ever leaves the machine. The figures are those of
the version page: objectives through ``sros.schema_selectors.version_objectives`` and their
compliance through ``sros.compliance.compliance_for``, computed when the file is built (the
document says when).

Layout (``static/dashboard/schema_document.css``): A4, the schema and version in every page's
header, « page n / N » at the foot, table rows never split across pages and the tables' heads
repeated; map labels are kept inside the map's box."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import provenance
from core.markdown import render_markdown
from facilities.catalogue import LegalText
from sros import compliance
from sros.compliance_map import NO_OBJECTIVE_COLOUR, STATUS_COLOURS
from sros.models import Objective, SchemaVersion
from sros.schema_selectors import version_objectives
from territories.models import Zone, Zoning
from territories.selectors import region_label
from territories.shapes import zone_shapes

from .report import SVG_STYLE, projector, render_pdf, svg_path

MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 560, 10
#: A version in these states is a « projet »: not adopted (yet).
PROJECT_STATES = (SchemaVersion.State.DRAFT, SchemaVersion.State.CONSULTATION)
#: A zone's number stays this far (px) inside the map's edges, so that no label is clipped.
LABEL_INSET = 11
#: Zone codes up to this long mark the zones on the maps; longer ones, their legend number.
MARK_LENGTH = 5
#: ColorBrewer « Set3 » (Cynthia Brewer, colorbrewer2.org): 12 qualitative colours that stay
#: distinct in print; zone n takes colour n modulo 12, its number tells neighbours apart.
ZONE_PALETTE = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
)  # fmt: skip


@dataclass(frozen=True)
class ObjectiveTable:
    """The objectives of one activity, modality and mention: one arrêté table."""

    anchor: str
    activity: object
    modality: str
    mention: str
    zoning: Zoning | None
    rows: list[tuple[Objective, compliance.Compliance]]

    @property
    def title(self) -> str:
        parts = [str(self.activity), self.modality, self.mention]
        return " – ".join(p for p in parts if p)


@dataclass(frozen=True)
class ZoningMap:
    anchor: str
    zoning: Zoning
    activities: list[str]
    svg: SafeString
    zones: list[dict]


def objective_tables(version: SchemaVersion) -> list[ObjectiveTable]:
    """The version's objectives grouped as the arrêté's tables, with their compliance (at most
    three queries for all of them, ``compliance_for``)."""
    objectives = list(version_objectives(version))
    results = compliance.compliance_for(objectives)
    tables = []
    key = lambda o: (o.activity_id, o.modality, o.mention)  # noqa: E731 - the grouping key
    for number, (_key, group) in enumerate(itertools.groupby(objectives, key), start=1):
        members = list(group)
        first = members[0]
        tables.append(
            ObjectiveTable(
                anchor=f"objectifs-{number}",
                activity=first.activity,
                modality=first.modality_label or first.modality,
                mention=first.mention_label or first.mention,
                zoning=first.zone.zoning,
                rows=[(o, results[o.pk]) for o in members],
            )
        )
    return tables


def used_zonings(version: SchemaVersion, tables: list[ObjectiveTable]) -> list[Zoning]:
    """The zonings the version uses: the default one, each activity's own, and any its
    objectives' zones belong to, in that order and once each."""
    found: dict[int, Zoning] = {}
    if version.default_zoning_id:
        found[version.default_zoning_id] = version.default_zoning
    for row in version.zonings.select_related("zoning").order_by("activity__order"):
        found.setdefault(row.zoning_id, row.zoning)
    for table in tables:
        if table.zoning is not None:
            found.setdefault(table.zoning.pk, table.zoning)
    return list(found.values())


# --- maps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectedZones:
    """A zoning's zones in order, their projected shapes and where each number is written."""

    zones: list[Zone]
    paths: dict[str, str]
    labels: dict[str, tuple[float, float]]


def project_zoning(zoning: Zoning) -> ProjectedZones:
    """The zoning's zones projected to the map's box (two queries)."""
    zones = list(zoning.zones.order_by("code").defer("geometry", "map_geometry"))
    shapes = zone_shapes(zoning)
    if not shapes:
        return ProjectedZones(zones, {}, {})
    lonlat = shapely.from_geojson([s.geometry for s in shapes])
    project = projector(tuple(shapely.total_bounds(lonlat)), MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN)
    projected = shapely.transform(lonlat, project)
    paths, labels = {}, {}
    for shape, geometry in zip(shapes, projected, strict=True):
        paths[shape.code] = svg_path(geometry)
        labels[shape.code] = _label_point(geometry)
    return ProjectedZones(zones, paths, labels)


def _label_point(geometry) -> tuple[float, float]:
    """A point inside the zone's largest part, kept ``LABEL_INSET`` inside the box."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    largest = max(parts, key=lambda part: part.area)
    point = shapely.point_on_surface(largest)
    x = float(np.clip(point.x, LABEL_INSET, MAP_WIDTH - LABEL_INSET))
    y = float(np.clip(point.y, LABEL_INSET, MAP_HEIGHT - LABEL_INSET / 2))
    return round(x, 1), round(y, 1)


def zone_marks(zones: list[Zone]) -> dict[str, str]:
    """What each zone is marked with on its maps: its code when every code is short (a
    département's « 69 », « Z1 »), else its number in the legend."""
    if all(len(z.code) <= MARK_LENGTH for z in zones):
        return {z.code: z.code for z in zones}
    return {z.code: str(n) for n, z in enumerate(zones, start=1)}


def zone_map_svg(projected: ProjectedZones, fills: Mapping[str, str], title: str) -> SafeString:
    """The zones filled with ``fills`` (zone code → colour), each marked as in its legend."""
    numbers = zone_marks(projected.zones)
    shapes = format_html_join(
        "",
        '<path d="{}" fill="{}"><title>{}</title></path>',
        (
            (projected.paths[z.code], fills.get(z.code, NO_OBJECTIVE_COLOUR), f"{z.code} {z.name}")
            for z in projected.zones
            if z.code in projected.paths
        ),
    )
    # Each number twice: a white halo under the dark figure (WeasyPrint has no paint-order).
    labels = format_html_join(
        "",
        '<text x="{0}" y="{1}" class="zone-halo">{2}</text>'
        '<text x="{0}" y="{1}" class="zone-number">{2}</text>',
        ((*projected.labels[code], n) for code, n in numbers.items() if code in projected.labels),
    )
    style = SafeString(
        SVG_STYLE.replace(
            "</style>",
            ".zone-number,.zone-halo{font-size:11px;font-weight:bold;text-anchor:middle;"
            "dominant-baseline:middle}.zone-halo{stroke:#fff;stroke-width:3px;fill:#fff}"
            ".zone-number{fill:#1b1b1b}</style>",
        )
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart zoning-map" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{title}</title>{style}'
        '<g stroke="#fff" stroke-width="1">{shapes}</g>{labels}'
        '<rect x=".5" y=".5" width="{iw}" height="{ih}" fill="none" stroke="#999" '
        'stroke-width=".5"/></svg>',
        w=MAP_WIDTH,
        h=MAP_HEIGHT,
        iw=MAP_WIDTH - 1,
        ih=MAP_HEIGHT - 1,
        title=title,
        style=style,
        shapes=shapes,
        labels=labels,
    )


def zoning_maps(
    version: SchemaVersion,
    tables: list[ObjectiveTable],
    projected: Callable[[Zoning], ProjectedZones],
) -> list[ZoningMap]:
    """One map per zoning the version uses, each zone in its own colour and numbered, and the
    activities whose objectives it carries."""
    maps = []
    for number, zoning in enumerate(used_zonings(version, tables), start=1):
        zones = projected(zoning)
        fills = {z.code: ZONE_PALETTE[i % len(ZONE_PALETTE)] for i, z in enumerate(zones.zones)}
        activities = list(
            dict.fromkeys(str(t.activity) for t in tables if t.zoning and t.zoning.pk == zoning.pk)
        )
        marks = zone_marks(zones.zones)
        legend = [
            {
                "mark": marks[z.code],
                "colour": fills[z.code],
                "zone": z,
                "drawn": z.code in zones.paths,
            }
            for z in zones.zones
        ]
        title = _("Zonage : %(name)s") % {"name": zoning.name}
        maps.append(
            ZoningMap(f"zonage-{number}", zoning, activities, zone_map_svg(zones, fills, title),
                      legend)
        )  # fmt: skip
    return maps


@dataclass(frozen=True)
class ComplianceSection:
    """One table's compliance: each objective's sites counted and status (with its colour),
    the statuses counted, how the sites were counted, and its map."""

    table: ObjectiveTable
    rows: list[tuple[Objective, compliance.Compliance, str]]
    counts: dict[str, int]
    method: str
    svg: SafeString | str


def compliance_section(table: ObjectiveTable, zones: ProjectedZones | None) -> ComplianceSection:
    """The table's compliance, its map colouring each zone by its objective's status."""
    rows = [(o, r, STATUS_COLOURS[r.status]) for o, r in table.rows]
    counts = {status: 0 for status in compliance.STATUS_LABELS}
    for _objective, result in table.rows:
        counts[result.status] += 1
    methods = {result.method for _objective, result in table.rows}
    method = methods.pop() if len(methods) == 1 else compliance.NO_DATA
    svg: SafeString | str = ""
    if zones is not None and zones.paths:
        fills = {o.zone.code: colour for o, _r, colour in rows}
        title = _("Conformité : %(title)s") % {"title": table.title}
        svg = zone_map_svg(zones, fills, title)
    return ComplianceSection(table, rows, counts, method, svg)


# --- the document -------------------------------------------------------------------------


def _legal_texts(tables: list[ObjectiveTable]) -> list[LegalText]:
    ids = {t.activity.legal_text_id for t in tables if t.activity.legal_text_id}
    return list(LegalText.objects.filter(pk__in=ids).order_by("signed_on", "code"))


def document_context(version: SchemaVersion, user) -> dict:
    """What ``dashboard/schema_document.html`` shows."""
    region = version.schema.region
    tables = objective_tables(version)
    kept: dict[int, ProjectedZones] = {}

    def projected(zoning: Zoning) -> ProjectedZones:
        if zoning.pk not in kept:
            kept[zoning.pk] = project_zoning(zoning)
        return kept[zoning.pk]

    maps = zoning_maps(version, tables, projected)
    sections = [compliance_section(t, projected(t.zoning) if t.zoning else None) for t in tables]
    volets = [
        (volet, render_markdown(volet.narrative))
        for volet in version.volets.select_related("theme", "pathway").prefetch_related(
            "activities"
        )
    ]
    sources = provenance.collect(region_id=region.pk)
    return {
        "version": version,
        "schema": version.schema,
        "region": region,
        "region_label": region_label(region),
        "is_project": version.state in PROJECT_STATES,
        "volets": volets,
        "tables": tables,
        "zoning_maps": maps,
        "compliance_sections": sections,
        "status_legend": [
            {"colour": STATUS_COLOURS[s], "label": compliance.STATUS_LABELS[s]}
            for s in (compliance.BELOW, compliance.WITHIN, compliance.ABOVE, compliance.UNKNOWN)
        ],
        "no_objective_colour": NO_OBJECTIVE_COLOUR,
        "sources": sources,
        "sources_statement": provenance.statement(sources),
        "legal_texts": _legal_texts(tables),
        "made_at": timezone.localtime(),
        "made_by": user,
    }


def document_html(version: SchemaVersion, user) -> str:
    return render_to_string("dashboard/schema_document.html", document_context(version, user))


def document_pdf(version: SchemaVersion, user) -> bytes:
    """The version as its PDF document."""
    return render_pdf(document_html(version, user))


def document_stem(version: SchemaVersion) -> str:
    """The file's name without extension: region, version number and state."""
    return f"schema-{version.schema.region.code}-v{version.number}-{version.state}"
