"""Exports of a level's catchments (``dashboard.catchment_layers``): the CSV of every commune of
the region with its nearest facility of the level, and the dissolved catchments as GeoJSON or
GeoPackage, with the metadata rows (level, travel-time provider, sources) of the other exports
(``writers``, ``geo.to_geojson``, ``geo.to_gpkg``)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import provenance
from territories.models import Commune, Region

from ..catchment_layers import CatchmentMap
from .geo import WGS84
from .tables import (
    CODE,
    INTEGER,
    NUMBER,
    TEXT,
    Column,
    Table,
    _export_stamp,
    _plain,
    _safe,
    source_rows,
)

COMMUNE_COLUMNS = [
    Column("commune_code", gettext_lazy("Code commune"), CODE),
    Column("commune_name", gettext_lazy("Commune"), TEXT),
    Column("population", gettext_lazy("Population"), INTEGER),
    Column("finess", gettext_lazy("FINESS de l'établissement le plus proche"), CODE),
    Column("facility_name", gettext_lazy("Établissement le plus proche"), TEXT),
    Column("minutes", gettext_lazy("Temps d'accès (min)"), NUMBER),
    Column("note", gettext_lazy("Remarque"), TEXT),
]

AREA_COLUMNS = ["finess", "name", "commune", "population", "communes"]


def _metadata(region: Region, result: CatchmentMap, user) -> tuple[list[tuple], list[dict]]:
    catchments = result.catchments
    sources = provenance.collect(region_id=region.pk)
    metadata = [
        (_("Région"), f"{region.code} {region.name}"),
        (_("Niveau de filière"), str(catchments.level)),
        (_("Établissements du niveau"), len(catchments.facilities)),
        (_("Temps de trajet"), _plain(catchments.provider)),
        (
            _("Règle"),
            _(
                "Chaque commune est rattachée à l'établissement du niveau le plus proche "
                "(temps d'accès minimal), où qu'il soit en France."
            ),
        ),
        (_("Communes sans point représentatif, non rattachées"), len(catchments.unplaced)),
        (_("Communes n'atteignant aucun établissement"), len(result.unreached)),
        *source_rows(sources),
        *_export_stamp(user),
    ]
    return metadata, sources


def _stem(region: Region, result: CatchmentMap) -> str:
    level = result.catchments.level
    return _safe(f"bassins-{region.code}-{level.pathway.code}-{level.rank}")


def catchment_table(region: Region, result: CatchmentMap, user) -> Table:
    """One row per commune of the region (by code): its nearest facility, or a note saying
    why it has none (no representative point; no facility reached)."""
    catchments = result.catchments
    facility_of = {}
    for area in result.areas:
        for code in area.codes:
            facility_of[code] = area
    minutes = dict(zip(catchments.commune_codes(), catchments.minutes.tolist(), strict=True))
    unplaced = set(catchments.unplaced)
    rows = []
    for code, name, population in (
        Commune.objects.filter(department__region=region)
        .order_by("code")
        .values_list("code", "name", "population")
    ):
        area = facility_of.get(code)
        if area is not None:
            note = ""
        elif code in unplaced:
            note = _("pas de point représentatif : non rattachée")
        else:
            note = _("aucun établissement du niveau atteint")
        value = minutes.get(code)
        rows.append(
            (
                code, name, population, area.finess if area else None,
                area.name if area else None,
                value if value is not None and np.isfinite(value) else None, note,
            )
        )  # fmt: skip
    metadata, sources = _metadata(region, result, user)
    return Table(
        stem=_stem(region, result), columns=COMMUNE_COLUMNS, rows=rows, metadata=metadata,
        sources=sources,
    )  # fmt: skip


def catchment_layer(region: Region, result: CatchmentMap, user):
    """The dissolved catchments as a GeoDataFrame, its metadata, sources and file stem."""
    frame = pd.DataFrame.from_records(
        [(a.finess, a.name, a.commune_name, a.population, len(a.codes)) for a in result.areas],
        columns=AREA_COLUMNS,
    )
    layer = gpd.GeoDataFrame(frame, geometry=[a.geometry for a in result.areas], crs=WGS84)
    metadata, sources = _metadata(region, result, user)
    return layer, metadata, sources, _stem(region, result)
