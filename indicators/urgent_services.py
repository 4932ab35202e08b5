"""Urgent care within 30 minutes for a region, from the database (issue 11 §3;
docs/indicators.md, "Urgent care within 30 minutes"; docs/emergency-resources.md).

Each commune of the region gets the nearest of the means the national indicator counts,
each in its own direction (``indicators.engine.urgent``):

- structure des urgences (authorisation urgences / ``su``): commune → site;
- SMUR and antenne de SMUR (``smur``; FINESS's "SMUR Antenne" is imported as the SMUR it
  belongs to, ``facilities.finess_authorisations``): base → commune, the forward road graph;
  a SMUR authorised only with the pédiatrique mention is left out (it serves children only);
- antenne de médecine d'urgence (``amu``, décret 2023-1374): commune → site, counted and
  noted « aux heures d'ouverture »; the run also stores each commune's time without them;
- médecin correspondant du SAMU (the ARS's CSV, kind ``mcs``): base → commune;
- héliSMUR base (kind ``helismur``): flight time = crow-fly ÷ speed + take-off delay, both
  given by whoever starts the run and recorded in it; without them no héliSMUR is counted and
  the run says so.

Sites and bases come from all of France (a SMUR of the next region may be the nearest), in
force today. A region with no SU nor SMUR authorisation loaded gets no run at all: the figure
would be "everyone beyond 30 minutes" for lack of an input (``UrgentCareRefused``). A means
with no place loaded is not counted and the run says so, never as a zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.emergency import EmergencyResource
from facilities.selectors import current_authorisations, open_facilities
from pathways.selectors import files_sentence
from territories.models import Commune, Region

from . import inputs
from .aggregates import group_sets, value_or_none
from .engine import StepWeights
from .engine.measures import NearestAccess
from .engine.travel import NO_DESTINATION, UNREACHABLE, Places, TravelTimeProvider, outbound
from .engine.travel.helismur import HeliSmurFlight
from .engine.urgent import Means, MeansAccess, means_beyond, urgent_access
from .engine.whatif import WhatIf
from .services import build_provider, default_provider_parameters
from .urgent_models import UrgentCareGroupValue, UrgentCareRun, UrgentCareValue, UrgentMeans

#: The national indicator's target: urgent care within 30 minutes (Instruction
#: DGOS/R2/2013/261 du 27 juin 2013, "accès aux soins urgents en moins de 30 minutes").
TARGET_MINUTES = 30.0
#: The means whose time runs from their base to the commune.
FROM_BASE = (UrgentMeans.SMUR, UrgentMeans.MCS, UrgentMeans.HELISMUR)
OPENING_HOURS = "aux heures d'ouverture"
DIRECTIONS = {
    UrgentMeans.SU: "commune → site",
    UrgentMeans.SMUR: "base → commune",
    UrgentMeans.AMU: "commune → site",
    UrgentMeans.MCS: "base → commune",
    UrgentMeans.HELISMUR: "base → commune (vol)",
}


class UrgentCareRefused(ValueError):
    """No run: an input without which the figure would be a false zero (French message)."""


@dataclass(frozen=True)
class MeansPlaces:
    """The places of one means: ``places.ids`` are FINESS numbers or the CSV's ids;
    ``facility_ids`` / ``resource_ids`` the database ids (-1 where not that kind)."""

    means: str
    places: Places
    facility_ids: np.ndarray
    resource_ids: np.ndarray
    unplaced: int = 0


def _places(rows: list[tuple[int, str, Any]]) -> tuple[np.ndarray, Places]:
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return ids, Places(
        np.array([r[1] for r in rows], dtype=object),
        np.array([r[2].x for r in rows], dtype=np.float64),
        np.array([r[2].y for r in rows], dtype=np.float64),
    )


def emergency_sites(modality: str, on: dt.date | None = None) -> MeansPlaces:
    """Open sites with a current urgences authorisation of ``modality``, with a point."""
    authorisations = current_authorisations(on).filter(activity="urgences", modality=modality)
    if modality == UrgentMeans.SMUR:
        authorisations = authorisations.exclude(mention="smur_pediatrique")
    rows = list(
        open_facilities()
        .filter(pk__in=authorisations.values("facility_id"))
        .exclude(point=None)
        .order_by("finess_et")
        .values_list("id", "finess_et", "point")
    )
    ids, places = _places(rows)
    return MeansPlaces(modality, places, ids, np.full(len(ids), -1, dtype=np.int64))


def emergency_resources(kind: str, on: dt.date | None = None) -> MeansPlaces:
    """The MCS or héliSMUR bases in force on ``on``, at their point or their commune's."""
    day = on or timezone.localdate()
    rows = (
        EmergencyResource.objects.filter(kind=kind)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=day))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("source_id")
        .values_list("id", "source_id", "point", "commune__point")
    )
    placed, unplaced = [], 0
    for pk, source_id, point, commune_point in rows:
        if (point or commune_point) is None:
            unplaced += 1
        else:
            placed.append((pk, f"{kind}:{source_id}", point or commune_point))
    ids, places = _places(placed)
    return MeansPlaces(kind, places, np.full(len(ids), -1, dtype=np.int64), ids, unplaced)


def helismur_flight(speed_kmh: float | None, takeoff_minutes: float | None):
    """The héliSMUR flight-time provider, or None when neither value is given; one without
    the other is refused (there is no default for either)."""
    if speed_kmh is None and takeoff_minutes is None:
        return None
    if speed_kmh is None or takeoff_minutes is None:
        raise UrgentCareRefused(
            _(
                "héliSMUR : donnez la vitesse (km/h) et le délai de décollage (min), ou aucun "
                "des deux."
            )
        )
    try:
        return HeliSmurFlight(speed_kmh=speed_kmh, takeoff_minutes=takeoff_minutes)
    except ValueError as exc:
        raise UrgentCareRefused(str(exc)) from None


def check_inputs(region: Region, on: dt.date | None = None) -> None:
    """Refuse a region with no commune, or none of its sites authorised for a structure des
    urgences or a SMUR: without them the figure is unknown, not "everyone beyond"."""
    if not Commune.objects.filter(department__region=region).exclude(point=None).exists():
        raise UrgentCareRefused(
            _("aucune commune placée chargée pour la région %(region)s (%(code)s).")
            % {"region": region.name, "code": region.code}
        )
    loaded = (
        current_authorisations(on)
        .filter(activity="urgences", modality__in=["su", "smur"])
        .filter(facility__commune__department__region=region)
        .exists()
    )
    if not loaded:
        raise UrgentCareRefused(
            _(
                "données manquantes : aucune autorisation de médecine d'urgence (structure des "
                "urgences, SMUR) chargée pour la région %(region)s."
            )
            % {"region": region.name}
            + " "
            + files_sentence()
        )


def load_means(
    provider: TravelTimeProvider, flight: HeliSmurFlight | None, on: dt.date | None = None
) -> tuple[list[MeansPlaces], list[Means], dict[str, dict[str, Any]]]:
    """The places of every means, the engine's ``Means`` of those counted, and per means
    what the run says of it (counted, places, why not counted, note)."""
    found = [
        emergency_sites(UrgentMeans.SU, on),
        emergency_sites(UrgentMeans.SMUR, on),
        emergency_sites(UrgentMeans.AMU, on),
        emergency_resources(EmergencyResource.Kind.MCS, on),
        emergency_resources(EmergencyResource.Kind.HELISMUR, on),
    ]
    counted, means, said = [], [], {}
    for entry in found:
        name = str(entry.means)
        note = OPENING_HOURS if name == UrgentMeans.AMU else ""
        reason = ""
        if name == UrgentMeans.HELISMUR and flight is None:
            reason = _("non compté : vitesse et délai de décollage de l'hélicoptère non fournis")
        elif not len(entry.places):
            reason = _no_place_reason(name)
        said[name] = {
            "label": str(UrgentMeans(name).label),
            "counted": not reason,
            "places": len(entry.places),
            "unplaced": entry.unplaced,
            "direction": DIRECTIONS[UrgentMeans(name)],
            "not_counted": reason,
            "note": note,
        }
        if reason:
            continue
        counted.append(entry)
        means.append(
            Means(
                name,
                entry.places,
                flight if name == UrgentMeans.HELISMUR else provider,
                from_base=name in FROM_BASE,
            )
        )
    return counted, means, said


def _no_place_reason(name: str) -> str:
    if name in (UrgentMeans.MCS, UrgentMeans.HELISMUR):
        return _("non compté : aucun en vigueur importé (import_open_data %(kind)s FICHIER)") % {
            "kind": name
        }
    return _("non compté : aucune autorisation en vigueur chargée")


def urgent_compute(
    region_id: int,
    *,
    provider_parameters: dict[str, Any] | None = None,
    helismur_speed_kmh: float | None = None,
    helismur_takeoff_minutes: float | None = None,
    requested_by=None,
) -> UrgentCareRun:
    """Compute and store urgent-care access for every placed commune of region ``region_id``
    (module docstring); refused (``UrgentCareRefused``) when an input is missing."""
    region = Region.objects.get(pk=region_id)
    flight = helismur_flight(helismur_speed_kmh, helismur_takeoff_minutes)
    check_inputs(region)
    parameters = provider_parameters or default_provider_parameters()
    provider = build_provider(parameters)
    units = inputs.load_units(region)
    counted, means, said = load_means(provider, flight)
    access = urgent_access(units.places, means)
    for entry, exact in zip(means, access.exact_direction, strict=True):
        said[entry.name]["exact_direction"] = exact
    with transaction.atomic():
        run = UrgentCareRun.objects.create(
            region=region,
            provider=parameters.get("provider", ""),
            parameters={
                "travel": parameters,
                "target_minutes": TARGET_MINUTES,
                "beyond": "T > 30 min (strictly); a commune with no means in reach is beyond",
                "helismur": None if flight is None else flight.parameters(),
                "means_order": [str(m) for m in UrgentMeans],
            },
            summary={
                "means": said,
                "communes": len(units),
                "population": float(units.population.sum()),
                "excluded_communes": units.excluded_codes,
                "excluded_population": units.excluded_population,
                # Counted with no inhabitant in every figure: said on the page, never hidden.
                "communes_without_population": list(
                    Commune.objects.filter(department__region=region, population=None)
                    .order_by("code")
                    .values_list("code", flat=True)
                ),
            },
            requested_by=requested_by,
        )
        _store_communes(run, units, counted, access)
        _store_groups(run, region, units, access)
    return run


def _store_communes(run, units, counted: list[MeansPlaces], access) -> None:
    minutes = access.nearest_minutes
    nearest, place = access.nearest_means, access.nearest_place
    without = access.without([UrgentMeans.AMU])
    rows = []
    for i, commune_id in enumerate(units.commune_ids.tolist()):
        m, j = int(nearest[i]), int(place[i])
        entry = counted[m] if m >= 0 else None
        rows.append(
            UrgentCareValue(
                run=run,
                commune_id=commune_id,
                population=float(units.population[i]),
                minutes=value_or_none(minutes[i]),
                means=entry.means if entry else "",
                facility_id=_id_or_none(entry.facility_ids[j]) if entry else None,
                resource_id=_id_or_none(entry.resource_ids[j]) if entry else None,
                minutes_without_amu=value_or_none(without[i]),
                beyond=not minutes[i] <= run.target_minutes,
            )
        )
    UrgentCareValue.objects.bulk_create(rows, batch_size=2000)


def _id_or_none(value) -> int | None:
    return int(value) if value >= 0 else None


def _store_groups(run, region, units, access) -> None:
    rows = []
    for kind, zoning_id, codes, groups, _of_commune in group_sets(region, units):
        inside = groups >= 0
        sub = MeansAccess(
            access.names, access.minutes[inside], access.place[inside], access.exact_direction
        )
        result = means_beyond(
            sub, units.population[inside], groups[inside], len(codes), run.target_minutes,
            excluded=[UrgentMeans.AMU],
        )  # fmt: skip
        for g, code in enumerate(codes):
            rows.append(
                UrgentCareGroupValue(
                    run=run,
                    unit_kind=kind,
                    unit_code=code,
                    zoning_id=zoning_id,
                    population=float(result.beyond.population[g]),
                    population_beyond=float(result.beyond.population_beyond[g]),
                    share_beyond=value_or_none(result.beyond.share_beyond[g]),
                    population_beyond_without_amu=float(result.beyond_without.population_beyond[g]),
                    by_means={
                        name: float(result.by_means[g, m]) for m, name in enumerate(access.names)
                    },
                )
            )
    UrgentCareGroupValue.objects.bulk_create(rows)


# --- a candidate MCS: the incremental what-if ---------------------------------------------


@dataclass(frozen=True)
class CandidateResult:
    """What a médecin correspondant du SAMU placed in ``commune`` would change: the
    population brought within the target, and those communes (code, name, population,
    minutes before → after)."""

    commune: Commune
    population_brought: float
    communes: list[dict[str, Any]]
    exact_direction: bool


def candidate_mcs(run: UrgentCareRun, commune: Commune) -> CandidateResult:
    """The population an MCS at ``commune``'s point would bring within 30 minutes, from the
    stored run: its communes' nearest times are the baseline of an incremental what-if
    (``WhatIf.from_nearest``) and the candidate is opened on it (one provider call, base →
    commune, with the run's provider)."""
    if commune.point is None:
        raise UrgentCareRefused(_("la commune %(code)s n'a pas de point.") % {"code": commune.code})
    rows = list(
        run.values.exclude(commune__point=None)
        .order_by("commune__code")
        .values_list("commune__code", "commune__name", "commune__point", "population", "minutes")
    )
    units = Places(
        np.array([r[0] for r in rows], dtype=object),
        np.array([r[2].x for r in rows], dtype=np.float64),
        np.array([r[2].y for r in rows], dtype=np.float64),
    )
    population = np.array([r[3] for r in rows], dtype=np.float64)
    before = np.array([UNREACHABLE if r[4] is None else r[4] for r in rows], dtype=np.float64)
    provider, exact = outbound(build_provider(run.parameters["travel"]))
    target = run.target_minutes
    baseline = WhatIf.from_nearest(
        provider,
        units,
        Places(np.empty(0, dtype=object), np.empty(0), np.empty(0)),
        population,
        NearestAccess(before[:, None], np.full((len(rows), 1), NO_DESTINATION)),
        StepWeights(((target, 1.0),)),
    )
    site = Places(np.array([f"candidat:{commune.code}"], dtype=object),
                  np.array([commune.point.x]), np.array([commune.point.y]))  # fmt: skip
    after = baseline.open(site).nearest.first_minutes
    brought = np.flatnonzero(~(before <= target) & (after <= target))
    communes = [
        {
            "code": rows[i][0],
            "name": rows[i][1],
            "population": rows[i][3],
            "before": value_or_none(before[i]),
            "after": float(after[i]),
        }
        for i in brought.tolist()
    ]
    return CandidateResult(commune, float(population[brought].sum()), communes, exact)


def latest_run(region: Region) -> UrgentCareRun | None:
    return UrgentCareRun.objects.filter(region=region).order_by("-created_at", "-id").first()
