"""Writes on zonings and zones. A zone's population and geometry are derived from its member
communes here, and only here, so that they never drift from the membership."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import geometry as geo
from .models import Commune, Region, Zone, ZoneMembership, Zoning


@transaction.atomic
def zone_refresh(zone: Zone) -> Zone:
    """Recompute ``zone``'s population (sum over member communes; a commune without a known
    population counts 0) and its geometries.

    ``geometry`` is the union of the members' full polygons (``geometry.dissolve``).
    ``map_geometry`` is the union of the members' map copies, which were simplified as one
    coverage at import: the zone keeps exactly the edges it shares with neighbouring zones.
    Members without a map copy fall back to simplifying the full union.
    """
    # WKB from the database straight into shapely: no GEOS object per member.
    members = list(
        zone.communes.annotate(full=AsWKB("geometry"), map=AsWKB("map_geometry")).values_list(
            "population", "full", "map"
        )
    )
    zone.population = sum(population or 0 for population, _g, _m in members)
    full = [shapely.from_wkb(bytes(g)) for _p, g, _m in members if g is not None]
    maps = [shapely.from_wkb(bytes(m)) for _p, _g, m in members if m is not None]
    if full:
        union = geo.dissolve(full)
        zone.geometry = geo.to_geos(union)
        if len(maps) == len(full):
            grid = 10.0**-settings.SROS_MAP_COORD_PRECISION
            map_union = geo.polygonal_part(shapely.set_precision(geo.dissolve(maps), grid))
            if map_union.is_empty or not map_union.is_valid:
                map_union = geo.simplify_one(union)
        else:
            map_union = geo.simplify_one(union)
        zone.map_geometry = geo.to_geos(map_union)
    else:
        zone.geometry = zone.map_geometry = None
    zone.save(update_fields=["population", "geometry", "map_geometry"])
    return zone


@transaction.atomic
def zone_set_communes(zone: Zone, communes: Iterable[Commune]) -> Zone:
    """Make ``communes`` the members of ``zone`` (replacing the previous ones), then refresh it.

    A commune already in another zone of the same zoning is refused: a zoning is a partition.
    """
    communes = list({commune.pk: commune for commune in communes}.values())
    taken = (
        ZoneMembership.objects.filter(zoning_id=zone.zoning_id, commune__in=communes)
        .exclude(zone=zone)
        .select_related("commune", "zone")
    )
    conflicts = [f"{m.commune} ({m.zone.code})" for m in taken]
    if conflicts:
        raise ValidationError(
            _("Commune(s) déjà dans une autre zone de ce zonage : %(communes)s"),
            code="commune_in_two_zones",
            params={"communes": ", ".join(sorted(conflicts))},
        )
    ZoneMembership.objects.filter(zone=zone).delete()
    ZoneMembership.objects.bulk_create(
        ZoneMembership(zoning_id=zone.zoning_id, zone=zone, commune=commune) for commune in communes
    )
    return zone_refresh(zone)


@transaction.atomic
def zoning_create(
    *,
    region: Region,
    name: str,
    kind: str,
    zones: Mapping[str, tuple[str, Sequence[str]]],
    description: str = "",
    status: str = Zoning.Status.IN_USE,
    proposal: Mapping | None = None,
) -> Zoning:
    """Create a zoning and its zones from ``{zone code: (zone name, [INSEE codes])}``;
    ``status`` and ``proposal`` for a zoning proposed from evidence (a draft, and how it was
    made: ``indicators.zoning_proposals``).

    Everything is checked before anything is written: an unknown commune code or a commune
    listed in two zones raises ``ValidationError`` and nothing is created.
    """
    if kind not in Zoning.Kind.values:
        raise ValidationError(
            _("Type de zonage inconnu : %(kind)s"), code="invalid_kind", params={"kind": kind}
        )
    if Zoning.objects.filter(region=region, name=name).exists():
        raise ValidationError(
            _("Un zonage nommé « %(name)s » existe déjà dans cette région."),
            code="duplicate_zoning",
            params={"name": name},
        )
    zone_of: dict[str, str] = {}
    clashes = []
    for zone_code, (_zone_name, codes) in zones.items():
        for code in codes:
            if code in zone_of and zone_of[code] != zone_code:
                clashes.append(f"{code} ({zone_of[code]}, {zone_code})")
            zone_of.setdefault(code, zone_code)
    if clashes:
        raise ValidationError(
            _("Commune(s) dans deux zones : %(communes)s"),
            code="commune_in_two_zones",
            params={"communes": ", ".join(sorted(clashes))},
        )
    communes = Commune.objects.only("id", "code").in_bulk(list(zone_of), field_name="code")
    unknown = sorted(set(zone_of) - set(communes))
    if unknown:
        raise ValidationError(
            _("Code(s) commune inconnu(s) : %(codes)s"),
            code="unknown_commune",
            params={"codes": ", ".join(unknown)},
        )
    zoning = Zoning.objects.create(
        region=region, name=name, kind=kind, description=description, status=status,
        proposal=dict(proposal or {}),
    )  # fmt: skip
    for zone_code, (zone_name, codes) in zones.items():
        zone = Zone.objects.create(zoning=zoning, code=zone_code, name=zone_name)
        zone_set_communes(zone, [communes[code] for code in codes])
    return zoning


@dataclass
class CompositionChange:
    """What ``zoning_replace_composition`` did, zone by zone."""

    zoning: Zoning
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@transaction.atomic
def zoning_replace_composition(
    *,
    region: Region,
    name: str,
    kind: str,
    zones: Mapping[str, tuple[str, Iterable[int]]],
) -> CompositionChange:
    """Make ``zones`` (``{zone code: (zone name, commune ids)}``) the whole composition of the
    zoning ``name`` of ``region``, creating it if needed: zones absent from ``zones`` are
    deleted, changed ones rewritten and refreshed (population, union of polygons), unchanged
    ones left alone, so that importing the same file twice writes nothing.

    The caller has checked that no commune is in two zones.
    """
    zoning, _created = Zoning.objects.get_or_create(
        region=region, name=name, defaults={"kind": kind}
    )
    if zoning.kind != kind:
        zoning.kind = kind
        zoning.save(update_fields=["kind"])
    change = CompositionChange(zoning)
    existing = {zone.code: zone for zone in zoning.zones.all()}
    members: dict[int, set[int]] = {zone.pk: set() for zone in existing.values()}
    for zone_id, commune_id in ZoneMembership.objects.filter(zoning=zoning).values_list(
        "zone_id", "commune_id"
    ):
        members[zone_id].add(commune_id)
    gone = [zone.pk for code, zone in existing.items() if code not in zones]
    change.removed = len(gone)
    Zone.objects.filter(pk__in=gone).delete()
    rewrite: list[tuple[Zone, set[int]]] = []
    for code, (zone_name, commune_ids) in zones.items():
        wanted = set(commune_ids)
        zone = existing.get(code)
        if zone is None:
            zone = Zone.objects.create(zoning=zoning, code=code, name=zone_name)
            change.created += 1
        elif zone.name == zone_name and members[zone.pk] == wanted:
            change.unchanged += 1
            continue
        else:
            if zone.name != zone_name:
                zone.name = zone_name
                zone.save(update_fields=["name"])
            change.updated += 1
        rewrite.append((zone, wanted))
    ZoneMembership.objects.filter(zone__in=[zone for zone, _ids in rewrite]).delete()
    ZoneMembership.objects.bulk_create(
        ZoneMembership(zoning=zoning, zone=zone, commune_id=commune_id)
        for zone, ids in rewrite
        for commune_id in sorted(ids)
    )
    for zone, _ids in rewrite:
        zone_refresh(zone)
    return change
