"""The demo's groupings, made once the files are loaded: a GHT and a schema zoning."""

import numpy as np

from .territories import DEPARTMENTS, REGION_CODE

ZONING_NAME = "Zones du schéma (fictives)"
ZONE_NAMES = ["Nord-Ouest", "Nord", "Nord-Est", "Sud-Ouest", "Sud", "Sud-Est"]


def _six_zones(communes) -> dict[str, tuple[str, list[str]]]:
    """Six zones: longitude terciles × latitude halves of the communes' points."""
    lon = np.array([c.point.x for c in communes])
    lat = np.array([c.point.y for c in communes])
    column = np.digitize(lon, np.quantile(lon, [1 / 3, 2 / 3]))
    row = (lat < np.median(lat)).astype(int)
    zones: dict[str, tuple[str, list[str]]] = {}
    for index, name in enumerate(ZONE_NAMES):
        members = (row * 3 + column) == index
        zones[f"Z{index + 1}"] = (
            f"{name} (fictif)",
            [c.code for c, inside in zip(communes, members, strict=True) if inside],
        )
    return zones


def create_demo_groupings() -> list[str]:
    """The demo's GHT (the legal entity of its CHR as support, those of the public hospitals
    as members) and a schema zoning of six zones (each département split at its median
    longitude)."""
    from facilities.models import Facility
    from facilities.services import facility_group_save
    from territories.models import Commune, Region, Zoning
    from territories.services import zoning_create

    public = Facility.objects.filter(
        commune__department__region__code=REGION_CODE,
        kind__in=["chu", "ch", "psychiatrie"],
        sector="public",
    )
    support = public.get(kind="chu")
    group = facility_group_save(
        kind="ght",
        code="GHT-DEMO",
        name="GHT fictif de démonstration",
        support_finess_ej=support.finess_ej,
        member_finess_ejs=[f.finess_ej for f in public],
    )
    # The zoning is derived from the loaded communes, which a re-run leaves unchanged.
    zoning = Zoning.objects.filter(region__code=REGION_CODE, name=ZONING_NAME).first()
    if zoning is None:
        communes = list(Commune.objects.filter(department__code=DEPARTMENTS[0][0]))
        zoning = zoning_create(
            region=Region.objects.get(code=REGION_CODE),
            name=ZONING_NAME,
            kind="schema",
            zones=_six_zones(communes),
        )
    return [
        f"{group.name}: {group.members.count()} members",
        f"{zoning.name}: {zoning.zones.count()} zones",
    ]
