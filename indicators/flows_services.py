"""Attractiveness and leakage per zone of a zoning, for one year and activity (issue 13 §3):
the share of a zone's residents' stays treated in the zone, in each other zone of the region,
in the region outside every zone and outside the region; and the share of the zone's
establishments' stays coming from outside the zone. The formulas are in
``indicators.engine.flows``; the matrix and its rules in ``flows_selectors``.

Read on demand: the figures are sums of the imported flows, not a model run, so nothing is
stored; the page and the export read the same function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from territories.models import Zone, ZoneMembership, Zoning

from .engine.flows import zone_flows
from .flows_selectors import RegionFlows, region_flows


@dataclass
class ZoneRow:
    code: str
    name: str
    resident_stays: float
    share_inside: float | None
    share_unzoned: float | None
    share_outside_region: float | None
    establishment_stays: float
    attractiveness: float | None
    #: (zone code, zone name, share of the residents' stays) of the other zones, largest first
    destinations: list[tuple[str, str, float]] = field(default_factory=list)


@dataclass
class ZoningFlows:
    zoning: Zoning
    year: int
    activity: str
    zones: list[ZoneRow]
    flows: RegionFlows
    communes_in_no_zone: int


def _share(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def zoning_flows(zoning: Zoning, year: int, activity: str) -> ZoningFlows | None:
    """The flows of every zone of ``zoning``; None when no flows are loaded for its region,
    that year and activity (then the page says so)."""
    flows = region_flows(zoning.region.code, year, activity)
    if flows is None:
        return None
    codes = flows.matrix.commune_codes
    zones = list(
        Zone.objects.filter(zoning=zoning).order_by("code").values_list("id", "code", "name")
    )
    zone_at = {pk: i for i, (pk, _c, _n) in enumerate(zones)}
    commune_at = {code: i for i, code in enumerate(codes)}
    zone_of = np.full(len(codes), -1)
    for code, zone_id in ZoneMembership.objects.filter(zoning=zoning).values_list(
        "commune__code", "zone_id"
    ):
        if code in commune_at:
            zone_of[commune_at[code]] = zone_at[zone_id]
    result = zone_flows(flows.matrix.stays, flows.matrix.outside, flows.inflow, zone_of, len(zones))
    rows = []
    for a, (_pk, code, name) in enumerate(zones):
        destinations = [
            (zones[b][1], zones[b][2], float(result.to_zone[a, b]))
            for b in np.argsort(-np.nan_to_num(result.to_zone[a]), kind="stable")
            if b != a and result.to_zone[a, b] > 0
        ]
        rows.append(
            ZoneRow(
                code=code,
                name=name,
                resident_stays=float(result.resident_stays[a]),
                share_inside=_share(result.share_inside[a]),
                share_unzoned=_share(result.share_unzoned[a]),
                share_outside_region=_share(result.share_outside_region[a]),
                establishment_stays=float(result.establishment_stays[a]),
                attractiveness=_share(result.attractiveness[a]),
                destinations=destinations,
            )
        )
    return ZoningFlows(
        zoning=zoning,
        year=year,
        activity=activity,
        zones=rows,
        flows=flows,
        communes_in_no_zone=int((zone_of < 0).sum()),
    )
