"""Which facilities serve a pathway level, and in which state the loaded data leaves a level.

A level is in one of three states for a region (``level_state``):

- ``computed``: every activity its requirements name has at least one current authorisation
  loaded for a facility of the region, so the level is served by the rule as written;
- ``approximated``: some activity has no authorisation loaded, but the requirement (or another
  requirement of the level) names a facility kind, so the level is served by facility kind
  alone for that requirement ("approximation par type d'établissement");
- ``missing``: some activity has no authorisation loaded and nothing to fall back on; the level
  is not computed (never "0 facilities, 100 % beyond target" for lack of an input).

The worst state of a level's requirements wins. See docs/level-states.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from facilities.activities import cached_labels
from facilities.models import Facility
from facilities.perinatal import MaternityType
from facilities.selectors import current_authorisations, facilities_matching

from .models import Level, LevelRequirement

COMPUTED, APPROXIMATED, MISSING = "computed", "approximated", "missing"
#: States from best to worst: a level takes the worst state of its requirements.
STATES = (COMPUTED, APPROXIMATED, MISSING)

#: The files that load authorisations: opendata KIND and the document describing it.
AUTHORISATION_FILES: tuple[tuple[str, str], ...] = (
    ("authorisations", "docs/authorisations-csv.md"),
    ("finess-authorisations", "docs/finess-authorisations.md"),
    ("finess-plus-activites", "docs/finess-authorisations.md"),
)


def _requirements(level: Level) -> list[LevelRequirement]:
    return list(level.requirements.all())


def _fallback_kinds(requirement: LevelRequirement, requirements: list[LevelRequirement]) -> list:
    """The facility kinds that serve ``requirement`` when its activity has no authorisation
    loaded: its own kind, else the kinds the level's other requirements name."""
    if requirement.facility_kind:
        return [requirement.facility_kind]
    return sorted({r.facility_kind for r in requirements if r.facility_kind})


Spec = tuple[str, str, str, str, str]


def _specs(
    level: Level, absent: Collection[str]
) -> tuple[str, list[Spec], list[LevelRequirement], list[str]]:
    """(state, matching specs (activity, modality, mention, maternity type, kind),
    requirements whose activity is absent, fallback kinds used) of ``level`` when the
    activities ``absent`` have no authorisation loaded."""
    requirements = _requirements(level)
    state = COMPUTED
    specs: list[Spec] = []
    lacking: list[LevelRequirement] = []
    kinds_used: set[str] = set()
    for requirement in requirements:
        activity = requirement.activity_id or ""
        if not activity or activity not in absent:
            specs.append(
                (
                    activity,
                    requirement.modality,
                    requirement.mention,
                    requirement.maternity_type,
                    requirement.facility_kind,
                )
            )
            continue
        lacking.append(requirement)
        kinds = _fallback_kinds(requirement, requirements)
        if kinds:
            specs += [("", "", "", "", kind) for kind in kinds]
            kinds_used.update(kinds)
            if state == COMPUTED:
                state = APPROXIMATED
        else:
            state = MISSING
    if not requirements:
        state = MISSING
    if state == MISSING:
        specs = []
    return state, specs, lacking, sorted(kinds_used)


def level_facilities(
    level: Level, on: dt.date | None = None, *, absent: Collection[str] = ()
) -> QuerySet[Facility]:
    """Open facilities meeting any requirement of ``level`` on ``on`` (today by default).

    ``absent``: activities with no authorisation loaded (``LevelState.absent``); a requirement
    naming one of them is served by facility kind alone where a kind is named, and not at all
    otherwise (a missing level has no facility).
    """
    _state, specs, _lacking, _kinds = _specs(level, absent)
    querysets = [
        facilities_matching(
            activity=activity,
            modality=modality,
            mention=mention,
            maternity_type=maternity_type,
            kind=kind,
            on=on,
        )
        for activity, modality, mention, maternity_type, kind in dict.fromkeys(specs)
    ]
    if not querysets:
        return Facility.objects.none()
    return reduce(or_, querysets).distinct()


def level_access_target(level: Level) -> int | None:
    """The level's access target in minutes: the strictest of its requirements' targets."""
    targets = [req.access_target_minutes for req in level.requirements.all()]
    return min(targets) if targets else None


# --- states -------------------------------------------------------------------------------


def authorised_activities(region, on: dt.date | None = None) -> set[str]:
    """Activities with at least one current authorisation of a facility of ``region`` (one
    query)."""
    return set(
        current_authorisations(on)
        .filter(facility__commune__department__region=region)
        .exclude(activity__isnull=True)
        .values_list("activity", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class LevelState:
    """The state of one level for a region, as a run records it (``as_json``)."""

    state: str
    label: str
    #: Activities without any authorisation loaded: [{"activity": code, "modalities": [...]}].
    missing: list[dict[str, Any]] = field(default_factory=list)
    #: The facility kinds an approximated level is served by.
    kinds: list[str] = field(default_factory=list)

    @property
    def absent(self) -> set[str]:
        return {entry["activity"] for entry in self.missing}

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "label": self.label,
            "missing": [dict(entry) for entry in self.missing],
            "kinds": list(self.kinds),
            "files": [kind for kind, _doc in AUTHORISATION_FILES] if self.missing else [],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LevelState:
        return cls(
            state=data.get("state", COMPUTED),
            label=data.get("label", ""),
            missing=list(data.get("missing", [])),
            kinds=list(data.get("kinds", [])),
        )


def level_state(
    level: Level,
    region=None,
    on: dt.date | None = None,
    *,
    authorised: Collection[str] | None = None,
) -> LevelState:
    """The state of ``level`` for ``region`` on ``on`` (see the module docstring).

    ``authorised``: the region's authorised activities (``authorised_activities``), to share
    one query among many levels; read from the database when not given.
    """
    if authorised is None:
        authorised = authorised_activities(region, on)
    named = [r.activity_id for r in _requirements(level) if r.activity_id]
    absent = {activity for activity in named if activity not in authorised}
    state, _specs_, lacking, kinds = _specs(level, absent)
    modalities: dict[str, list[str]] = {}
    types: dict[str, list[str]] = {}
    for requirement in lacking:
        found = modalities.setdefault(requirement.activity_id, [])
        if requirement.modality and requirement.modality not in found:
            found.append(requirement.modality)
        kinds_of = types.setdefault(requirement.activity_id, [])
        if requirement.maternity_type and requirement.maternity_type not in kinds_of:
            kinds_of.append(requirement.maternity_type)
    missing = []
    for activity, found in modalities.items():
        entry: dict[str, Any] = {"activity": activity, "modalities": found}
        if types[activity]:
            entry["maternity_types"] = types[activity]
        missing.append(entry)
    return LevelState(
        state=state,
        label=str(level),
        missing=missing,
        kinds=kinds if state == APPROXIMATED else [],
    )


def level_states(region, levels: Iterable[Level], on: dt.date | None = None) -> dict:
    """``{level id: LevelState}`` of ``levels`` for ``region`` (one query for the
    authorisations, plus the levels' requirements unless prefetched)."""
    authorised = authorised_activities(region, on)
    return {level.pk: level_state(level, authorised=authorised) for level in levels}


# --- words --------------------------------------------------------------------------------


def _activity_label(code: str) -> str:
    return cached_labels().activity_label(code)


def _modality_label(code: str, activity: str = "") -> str:
    index = cached_labels()
    if activity:
        return index.modality_label(activity, code)
    return dict(index.modality_choices()).get(code, code)


def _kind_label(code: str) -> str:
    try:
        return str(Facility.Kind(code).label)
    except ValueError:
        return code


def state_label(state: str) -> str:
    """The short French name of a state."""
    return {
        COMPUTED: _("calculé à partir des sources chargées"),
        APPROXIMATED: _("approximation par type d'établissement"),
        MISSING: _("données manquantes"),
    }.get(state, state)


def _lacking(data: dict[str, Any]) -> str:
    parts = []
    for entry in data.get("missing", []):
        activity = _activity_label(entry["activity"])
        modalities = [_modality_label(m, entry["activity"]) for m in entry.get("modalities", [])]
        modalities += [str(MaternityType(kind).label) for kind in entry.get("maternity_types", [])]
        if modalities:
            activity = f"{activity} ({', '.join(modalities)})"
        parts.append(_("aucune autorisation de %(activity)s chargée") % {"activity": activity})
    return " ; ".join(parts)


def files_sentence() -> str:
    """Which files to load for the authorisations."""
    files = ", ".join(f"« {kind} »" for kind, _doc in AUTHORISATION_FILES)
    return _(
        "Chargez un fichier d'autorisations (import %(files)s : CSV des autorisations de "
        "l'ARS, extraction FINESS des autorisations ou flux FINESS+ activités)."
    ) % {"files": files}


def state_sentence(data: dict[str, Any] | None) -> str:
    """One sentence saying how a level was computed, from its recorded state
    (``LevelState.as_json``): "données manquantes : aucune autorisation de <activité> chargée"
    and the files to load, or the approximation and its facility kinds; "" for a computed
    level (or a run that recorded no state)."""
    if not data:
        return ""
    state = data.get("state", COMPUTED)
    lacking = _lacking(data)
    if state == MISSING:
        if not lacking:
            return _("données manquantes : le niveau n'a aucun critère.")
        return _("données manquantes : %(what)s.") % {"what": lacking} + " " + files_sentence()
    if state == APPROXIMATED:
        kinds = ", ".join(_kind_label(k) for k in data.get("kinds", []))
        sentence = _("approximation par type d'établissement (%(kinds)s)") % {"kinds": kinds}
        if lacking:
            sentence = f"{sentence} : {lacking}. {files_sentence()}"
        return sentence
    return ""
