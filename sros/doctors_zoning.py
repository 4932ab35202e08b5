"""The doctors' zoning (ZIP / ZAC) of a region: computed from the APL of its territoires de
vie-santé by the rules of an arrêté version (``indicators.engine.zoning``), then edited by the
region's planners within the caps (docs/doctors-zoning.md).

The APL of a TVS is the population-weighted mean of its communes' APL in the region
(``indicators.apl_services.zoning_reference``: the DREES's published figure where imported,
else our latest run), unknown when one of them has none or has it in a unit the arrêté's
thresholds do not speak (our ETP without a sourced consultations factor). A zoning resting on
our estimate must be confirmed by a planner before any ARS choice is kept.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.locking import locked, save_checked
from core.maps import number
from indicators.apl_services import UNIT_CONSULTATIONS, zoning_reference
from indicators.engine import zoning as engine
from territories.models import Commune, Region, Zone, ZoneMembership, Zoning

from .models import DoctorsZoning, DoctorsZoningEntry, ZoningCap, ZoningMethod


class ZoningRefused(Exception):
    """A computation or a choice that cannot be made; the message says why, in French."""


@dataclass(frozen=True)
class TvsInput:
    zone: Zone
    population: int
    apl: float | None
    basis: str
    communes_without_apl: int
    communes_other_unit: int


# --- reading --------------------------------------------------------------------------------


def methods() -> list[ZoningMethod]:
    return list(ZoningMethod.objects.all())


def default_method() -> ZoningMethod | None:
    """The latest version whose thresholds are known."""
    return ZoningMethod.objects.filter(zip_below__isnull=False, pool_up_to__isnull=False).first()


def tvs_zoning(region: Region) -> Zoning | None:
    return Zoning.objects.filter(region=region, kind=Zoning.Kind.HEALTH_LIVING_AREA).first()


def caps_of(method: ZoningMethod, region: Region) -> engine.Caps:
    cap = ZoningCap.objects.filter(method=method, region_code=region.code).first()
    return engine.Caps(cap.zip_share, cap.zac_share) if cap else engine.Caps(None, None)


def cap_row(method: ZoningMethod, region: Region) -> ZoningCap | None:
    return ZoningCap.objects.filter(method=method, region_code=region.code).first()


def region_population(region: Region) -> int:
    total = Commune.objects.filter(department__region=region).aggregate(p=Sum("population"))
    return int(total["p"] or 0)


def _basis_label(labels: set[str]) -> str:
    return ", ".join(sorted(labels)) if labels else "–"


def tvs_inputs(region: Region, zoning: Zoning, method: ZoningMethod) -> list[TvsInput]:
    """Per TVS of ``zoning``: the population of its communes in the region and their
    population-weighted mean APL (None when a commune has none, or not in consultations)."""
    reference = zoning_reference(region.pk, under_65=method.apl_under_65)
    members = defaultdict(list)
    rows = ZoneMembership.objects.filter(zoning=zoning, commune__department__region=region)
    for zone_id, commune_id, population in rows.values_list(
        "zone_id", "commune_id", "commune__population"
    ):
        members[zone_id].append((commune_id, population))
    result = []
    for zone in zoning.zones.order_by("code").defer("geometry", "map_geometry"):
        weighted, weight, labels, missing, other_unit = 0.0, 0, set(), 0, 0
        for commune_id, population in members[zone.pk]:
            ref = reference.get(commune_id)
            if ref is None or ref.value is None or population is None:
                missing += 1
                continue
            if ref.unit != UNIT_CONSULTATIONS:
                other_unit += 1
                continue
            labels.add(ref.source)
            weighted += ref.value * population
            weight += population
        known = members[zone.pk] and not missing and not other_unit and weight > 0
        population = sum(p or 0 for _c, p in members[zone.pk])
        apl = weighted / weight if known else None
        result.append(TvsInput(zone, population, apl, _basis_label(labels), missing, other_unit))
    return result


def basis_of(inputs: list[TvsInput]) -> tuple[str, str]:
    """(``DoctorsZoning.Basis``, label) of the APL the TVS rest on."""
    labels = {label for row in inputs for label in row.basis.split(", ") if label != "–"}
    drees = {label for label in labels if label.startswith("DREES")}
    if labels and drees == labels:
        kind = DoctorsZoning.Basis.DREES
    elif drees:
        kind = DoctorsZoning.Basis.MIXED
    else:
        kind = DoctorsZoning.Basis.ESTIMATE
    return kind, _basis_label(labels)


@dataclass
class ZoningState:
    """The engine's arrays of a stored zoning, in the entries' order."""

    entries: list[DoctorsZoningEntry]
    population: np.ndarray
    automatic: np.ndarray
    categories: np.ndarray
    caps: engine.Caps
    region_population: float

    def cap_states(self) -> dict[str, engine.CapState]:
        return engine.cap_states(
            self.population, self.automatic, self.categories, self.caps, self.region_population
        )


def state_of(zoning: DoctorsZoning) -> ZoningState:
    entries = list(zoning.entries.select_related("zone").order_by("zone__code"))
    return ZoningState(
        entries,
        np.array([e.population for e in entries], dtype=float),
        np.array([e.automatic for e in entries], dtype=object),
        np.array([e.category for e in entries], dtype=object),
        caps_of(zoning.method, zoning.region),
        float(zoning.region_population),
    )


# --- messages -------------------------------------------------------------------------------


def category_label(category: str) -> str:
    return str(DoctorsZoningEntry.Category(category).label)


def refusal_message(refusal: engine.Refusal, zone: Zone) -> str:
    """The reason of a refused choice, in words (and by how many inhabitants)."""
    name = f"{zone.name} ({zone.code})"
    label = category_label(refusal.category) if refusal.category in engine.MOVABLE else ""
    if refusal.reason == "automatic":
        return _(
            "%(tvs)s est en ZIP par la sélection nationale (APL sous le seuil de l'arrêté) : "
            "l'ARS ne peut pas l'en retirer."
        ) % {"tvs": name}
    if refusal.reason == "outside_pool":
        return _(
            "%(tvs)s est hors vivier (APL au-dessus du seuil de l'arrêté) : il reste hors zonage."
        ) % {"tvs": name}
    if refusal.reason == "unknown_apl":
        return _("%(tvs)s n'a pas d'APL connue : il ne peut pas être classé.") % {"tvs": name}
    if refusal.reason == "no_cap":
        return _(
            "Le plafond régional de population en %(category)s n'est pas renseigné pour cet "
            "arrêté : aucun ajout de l'ARS ne peut être vérifié, donc aucun n'est accepté."
        ) % {"category": label}
    if refusal.reason == "over_cap":
        return _(
            "Classer %(tvs)s en %(category)s dépasserait le plafond régional de %(excess)s "
            "habitants (plafond : %(cap)s habitants)."
        ) % {
            "tvs": name,
            "category": label,
            "excess": number(math.ceil(refusal.excess - 1e-6)),
            "cap": number(math.floor(refusal.cap + 1e-6)),
        }
    return _("Catégorie inconnue : %(category)s.") % {"category": refusal.category}


# --- writing --------------------------------------------------------------------------------


def _previous_choices(zoning: DoctorsZoning | None) -> dict[int, str]:
    if zoning is None:
        return {}
    rows = zoning.entries.filter(chosen_by_ars=True).values_list("zone_id", "category")
    return dict(rows)


@transaction.atomic
def zoning_compute(
    region: Region, method: ZoningMethod, *, user: AbstractBaseUser | None = None
) -> DoctorsZoning:
    """Compute (or refresh) the region's doctors' zoning with ``method``: the automatic
    selection from the APL, then the ARS's earlier choices replayed within the caps (those that
    no longer hold are dropped and listed in ``summary["dropped"]``). Resets the confirmation
    when the APL is (partly) our estimate."""
    if not method.usable:
        raise ZoningRefused(
            _("Les seuils de cet arrêté ne sont pas renseignés : il ne peut pas servir au calcul.")
        )
    tvs = tvs_zoning(region)
    if tvs is None:
        raise ZoningRefused(
            _("Aucun zonage en territoires de vie-santé n'est importé pour la région.")
        )
    inputs = tvs_inputs(region, tvs, method)
    if not inputs:
        raise ZoningRefused(
            _("Le zonage en territoires de vie-santé de la région n'a aucune zone.")
        )
    rules = engine.Rules(method.zip_below, method.pool_up_to)
    apl = np.array([np.nan if r.apl is None else r.apl for r in inputs], dtype=float)
    population = np.array([r.population for r in inputs], dtype=float)
    automatic = engine.automatic_selection(apl, rules)
    caps = caps_of(method, region)
    total = region_population(region)
    current = DoctorsZoning.objects.select_for_update().filter(region=region).first()
    previous = _previous_choices(current)
    index_of = {r.zone.pk: i for i, r in enumerate(inputs)}
    choices = {index_of[z]: c for z, c in previous.items() if z in index_of}
    categories, dropped = engine.replay_choices(choices, population, automatic, caps, total)
    kind, label = basis_of(inputs)
    zoning = current or DoctorsZoning(region=region)
    zoning.method, zoning.tvs_zoning = method, tvs
    zoning.basis, zoning.basis_label = kind, label
    zoning.apl_unit = UNIT_CONSULTATIONS
    zoning.region_population = total
    zoning.computed_at, zoning.computed_by = timezone.now(), user
    zoning.confirmed_at = zoning.confirmed_by = None
    if kind == DoctorsZoning.Basis.DREES:
        zoning.confirmed_at = zoning.computed_at
    zoning.summary = {
        "communes_without_apl": sum(r.communes_without_apl for r in inputs),
        "communes_other_unit": sum(r.communes_other_unit for r in inputs),
        "dropped": [
            {
                "zone": inputs[i].zone.code,
                "category": choices[i],
                "reason": refusal_message(r, inputs[i].zone),
            }
            for i, r in sorted(dropped.items())
        ],
    }
    zoning.lock_version = (zoning.lock_version + 1) if zoning.pk else 0
    save_checked(zoning, user, exclude=["computed_by", "confirmed_by"])
    _save_entries(zoning, inputs, automatic, categories, choices, user)
    return zoning


def _save_entries(zoning, inputs, automatic, categories, choices, user) -> None:
    existing = {e.zone_id: e for e in zoning.entries.all()}
    for i, row in enumerate(inputs):
        entry = existing.pop(row.zone.pk, None) or DoctorsZoningEntry(zoning=zoning, zone=row.zone)
        values = {
            "population": row.population,
            "apl": row.apl,
            "apl_basis": row.basis,
            "automatic": automatic[i],
            "category": categories[i],
            "chosen_by_ars": i in choices and categories[i] == choices[i],
        }
        if entry.pk and all(getattr(entry, k) == v for k, v in values.items()):
            continue
        for key, value in values.items():
            setattr(entry, key, value)
        save_checked(entry, user, exclude=["zoning", "zone"])
    for entry in existing.values():
        entry._history_user = user
        entry.delete()


@transaction.atomic
def zoning_confirm(pk: int, *, lock_version: int, user: AbstractBaseUser) -> DoctorsZoning:
    """A planner confirms a zoning resting on our estimate (stale lock: ``ConflictError``)."""
    zoning = locked(DoctorsZoning, pk, lock_version)
    zoning.confirmed_at, zoning.confirmed_by = timezone.now(), user
    zoning.lock_version += 1
    return save_checked(zoning, user, exclude=["computed_by", "confirmed_by"])


@transaction.atomic
def zoning_move(
    pk: int, *, zone_id: int, category: str, lock_version: int, user: AbstractBaseUser
) -> DoctorsZoningEntry:
    """Give TVS ``zone_id`` the ARS's ``category``; ``ZoningRefused`` (with its reason) when the
    rules or the caps forbid it or the zoning awaits confirmation; ``ConflictError`` when the
    zoning changed since ``lock_version``."""
    zoning = locked(DoctorsZoning, pk, lock_version)
    if zoning.needs_confirmation:
        raise ZoningRefused(
            _(
                "Ce zonage repose sur une APL estimée par l'application : un planificateur doit "
                "le confirmer avant qu'un choix de l'ARS soit retenu."
            )
        )
    state = state_of(zoning)
    index = next((i for i, e in enumerate(state.entries) if e.zone_id == zone_id), None)
    if index is None:
        raise ZoningRefused(_("Ce TVS n'appartient pas au zonage de la région."))
    entry = state.entries[index]
    refusal = engine.check_choice(
        index, category, state.population, state.automatic, state.categories, state.caps,
        state.region_population,
    )  # fmt: skip
    if refusal is not None:
        raise ZoningRefused(refusal_message(refusal, entry.zone))
    entry.category = category
    entry.chosen_by_ars = entry.automatic == engine.POOL and category != engine.VIVIER
    save_checked(entry, user, exclude=["zoning", "zone"])
    zoning.lock_version += 1
    save_checked(zoning, user, exclude=["computed_by", "confirmed_by"])
    return entry


def confirmation_label(zoning: DoctorsZoning) -> str:
    """Whether the classification is kept: published APL, or our estimate confirmed or not."""
    if zoning.basis == DoctorsZoning.Basis.DREES:
        return _("APL publiée par la DREES")
    if zoning.confirmed_at:
        return _("APL estimée, classement confirmé le %(date)s") % {
            "date": timezone.localtime(zoning.confirmed_at).date().isoformat()
        }
    return _("APL estimée, classement non confirmé")


# --- the annex of the arrêté ------------------------------------------------------------------

ANNEX_HEADER = [
    "code_tvs", "tvs", "communes", "categorie", "population", "apl", "base_apl", "unite_apl",
    "arrete", "confirmation",
]  # fmt: skip


def annex_csv(zoning: DoctorsZoning) -> str:
    """The annex of the ARS's arrêté as ``;``-separated CSV, header first: per TVS its code and
    name, the INSEE codes of its communes in the region, its category, population, APL and the
    APL's source and unit, the arrêté version and whether the classification is confirmed."""
    codes = defaultdict(list)
    rows = ZoneMembership.objects.filter(
        zoning=zoning.tvs_zoning, commune__department__region=zoning.region
    ).order_by("commune__code")
    for zone_id, code in rows.values_list("zone_id", "commune__code"):
        codes[zone_id].append(code)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(ANNEX_HEADER)
    confirmation = confirmation_label(zoning)
    for entry in state_of(zoning).entries:
        writer.writerow(
            [
                entry.zone.code,
                entry.zone.name,
                " ".join(codes[entry.zone_id]),
                category_label(entry.category),
                entry.population,
                "" if entry.apl is None else f"{entry.apl:.2f}",
                entry.apl_basis,
                zoning.apl_unit,
                zoning.method.title,
                confirmation,
            ]
        )
    return out.getvalue()
