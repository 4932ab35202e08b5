"""The doctors' zoning (zonage médecins: ZIP / ZAC) on arrays, from the APL of each territoire
de vie-santé (TVS).

The method is set by arrêté (arrêté du 13 novembre 2017 relatif à la méthodologie applicable à
la profession de médecin pour la détermination des zones prévues au 1° de l'article L. 1434-4
du code de la santé publique, modified by the arrêté du 1er octobre 2021 and followed by the
arrêté du 9 mai 2025); its figures are data passed in (``Rules``, ``Caps``), never constants
here. docs/doctors-zoning.md gives the sources and what could not be sourced.

- **automatic ZIP** (*sélection nationale*): a TVS whose APL is below ``Rules.zip_below`` is a
  zone d'intervention prioritaire whatever the regional caps; the ARS cannot take it out;
- **vivier**: a TVS whose APL is from ``zip_below`` up to ``Rules.pool_up_to`` (inclusive) is
  in the pool from which the ARS may add ZIP or ZAC (zones d'action complémentaire);
- **hors vivier**: above ``pool_up_to``: outside the zoning (the derogatory margin some
  versions allow is not modelled: such a TVS cannot be moved);
- a TVS of unknown APL is reported as such (never classified as if its APL were 0).

The caps are shares of the region's population (``Caps.zip_share``, ``Caps.zac_share``): the
population of a category (automatic ZIP included, as the DREES's zoning tool's gauges count
it) may not pass its cap through an ARS choice. An automatic selection that alone passes the
ZIP cap stays ZIP and is flagged (``CapState.automatic_over_cap``); no ARS addition to ZIP is
then possible. Every sum is a numpy reduction over the TVS arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "AUTOMATIC_ZIP",
    "HORS_VIVIER",
    "HORS_ZONAGE",
    "MOVABLE",
    "POOL",
    "UNKNOWN_APL",
    "VIVIER",
    "ZAC",
    "ZIP",
    "CapState",
    "Caps",
    "Refusal",
    "Rules",
    "automatic_selection",
    "cap_states",
    "check_choice",
    "initial_categories",
    "replay_choices",
]

# Automatic statuses (what the APL alone says).
AUTOMATIC_ZIP = "zip_auto"
POOL = "vivier"
HORS_VIVIER = "hors_vivier"
UNKNOWN_APL = "apl_manquante"

# Categories of the zoning (what the page colours and the annex lists).
ZIP = "zip"
ZAC = "zac"
VIVIER = "vivier"  # in the pool, no ARS choice yet
HORS_ZONAGE = "hors_zonage"

#: The categories an ARS may give a TVS of the vivier.
MOVABLE = (ZIP, ZAC, HORS_ZONAGE, VIVIER)


@dataclass(frozen=True)
class Rules:
    """The thresholds of one arrêté version, on the APL's own scale (consultations and visits
    per year and per standardised inhabitant)."""

    zip_below: float
    pool_up_to: float


@dataclass(frozen=True)
class Caps:
    """The region's caps as shares (0–1) of its population; None = not known (then no ARS
    addition to that category can be checked, so none is accepted)."""

    zip_share: float | None
    zac_share: float | None

    def share(self, category: str) -> float | None:
        return {ZIP: self.zip_share, ZAC: self.zac_share}.get(category)


@dataclass(frozen=True)
class Refusal:
    """Why a choice is refused: ``reason`` is one of ``automatic``, ``outside_pool``,
    ``unknown_apl``, ``not_a_category``, ``no_cap``, ``over_cap``; ``excess`` the inhabitants by
    which the choice would pass the cap (``over_cap`` only), ``cap`` the cap in inhabitants."""

    reason: str
    category: str
    excess: float = 0.0
    cap: float | None = None


@dataclass(frozen=True)
class CapState:
    """One capped category: its cap in inhabitants (None = unknown), the population of its
    automatic part and of the ARS's additions, and whether the automatic part alone passes."""

    category: str
    cap: float | None
    automatic: float
    added: float

    @property
    def total(self) -> float:
        return self.automatic + self.added

    @property
    def automatic_over_cap(self) -> bool:
        return self.cap is not None and self.automatic > self.cap

    @property
    def room(self) -> float | None:
        """Inhabitants the ARS may still add (0 when the automatic part passes the cap)."""
        return None if self.cap is None else max(0.0, self.cap - self.total)


def automatic_selection(apl: np.ndarray, rules: Rules) -> np.ndarray:
    """Per TVS, ``AUTOMATIC_ZIP`` / ``POOL`` / ``HORS_VIVIER`` / ``UNKNOWN_APL`` (NaN APL)."""
    apl = np.asarray(apl, dtype=float)
    result = np.full(apl.shape, UNKNOWN_APL, dtype=object)
    known = ~np.isnan(apl)
    result[known & (apl < rules.zip_below)] = AUTOMATIC_ZIP
    result[known & (apl >= rules.zip_below) & (apl <= rules.pool_up_to)] = POOL
    result[known & (apl > rules.pool_up_to)] = HORS_VIVIER
    return result


def initial_categories(automatic: np.ndarray) -> np.ndarray:
    """The categories before any ARS choice: automatic ZIP → ZIP, vivier → VIVIER, the rest
    (hors vivier, unknown APL) → HORS_ZONAGE."""
    automatic = np.asarray(automatic, dtype=object)
    result = np.full(automatic.shape, HORS_ZONAGE, dtype=object)
    result[automatic == AUTOMATIC_ZIP] = ZIP
    result[automatic == POOL] = VIVIER
    return result


def cap_states(
    population: np.ndarray,
    automatic: np.ndarray,
    categories: np.ndarray,
    caps: Caps,
    region_population: float,
) -> dict[str, CapState]:
    """ZIP and ZAC: cap, automatic and added inhabitants."""
    population = np.nan_to_num(np.asarray(population, dtype=float))
    automatic = np.asarray(automatic, dtype=object)
    categories = np.asarray(categories, dtype=object)
    states = {}
    for category in (ZIP, ZAC):
        share = caps.share(category)
        cap = None if share is None else share * region_population
        in_category = categories == category
        auto = float(population[in_category & (automatic == AUTOMATIC_ZIP)].sum())
        added = float(population[in_category & (automatic != AUTOMATIC_ZIP)].sum())
        states[category] = CapState(category, cap, auto, added)
    return states


def check_choice(
    index: int,
    category: str,
    population: np.ndarray,
    automatic: np.ndarray,
    categories: np.ndarray,
    caps: Caps,
    region_population: float,
) -> Refusal | None:
    """None if TVS ``index`` may take ``category`` given the others' categories, else why not."""
    status = automatic[index]
    if category not in MOVABLE:
        return Refusal("not_a_category", category)
    if status == AUTOMATIC_ZIP:
        return None if category == ZIP else Refusal("automatic", category)
    if status == UNKNOWN_APL:
        return None if category == HORS_ZONAGE else Refusal("unknown_apl", category)
    if status == HORS_VIVIER:
        return None if category == HORS_ZONAGE else Refusal("outside_pool", category)
    if category not in (ZIP, ZAC):
        return None
    share = caps.share(category)
    if share is None:
        return Refusal("no_cap", category)
    after = np.asarray(categories, dtype=object).copy()
    after[index] = category
    state = cap_states(population, automatic, after, caps, region_population)[category]
    if state.total > state.cap and not math.isclose(state.total, state.cap):
        return Refusal("over_cap", category, excess=state.total - state.cap, cap=state.cap)
    return None


def replay_choices(
    choices: dict[int, str],
    population: np.ndarray,
    automatic: np.ndarray,
    caps: Caps,
    region_population: float,
) -> tuple[np.ndarray, dict[int, Refusal]]:
    """Apply the ARS's earlier choices (TVS index → category, in index order) to a fresh
    automatic selection: the categories, and the choices that no longer hold with why."""
    categories = initial_categories(automatic)
    dropped = {}
    for index in sorted(choices):
        refusal = check_choice(
            index, choices[index], population, automatic, categories, caps, region_population
        )
        if refusal is None:
            categories[index] = choices[index]
        else:
            dropped[index] = refusal
    return categories, dropped
