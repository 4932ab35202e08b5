"""Zonings proposed from evidence, "natural territories" (issue 13 §3; docs/natural-territories.md).

A proposal partitions a region's communes into contiguous zones that keep as many stays as
possible inside, by the engine's contiguity-constrained hierarchical aggregation
(``engine.regionalisation.propose_zones``, in the Intramax family) on the communes' rook
adjacency (``territories.selectors.commune_adjacency``), stopped by a minimum population per
zone or a number of zones. Its inputs:

* **Flows** when the region has patient flows loaded (``flows_selectors.commune_flow_matrix``:
  stays of residents of commune i treated in commune j);
* otherwise a **surrogate**, said as such wherever the proposal is shown: every commune sends
  its population to the commune of its nearest facility of a chosen pathway level
  (``catchments.level_catchments``, crow-fly unless told), i.e. the zones are built from
  nearest-facility catchments instead of observed stays.

Rules: communes without a polygon have no neighbours and no place: they are left out of the
proposal and named in it. Islands and detached groups are linked to the nearest commune outside
them by centroid distance (``engine.regionalisation.connect_components``), the number of links
is kept. Zones are named after their most populous commune.

The proposal is saved as a draft zoning (``Zoning.Status.DRAFT``, ``Zoning.proposal``: method,
parameters, inputs, timings and each zone's internal-flow share, with the same figure for the
zones of the zoning it is compared with, on the same inputs) that a schema version may use like
any other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy import sparse

from pathways.models import Level
from territories.models import Commune, Region, ZoneMembership, Zoning
from territories.selectors import CommuneAdjacency, commune_adjacency
from territories.services import zoning_create

from .catchments import level_catchments
from .engine.regionalisation import adjacency_from_pairs, internal_share, propose_zones
from .engine.travel import TravelTimeProvider
from .flows_selectors import commune_flow_matrix, flow_editions

METHOD = "contiguous-intramax"
#: With a number of zones only, a population floor of the mean zone population / 4 is applied
#: first (halved until the number is reached): merging by flows alone leaves communes whose
#: stays all leave the region as one-commune zones, since no merge keeps any of their stays.
FLOOR_DIVISOR = 4
#: The source kinds of a proposal's stays.
FLOWS, CATCHMENTS = "flows", "catchments"


@dataclass(frozen=True)
class ProposalInputs:
    """What a proposal is computed on, communes in ``adjacency`` order."""

    adjacency: CommuneAdjacency
    population: np.ndarray
    stays: sparse.csr_matrix
    source: dict[str, Any]


def _flows_stays(region: Region, adjacency: CommuneAdjacency, edition) -> tuple | None:
    """The flow matrix of ``edition`` (or of the newest edition touching the region) in
    adjacency order, and its description; None when no flows concern the region."""
    editions = [edition] if edition else flow_editions()
    for year, activity in editions:
        matrix = commune_flow_matrix(region.code, year, activity)
        if matrix is None:
            continue
        position = {code: i for i, code in enumerate(adjacency.codes)}
        keep = np.array([code in position for code in matrix.commune_codes], dtype=bool)
        order = np.array([position[c] for c in matrix.commune_codes if c in position])
        stays = matrix.stays.tocsr()[keep][:, keep].tocoo()
        n = len(adjacency)
        stays = sparse.csr_matrix((stays.data, (order[stays.row], order[stays.col])), shape=(n, n))
        source = {
            "kind": FLOWS,
            "year": year,
            "activity": activity,
            "stays": float(stays.sum()),
            "stays_outside_region": float(matrix.outside.sum()),
            "masked_cells": matrix.masked_cells,
        }
        return stays, source
    return None


def _catchment_stays(
    region: Region, adjacency: CommuneAdjacency, population: np.ndarray, level: Level, provider
) -> tuple:
    """The surrogate: each commune's population sent to the commune of its nearest facility of
    ``level`` (nothing where that facility is outside the region or none is reached)."""
    catchments = level_catchments(region, level, provider)
    position = {code: i for i, code in enumerate(adjacency.codes)}
    id_position = {int(cid): i for i, cid in enumerate(adjacency.commune_ids)}
    facility_commune = np.append(catchments.facilities.commune_ids, -1)[catchments.facility]
    rows, cols = [], []
    for code, commune_id in zip(catchments.commune_codes(), facility_commune, strict=True):
        i, j = position.get(code), id_position.get(int(commune_id))
        if i is not None and j is not None:
            rows.append(i)
            cols.append(j)
    n = len(adjacency)
    rows_a, cols_a = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    stays = sparse.csr_matrix((population[rows_a], (rows_a, cols_a)), shape=(n, n))
    source = {
        "kind": CATCHMENTS,
        "level_id": level.pk,
        "level": str(level),
        "provider": catchments.provider,
        "level_state": catchments.level_state,
        "facilities": len(catchments.facilities),
        "communes_without_facility": int((catchments.facility < 0).sum()),
        "communes_attached_outside": len(catchments.units) - len(rows),
    }
    return stays, source


def proposal_inputs(
    region: Region,
    *,
    edition: tuple[int, str] | None = None,
    level: Level | None = None,
    provider: TravelTimeProvider | None = None,
) -> ProposalInputs:
    """The adjacency, populations and stays of a proposal: the flows of ``edition`` (or the
    newest edition concerning the region) if loaded, else the catchments of ``level``; a
    ``ValidationError`` when neither is available."""
    adjacency = commune_adjacency(region)
    if not len(adjacency):
        raise ValidationError(_("Aucune commune de la région n'a de contour chargé."))
    population = dict(
        Commune.objects.filter(department__region=region).values_list("code", "population")
    )
    pop = np.array([population.get(code) or 0 for code in adjacency.codes], dtype=np.float64)
    found = _flows_stays(region, adjacency, edition)
    if found is None:
        if level is None:
            raise ValidationError(
                _(
                    "Aucun flux de patients chargé ne concerne la région : choisissez un niveau "
                    "de filière, les zones seront construites sur les bassins de son "
                    "établissement le plus proche."
                ),
                code="no_flows",
            )
        found = _catchment_stays(region, adjacency, pop, level, provider)
    stays, source = found
    return ProposalInputs(adjacency, pop, stays, source)


def zoning_labels(zoning: Zoning, adjacency: CommuneAdjacency) -> tuple[np.ndarray, list]:
    """Each commune's zone (index into the returned [(zone id, code, name)]), -1 outside."""
    zones = list(zoning.zones.order_by("code").values_list("id", "code", "name", "population"))
    index = {zone_id: g for g, (zone_id, *_rest) in enumerate(zones)}
    position = {int(cid): i for i, cid in enumerate(adjacency.commune_ids)}
    labels = np.full(len(adjacency), -1, dtype=np.int64)
    for commune_id, zone_id in ZoneMembership.objects.filter(zoning=zoning).values_list(
        "commune_id", "zone_id"
    ):
        if commune_id in position:
            labels[position[commune_id]] = index[zone_id]
    return labels, zones


def zone_shares(labels: np.ndarray, n_zones: int, stays: sparse.spmatrix) -> list[float | None]:
    """Per zone, the share of its residents' stays treated inside it (None: no stays); a
    commune outside every zone (label -1) is its own bucket, so its stays count as leaving
    the zone they are treated in, never as inside."""
    bucket = np.where(labels >= 0, labels, n_zones)
    shares = internal_share(np.append(bucket, n_zones), _padded(stays))[:n_zones]
    return [None if np.isnan(s) else float(s) for s in shares]


def _padded(stays: sparse.spmatrix) -> sparse.csr_matrix:
    """``stays`` with one empty row and column more (so the extra bucket always exists)."""
    coo = sparse.coo_matrix(stays)
    n = coo.shape[0]
    return sparse.csr_matrix((coo.data, (coo.row, coo.col)), shape=(n + 1, n + 1))


def _compared(zoning: Zoning, inputs: ProposalInputs) -> dict[str, Any]:
    labels, zones = zoning_labels(zoning, inputs.adjacency)
    shares = zone_shares(labels, len(zones), inputs.stays)
    counts = np.bincount(labels[labels >= 0], minlength=len(zones))
    return {
        "zoning_id": zoning.pk,
        "name": zoning.name,
        "zones": [
            {
                "code": code,
                "name": name,
                "population": population,
                "communes": int(counts[g]),
                "internal_share": shares[g],
            }
            for g, (_id, code, name, population) in enumerate(zones)
        ],  # fmt: skip
        "communes_in_no_zone": int((labels < 0).sum()),
        "overall_share": _overall(labels, inputs.stays),
    }


def _overall(labels: np.ndarray, stays: sparse.spmatrix) -> float | None:
    """Share of all the region's residents' stays (in the matrix) treated in their own zone."""
    coo = sparse.coo_matrix(stays)
    total = coo.data.sum()
    if total <= 0:
        return None
    inside = (labels[coo.row] == labels[coo.col]) & (labels[coo.row] >= 0)
    return float(coo.data[inside].sum() / total)


def _unique_name(region: Region, wanted: str) -> str:
    taken = set(Zoning.objects.filter(region=region).values_list("name", flat=True))
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted} ({n})", n + 1
    return name


def propose_zoning(
    region: Region,
    *,
    min_population: int | None = None,
    n_zones: int | None = None,
    edition: tuple[int, str] | None = None,
    level: Level | None = None,
    compare_with: Zoning | None = None,
    name: str | None = None,
    provider: TravelTimeProvider | None = None,
) -> Zoning:
    """Propose a zoning of ``region`` (see the module) and save it as a draft zoning.

    ``min_population``: every zone reaches it (unless the region has less); ``n_zones``:
    exactly that many zones. ``compare_with`` (the zoning the schema uses, usually): its
    zones' internal-flow shares on the same inputs are kept beside the proposal's.
    """
    if not min_population and not n_zones:
        raise ValidationError(
            _("Indiquez une population minimale par zone ou un nombre de zones."),
            code="no_parameter",
        )
    started = time.perf_counter()
    inputs = proposal_inputs(region, edition=edition, level=level, provider=provider)
    adjacency = inputs.adjacency
    n = len(adjacency)
    if n_zones and not 1 <= n_zones <= n:
        raise ValidationError(
            _("Le nombre de zones doit être compris entre 1 et %(n)s.") % {"n": n},
            code="n_zones",
        )
    timings = {"inputs": time.perf_counter() - started}
    step = time.perf_counter()
    graph = adjacency_from_pairs(n, adjacency.pairs)
    coords = _planar(adjacency.centroids)
    floor = float(min_population or 0)
    floors = [floor]
    if n_zones and not min_population:
        floors = [inputs.population.sum() / (FLOOR_DIVISOR * n_zones * 2**k) for k in range(4)]
        floors.append(0.0)
    for floor in floors:
        result = propose_zones(
            inputs.stays, graph, inputs.population, coords=coords, min_population=floor,
            n_zones=n_zones or None,
        )  # fmt: skip
        if not n_zones or result.n_zones == n_zones:
            break
    timings["regionalisation"] = time.perf_counter() - step
    codes = np.array(adjacency.codes, dtype=object)
    names = dict(Commune.objects.filter(code__in=adjacency.codes).values_list("code", "name"))
    # Zones numbered from the most populous, each named after its most populous commune.
    order = np.argsort(-result.zone_population, kind="stable")
    zones, described = {}, {}
    for rank, label in enumerate(order, start=1):
        members = np.flatnonzero(result.labels == label)
        head = members[np.argmax(inputs.population[members])]
        code = f"TN{rank:02d}"
        share = result.internal_share[label]
        zones[code] = (names.get(codes[head], codes[head]), list(codes[members]))
        described[code] = {
            "internal_share": None if np.isnan(share) else float(share),
            "population": int(result.zone_population[label]),
            "communes": len(members),
        }
    proposal = {
        "method": METHOD,
        "parameters": {
            "min_population": min_population or None,
            "n_zones": n_zones or None,
            "adjacency": "rook",
            "population_floor": floor,
        },
        "source": inputs.source,
        "islands_linked": result.added_links,
        "no_polygon": adjacency.no_polygon,
        "zones": described,
        "overall_share": _overall(result.labels, inputs.stays),
        "compared_with": _compared(compare_with, inputs) if compare_with else None,
        "created_at": timezone.now().isoformat(timespec="seconds"),
    }
    label = (
        _("%(n)s zones") % {"n": n_zones}
        if n_zones
        else _("%(p)s hab. minimum") % {"p": f"{min_population:,}".replace(",", "\u202f")}
    )
    step = time.perf_counter()
    with transaction.atomic():
        zoning = zoning_create(
            region=region,
            name=_unique_name(
                region, name or _("Territoires naturels — %(label)s") % {"label": label}
            ),
            kind=Zoning.Kind.SCHEMA,
            zones=zones,
            description=_description(inputs.source),
            status=Zoning.Status.DRAFT,
            proposal=proposal,
        )
        timings["save"] = time.perf_counter() - step
        proposal["timings"] = {k: round(v, 3) for k, v in timings.items()}
        Zoning.objects.filter(pk=zoning.pk).update(proposal=proposal)
        zoning.proposal = proposal
    return zoning


def _description(source: dict[str, Any]) -> str:
    if source["kind"] == FLOWS:
        return _(
            "Proposition (brouillon) : zones contiguës gardant le plus de séjours en leur sein, "
            "flux %(activity)s %(year)s."
        ) % {"activity": source["activity"], "year": source["year"]}
    return _(
        "Proposition (brouillon) sans flux de patients chargés : zones contiguës construites "
        "sur les bassins de l'établissement le plus proche du niveau « %(level)s »."
    ) % {"level": source["level"]}


def _planar(lon_lat: np.ndarray) -> np.ndarray:
    """Lon/lat degrees as approximate kilometres (equirectangular at the mean latitude): the
    islands rule measures centroid distances, which degrees of longitude would distort."""
    lon_lat = np.asarray(lon_lat, dtype=float).reshape(-1, 2)
    if not len(lon_lat):
        return lon_lat
    scale = np.cos(np.radians(lon_lat[:, 1].mean()))
    return np.column_stack([lon_lat[:, 0] * 111.32 * scale, lon_lat[:, 1] * 110.57])
