"""Where a zone's residents are treated and where its establishments' patients come from
(issue 13 §3), on a commune × commune matrix of stays; sparse products, no loop over pairs.

Given S (stays of residents of commune i at establishments in commune j, communes of the
region), ``outside`` (stays of residents of i treated outside the region), ``inflow`` (stays at
establishments in j of residents of other regions) and a zone per commune (-1: in no zone),
with Z the commune → zone indicator matrix and M = Zᵀ S Z:

* residents' stays of zone a: R_a = Σ_b M_ab + (stays to communes in no zone) + Zᵀ outside;
* share treated in the zone: M_aa / R_a; in zone b of the region: M_ab / R_a; in the region
  outside every zone: its part / R_a; outside the region: (Zᵀ outside)_a / R_a;
* stays of the zone's establishments: E_a = Σ_i (S Z)_ia + (Zᵀ inflow)_a; its attractiveness
  (share of them coming from outside the zone): (E_a − M_aa) / E_a.

A share whose denominator is 0 is NaN (no stays: unknown, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class ZoneFlows:
    resident_stays: np.ndarray  # R_a
    to_zone: np.ndarray  # k × k: M_ab / R_a
    share_inside: np.ndarray  # M_aa / R_a
    share_unzoned: np.ndarray  # to communes of the region in no zone / R_a
    share_outside_region: np.ndarray
    establishment_stays: np.ndarray  # E_a
    attractiveness: np.ndarray  # (E_a − M_aa) / E_a


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


def zone_flows(
    stays: sparse.csr_matrix,
    outside: np.ndarray,
    inflow: np.ndarray,
    zone_of: np.ndarray,
    n_zones: int,
) -> ZoneFlows:
    n = stays.shape[0]
    zoned = zone_of >= 0
    z = sparse.csr_matrix(
        (np.ones(int(zoned.sum())), (np.flatnonzero(zoned), zone_of[zoned])), shape=(n, n_zones)
    )
    from_zone = (z.T @ stays).tocsr()  # k × n: residents of zone a to commune j
    m = (from_zone @ z).toarray()  # k × k
    to_region = np.asarray(from_zone.sum(axis=1)).ravel()
    out = z.T @ np.asarray(outside, dtype=float)
    resident = to_region + out
    inside = np.diag(m).copy()
    establishments = np.asarray((stays @ z).sum(axis=0)).ravel() + z.T @ np.asarray(inflow, float)
    return ZoneFlows(
        resident_stays=resident,
        to_zone=_ratio(m, resident[:, None]),
        share_inside=_ratio(inside, resident),
        share_unzoned=_ratio(to_region - m.sum(axis=1), resident),
        share_outside_region=_ratio(out, resident),
        establishment_stays=establishments,
        attractiveness=_ratio(establishments - inside, establishments),
    )
