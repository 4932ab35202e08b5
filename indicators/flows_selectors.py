"""Patient flows read as a commune × commune matrix of a region (issue 13 §3), the contract the
zoning helper calls: ``commune_flow_matrix(region_code, year, activity)``.

Rules (docs/patient-flows.md):

* **Residence.** A PMSI geographic code's stays are split over its communes by their share of
  the code's population (``PmsiGeoCommune.share``, set at import). The correspondence of the
  flows' year is used, or else the latest earlier one, or else the earliest later one. A code
  the correspondence does not list (foreign countries, unknown residence) places its stays
  nowhere: counted apart, never given to a commune.
* **Establishment.** An ET's stays go to the commune of the site. An EJ's stays (files that
  publish at the legal-entity level) are spread in equal shares over the EJ's open hospital
  sites loaded (kinds CHU/CHR, CH, clinique, psychiatrie, SSR), or, if it has none, to the
  EJ's own commune; equal shares because no file loaded says how an EJ's activity divides
  between its sites. A site or EJ not loaded, or with no commune, counts as outside the region
  (the region's FINESS is loaded; what is not is elsewhere), said in ``RegionFlows``.
* **Masked cells** (statistical secret) have no stays: counted in ``masked_cells`` when their
  residence or their establishment is in the region, and left out of every sum.

The products are sparse (residence × flows × destination), without a loop over pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Q
from scipy import sparse

from facilities.models import Facility, LegalEntity
from territories.models import Commune

from .flows_models import PatientFlow, PmsiGeoCommune

#: The site kinds an EJ's stays are spread over (hospital stays are not made in an EHPAD).
HOSPITAL_KINDS = (
    Facility.Kind.CHU,
    Facility.Kind.CH,
    Facility.Kind.CLINIC,
    Facility.Kind.PSYCHIATRY,
    Facility.Kind.SSR,
)


@dataclass
class FlowMatrix:
    """Stays of residents of commune i treated at an establishment in commune j (both of the
    region, ``commune_codes`` sorted); ``outside``: stays of residents of i treated outside
    the region; ``masked_cells``: masked cells touching the region (not in any figure)."""

    commune_codes: list[str]
    stays: sparse.csr_matrix
    outside: np.ndarray
    masked_cells: int


@dataclass
class RegionFlows:
    """The matrix, and what the page says beside it."""

    matrix: FlowMatrix
    #: stays at establishments in commune j of residents of other regions
    inflow: np.ndarray
    #: stays at establishments of the region of residents whose code has no commune
    unknown_residence: float
    #: stays of the region's residents at establishments not placed (not loaded, no commune)
    unplaced_establishment: float
    correspondence_year: int
    ej_flows: int


def flow_editions() -> list[tuple[int, str]]:
    """(year, activity) of the flows loaded, newest year first."""
    pairs = PatientFlow.objects.values_list("year", "activity").distinct()
    return sorted(set(pairs), key=lambda p: (-p[0], p[1]))


def correspondence_year(year: int) -> int | None:
    years = sorted(set(PmsiGeoCommune.objects.values_list("year", flat=True)))
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else (years[0] if years else None)


def commune_flow_matrix(region_code: str, year: int, activity: str) -> FlowMatrix | None:
    """The region's commune × commune matrix of stays of one year and activity; None when no
    flows of that year and activity are loaded, none touches the region, or no correspondence
    of PMSI codes is loaded to place the residents."""
    flows = region_flows(region_code, year, activity)
    return flows.matrix if flows is not None else None


def region_flows(region_code: str, year: int, activity: str) -> RegionFlows | None:
    corr_year = correspondence_year(year)
    if corr_year is None:
        return None
    rows = list(
        _touching(region_code, year, activity, corr_year).values_list(
            "pmsi_code", "finess", "level", "stays"
        )
    )
    if not rows:
        return None
    communes = list(
        Commune.objects.filter(department__region__code=region_code)
        .order_by("code")
        .values_list("id", "code")
    )
    index = {pk: i for i, (pk, _code) in enumerate(communes)}
    n = len(communes)
    codes = sorted({r[0] for r in rows})
    places = sorted({(r[2], r[1]) for r in rows})
    residence = _residence(codes, corr_year, index, n)
    destination, unplaced_col = _destinations(places, index, n)
    code_at = {c: i for i, c in enumerate(codes)}
    place_at = {p: i for i, p in enumerate(places)}
    code_i = np.array([code_at[r[0]] for r in rows])
    place_i = np.array([place_at[(r[2], r[1])] for r in rows])
    masked = np.array([r[3] is None for r in rows])
    stays = np.array([r[3] or 0 for r in rows], dtype=float)
    flow = sparse.csr_matrix(
        (stays[~masked], (code_i[~masked], place_i[~masked])), shape=(len(codes), len(places))
    )
    full = (residence.T @ flow @ destination).toarray()  # (n + 2) × (n + 2)
    in_region_home = np.asarray(residence[:, :n].sum(axis=1)).ravel() > 0
    in_region_place = np.asarray(destination[:, :n].sum(axis=1)).ravel() > 0
    touching = masked & (in_region_home[code_i] | in_region_place[place_i])
    if not (in_region_home[code_i] | in_region_place[place_i]).any():
        return None
    matrix = FlowMatrix(
        commune_codes=[code for _pk, code in communes],
        stays=sparse.csr_matrix(full[:n, :n]),
        outside=full[:n, n] + full[:n, n + 1],
        masked_cells=int(touching.sum()),
    )
    return RegionFlows(
        matrix=matrix,
        inflow=full[n, :n],
        unknown_residence=float(full[n + 1, :n].sum()),
        unplaced_establishment=float(full[:n, unplaced_col].sum()),
        correspondence_year=corr_year,
        ej_flows=sum(1 for r in rows if r[2] == PatientFlow.Level.EJ),
    )


def _touching(region_code: str, year: int, activity: str, corr_year: int):
    """The flows whose residence code has a commune in the region or whose establishment (a
    site, or an EJ by its sites or its own commune) is in it: the others change no figure of
    the region, and a national file need not be read whole."""
    in_region = Q(commune__department__region__code=region_code)
    codes = PmsiGeoCommune.objects.filter(in_region, year=corr_year).values("pmsi_code")
    entities = LegalEntity.objects.filter(
        Q(facilities__commune__department__region__code=region_code) | in_region
    ).values("pk")
    return PatientFlow.objects.filter(year=year, activity=activity).filter(
        Q(pmsi_code__in=codes)
        | Q(facility__commune__department__region__code=region_code)
        | Q(legal_entity__in=entities)
    )


def _residence(codes: list[str], year: int, index: dict[int, int], n: int) -> sparse.csr_matrix:
    """codes × (n + 2): a code's population shares over the region's communes, column n for
    communes of other regions, column n + 1 for a code with no commune."""
    entries = list(
        PmsiGeoCommune.objects.filter(year=year, pmsi_code__in=codes).values_list(
            "pmsi_code", "commune_id", "share"
        )
    )
    known = {code for code, _commune, _share in entries}
    cells = [(code, index.get(commune_id, n), share) for code, commune_id, share in entries]
    cells += [(code, n + 1, 1.0) for code in set(codes) - known]
    at = {c: i for i, c in enumerate(codes)}
    rows = [at[code] for code, _col, _share in cells]
    cols = [col for _code, col, _share in cells]
    shares = [share for _code, _col, share in cells]
    # Duplicate cells (several communes of other regions in column n) are summed.
    return sparse.csr_matrix((shares, (rows, cols)), shape=(len(codes), n + 2))


def _destinations(
    places: list[tuple[str, str]], index: dict[int, int], n: int
) -> tuple[sparse.csr_matrix, int]:
    """(level, FINESS) × (n + 2): the commune columns an establishment's stays go to; column n
    for outside the region, n + 1 for not placed (not loaded, no commune)."""
    ets = [finess for level, finess in places if level != PatientFlow.Level.EJ]
    ejs = [finess for level, finess in places if level == PatientFlow.Level.EJ]
    site_commune = dict(
        Facility.objects.filter(finess_et__in=ets).values_list("finess_et", "commune_id")
    )
    ej_sites: dict[str, list[int | None]] = {}
    for ej, commune_id in Facility.objects.filter(
        legal_entity_id__in=ejs, status=Facility.Status.OPEN, kind__in=HOSPITAL_KINDS
    ).values_list("legal_entity_id", "commune_id"):
        ej_sites.setdefault(ej, []).append(commune_id)
    ej_seat = dict(
        LegalEntity.objects.filter(finess_ej__in=ejs).values_list("finess_ej", "commune_id")
    )

    def column(commune_id: int | None) -> int:
        return n + 1 if commune_id is None else index.get(commune_id, n)

    cells = []
    for i, (level, finess) in enumerate(places):
        if level == PatientFlow.Level.EJ:
            targets = ej_sites.get(finess) or [ej_seat.get(finess)]
        else:
            targets = [site_commune.get(finess)]
        cells += [(i, column(commune_id), 1 / len(targets)) for commune_id in targets]
    rows, cols, weights = (list(part) for part in zip(*cells, strict=True))
    return sparse.csr_matrix((weights, (rows, cols)), shape=(len(places), n + 2)), n + 1
