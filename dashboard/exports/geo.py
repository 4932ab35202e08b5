"""GeoJSON and GeoPackage exports: a choropleth layer (the units with the chosen indicator's
stored values joined) and the facilities as points, built as GeoDataFrames and written with
pyogrio."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.utils.translation import gettext as _

from core import provenance
from indicators.models import IndicatorRun
from territories import shapes as territory_shapes
from territories.models import Commune, Region, Zone
from territories.selectors import loaded_departments

from .tables import (
    FACILITY_COLUMNS,
    NUMBER,
    ExportError,
    Table,
    UnitKind,
    Units,
    ValueQuery,
    level_state_code,
    level_state_text,
    level_weight_code,
    level_weight_text,
    local,
    populations,
    unit_names,
    value_rows,
)

WGS84, LAMBERT93 = 4326, 2154
GEOJSON_DECIMALS = 6
LAYER_COLUMNS = ["code", "name", "run", "indicator", "pathway", "level", "level_state",
                 "level_note", "value", "population", "facility",
                 "population_weight"]  # fmt: skip


def _shapes(region: Region, units: Units, simplified: bool) -> list[tuple[str, object]]:
    """(code, shapely geometry) of the units: the map geometry (``dashboard.selectors``, the
    shapes the choropleth draws) or the full one."""
    if simplified:
        if units.kind == UnitKind.COMMUNE:
            shapes = territory_shapes.commune_shapes(region)
        elif units.kind == UnitKind.DEPARTMENT:
            shapes = territory_shapes.department_shapes(region)
        else:
            shapes = territory_shapes.zone_shapes(units.zoning)
        return [(s.code, shapely.from_geojson(s.geometry)) for s in shapes]
    rows = _units_with_geometry(region, units)
    rows = rows.annotate(wkb=AsWKB("geometry")).order_by("code")
    return [(code, shapely.from_wkb(bytes(wkb))) for code, wkb in rows.values_list("code", "wkb")]


def _units_with_geometry(region: Region, units: Units):
    if units.kind == UnitKind.COMMUNE:
        rows = Commune.objects.filter(department__region=region)
    elif units.kind == UnitKind.DEPARTMENT:
        rows = loaded_departments(region)
    else:
        rows = Zone.objects.filter(zoning=units.zoning)
    return rows.filter(geometry__isnull=False)


def _check_layer(query: ValueQuery) -> None:
    if query.units.kind == UnitKind.REGION:
        raise ExportError(_("Pas de couche géographique de la région : choisissez des unités."))


def layer_size(region: Region, run: IndicatorRun, query: ValueQuery) -> int:
    """How many features ``value_layer`` writes, counted in one query (whether the export may
    run in the request), with the same checks."""
    _check_layer(query)
    if query.department and query.units.kind == UnitKind.COMMUNE:
        return value_rows(run, query).count()
    return _units_with_geometry(region, query.units).count()


def value_layer(
    region: Region, run: IndicatorRun, query: ValueQuery, *, simplified: bool
) -> gpd.GeoDataFrame:
    """One feature per unit with a geometry, the query's single indicator joined (None where
    the run stored nothing, as on the map)."""
    _check_layer(query)
    stored = {v.unit_code: v for v in value_rows(run, query)}
    names = unit_names(region, query.units)
    population = populations(run, query.units)
    shapes = _shapes(region, query.units, simplified)
    if query.department and query.units.kind == UnitKind.COMMUNE:
        shapes = [(code, g) for code, g in shapes if code in stored]
    level_id = int(query.level) if query.level.isdigit() else None
    state = level_state_code(run, level_id) if level_id is not None else ""
    note = level_state_text(run, level_id) if state not in ("", "computed") else ""
    weight = level_weight_code(run, level_id)
    if level_id is not None and level_weight_text(run, level_id):
        note = " ; ".join(part for part in (note, level_weight_text(run, level_id)) if part)
    records = []
    for code, _geometry in shapes:
        value = stored.get(code)
        records.append(
            {
                "code": code,
                "name": names.get(code, ""),
                "run": run.pk,
                "indicator": query.indicator,
                "pathway": (value.pathway_code if value else None) or "",
                "level": (value.level_code if value else None) or "",
                "level_state": state,
                "level_note": note,
                "value": value.value if value else None,
                "population": population.get(code),
                "facility": (value.facility_finess if value else None) or "",
                "population_weight": weight,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=LAYER_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    frame["population"] = frame["population"].astype("float64")
    return gpd.GeoDataFrame(frame, geometry=[g for _c, g in shapes], crs=WGS84)


def facility_layer(table: Table) -> gpd.GeoDataFrame:
    """The facility table as points (facilities without a location keep an empty geometry)."""
    keys = [c.key for c in FACILITY_COLUMNS]
    frame = pd.DataFrame.from_records(table.rows, columns=keys)
    for column in FACILITY_COLUMNS:
        if column.kind == NUMBER:
            frame[column.key] = frame[column.key].astype("float64")
    frame["source_date"] = pd.to_datetime(frame["source_date"]).dt.date
    points = gpd.points_from_xy(frame["longitude"], frame["latitude"])
    points = np.where(frame["longitude"].isna(), None, points)
    return gpd.GeoDataFrame(frame, geometry=list(points), crs=WGS84)


def _metadata_dict(metadata: list[tuple]) -> dict[str, object]:
    return {
        str(label): local(value).isoformat(timespec="seconds") if hasattr(value, "tzinfo")
        and value is not None and not isinstance(value, str) else value
        for label, value in metadata
    }  # fmt: skip


def to_geojson(layer: gpd.GeoDataFrame, metadata: list[tuple], sources: list[dict]) -> bytes:
    """RFC 7946 GeoJSON (WGS84, 6 decimals, ~0.1 m) with two foreign members (RFC 7946 §6.1,
    which readers ignore): ``sources``, the provenance entries of the data (file, sha256,
    dates; ``[]`` when none was recorded), and ``sros_metadata``, the metadata rows, whose
    « Sources » says so in words."""
    layer = layer.to_crs(WGS84)
    layer = layer.set_geometry(
        shapely.transform(layer.geometry.values, lambda xy: np.round(xy, GEOJSON_DECIMALS))
    )
    data = layer.to_geo_dict(na="null", drop_id=True)
    collection = {
        "type": "FeatureCollection",
        "sources": sources,
        "sros_metadata": _metadata_dict(metadata),
    }
    collection["features"] = data["features"]
    return json.dumps(collection, ensure_ascii=False, default=str).encode("utf-8")


#: The columns of a GeoPackage's « sources » table: the ``core.provenance`` entry keys.
SOURCE_COLUMNS = ["kind", "file", "sha256", "source_date", "source_version", "imported_at",
                  "import_id"]  # fmt: skip


def to_gpkg(
    layer: gpd.GeoDataFrame, metadata: list[tuple], sources: list[dict], *, name: str, crs: int
) -> bytes:
    """A GeoPackage of the layer (EPSG:4326 or 2154) and two non-spatial tables: « metadonnees »
    (the metadata rows, « Sources » among them) and « sources » (one row per input file,
    empty when none was recorded). The layer's own metadata names the sources too, where
    GeoPackage readers look: GDAL writes ``DESCRIPTION`` into ``gpkg_contents.description``
    and the other items into the metadata extension's ``gpkg_metadata`` /
    ``gpkg_metadata_reference`` tables (OGC GeoPackage 1.3, annex F.8)."""
    table = pd.DataFrame(
        [(str(k), str(v)) for k, v in _metadata_dict(metadata).items()], columns=["cle", "valeur"]
    )
    described = {
        "DESCRIPTION": provenance.statement(sources),
        "SROS_SOURCES": json.dumps(sources, ensure_ascii=False),
    }
    files = pd.DataFrame(
        [[_text(entry.get(key)) for key in SOURCE_COLUMNS] for entry in sources],
        columns=SOURCE_COLUMNS,
        dtype=object,
    )
    with tempfile.TemporaryDirectory(prefix="sros-export-") as tmp:
        path = Path(tmp) / "export.gpkg"
        pyogrio.write_dataframe(
            layer.to_crs(crs), path, layer=name, driver="GPKG", layer_metadata=described
        )
        pyogrio.write_dataframe(table, path, layer="metadonnees", driver="GPKG", append=False)
        pyogrio.write_dataframe(files, path, layer="sources", driver="GPKG", append=False)
        return path.read_bytes()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def read_crs(value: str | None) -> int:
    if value in (None, "", "4326"):
        return WGS84
    if value == "2154":
        return LAMBERT93
    message = _("Système de coordonnées non proposé : %(crs)s (4326 ou 2154)")
    raise ExportError(message % {"crs": value})
