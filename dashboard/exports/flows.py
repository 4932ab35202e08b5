"""The export of attractiveness and leakage per zone (``indicators.flows_services``): the same
function as the page, one row per zone, French headers and a row of codes (``writers``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core import provenance
from indicators.flows_services import ZoningFlows
from territories.models import Region

from .tables import CODE, INTEGER, NUMBER, TEXT, Column, Table, _export_stamp, _safe, source_rows

FLOW_KINDS = ("pmsi-codes-geo", "patient-flows")

COLUMNS = [
    Column("zone_code", gettext_lazy("Code de la zone"), CODE),
    Column("zone_name", gettext_lazy("Zone"), TEXT),
    Column("year", gettext_lazy("Année"), INTEGER),
    Column("activity", gettext_lazy("Activité"), TEXT),
    Column("resident_stays", gettext_lazy("Séjours des habitants de la zone"), NUMBER),
    Column("share_inside", gettext_lazy("Part soignée dans la zone"), NUMBER),
    Column("share_other_zones", gettext_lazy("Part soignée dans les autres zones"), NUMBER),
    Column("share_unzoned", gettext_lazy("Part soignée dans la région hors zonage"), NUMBER),
    Column("share_outside_region", gettext_lazy("Part soignée hors de la région"), NUMBER),
    Column("destinations", gettext_lazy("Autres zones de soins (part)"), TEXT),
    Column("establishment_stays", gettext_lazy("Séjours des établissements de la zone"), NUMBER),
    Column(
        "attractiveness", gettext_lazy("Attractivité (part des séjours venant d'hors zone)"), NUMBER
    ),
]


def flows_table(region: Region, result: ZoningFlows, user) -> Table:
    """Shares as fractions (0–1); an empty cell where a zone has no stays (unknown, not 0)."""
    rows = []
    for zone in result.zones:
        others = None
        if zone.share_inside is not None:
            others = sum(share for _c, _n, share in zone.destinations)
        rows.append(
            (
                zone.code,
                zone.name,
                result.year,
                result.activity,
                zone.resident_stays,
                zone.share_inside,
                others,
                zone.share_unzoned,
                zone.share_outside_region,
                "; ".join(f"{code} {share:.4f}" for code, _n, share in zone.destinations),
                zone.establishment_stays,
                zone.attractiveness,
            )
        )
    flows = result.flows
    sources = [e for e in provenance.collect(region_id=region.pk) if e.get("kind") in FLOW_KINDS]
    metadata = [
        (_("Région"), f"{region.code} {region.name}"),
        (_("Zonage"), result.zoning.name),
        (_("Année"), result.year),
        (_("Activité"), result.activity),
        (_("Année de la correspondance des codes géographiques"), flows.correspondence_year),
        (_("Cases masquées (secret statistique), hors des sommes"), flows.matrix.masked_cells),
        (_("Séjours de résidence inconnue, hors des sommes"), flows.unknown_residence),
        (
            _("Séjours dans des établissements non localisés, comptés hors région"),
            flows.unplaced_establishment,
        ),
        (_("Flux publiés au niveau de l'entité juridique"), flows.ej_flows),
        (_("Règle entité juridique"), _(EJ_RULE)),
        (_("Communes de la région hors de toute zone"), result.communes_in_no_zone),
        *source_rows(sources),
        *_export_stamp(user),
    ]
    stem = _safe(f"flux-{region.code}-{result.zoning.pk}-{result.year}-{result.activity}")
    return Table(stem=stem, columns=COLUMNS, rows=rows, metadata=metadata, sources=sources)


EJ_RULE = gettext_noop(
    "Les séjours publiés au niveau d'une entité juridique sont répartis à parts égales entre ses "
    "sites hospitaliers ouverts chargés, ou, à défaut, comptés dans la commune de l'entité."
)
