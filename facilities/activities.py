"""Reading the authorisation catalogue (``facilities.catalogue``) as codes and labels: which
activities, modalities and mentions exist, and whether a combination is one the texts define.

The catalogue is data (seeded by the facilities migrations from the texts cited in
docs/authorisation-catalogue.md). The few codes other modules name in code are constants
here. Importers and forms check many rows at once: they build one ``CatalogueIndex`` (three
queries) and ask it, instead of querying per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from .catalogue import AuthorisedActivity, Mention, Modality


class Activity:
    """Codes of the activities code names (the rest of the catalogue is data)."""

    EMERGENCY = "urgences"
    OBSTETRICS = "obstetrique"
    PSYCHIATRY = "psychiatrie"
    SURGERY = "chirurgie"
    REHABILITATION = "smr"
    NUCLEAR_MEDICINE = "medecine_nucleaire"


class Modalities:
    """Codes of the modalities code names."""

    EMERGENCY_UNIT = "su"
    SMUR = "smur"
    SAMU = "samu"
    PSY_ADULTS = "adultes"
    PSY_CHILDREN = "infanto_juvenile"


@dataclass(frozen=True)
class CatalogueIndex:
    """The catalogue as dictionaries of labels by code."""

    activities: dict[str, str]
    kinds: dict[str, str]
    modality_required: frozenset[str]
    #: activity → modality code → label
    modalities: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (activity, modality or "") → mention code → label
    mentions: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def allows(self, activity: str, modality: str = "", mention: str = "") -> bool:
        """Whether the texts define ``modality`` (and ``mention``) for ``activity``; an empty
        modality is allowed unless the activity is always authorised with one."""
        if self.kinds.get(activity) != AuthorisedActivity.Kind.ACTIVITY:
            return False
        if modality and modality not in self.modalities.get(activity, {}):
            return False
        if not modality and activity in self.modality_required:
            return False
        return not mention or self.mention_allowed(activity, modality, mention)

    def mention_allowed(self, activity: str, modality: str, mention: str) -> bool:
        """A mention of the activity itself, or of the modality given."""
        return mention in self.mentions.get((activity, ""), {}) or (
            bool(modality) and mention in self.mentions.get((activity, modality), {})
        )

    def allows_objective(self, activity: str, modality: str = "", mention: str = "") -> bool:
        """Like ``allows``, but an objective may name an activity without its modality (its
        implantations of every modality): OQOS are set per activity, modality or mention."""
        if activity not in self.activities:
            return False
        if not modality:
            return not mention or any(
                mention in codes for (a, _m), codes in self.mentions.items() if a == activity
            )
        if modality not in self.modalities.get(activity, {}):
            return False
        return not mention or self.mention_allowed(activity, modality, mention)

    def is_equipment(self, code: str) -> bool:
        return self.kinds.get(code) == AuthorisedActivity.Kind.EQUIPMENT

    def activity_label(self, code: str) -> str:
        return self.activities.get(code, code)

    def modality_label(self, activity: str, code: str) -> str:
        return self.modalities.get(activity, {}).get(code, code)

    def mention_label(self, activity: str, code: str) -> str:
        for (a, _modality), codes in self.mentions.items():
            if a == activity and code in codes:
                return codes[code]
        return code

    def modality_choices(self) -> list[tuple[str, str]]:
        """Every modality code once (the first label met), for filters across activities."""
        seen: dict[str, str] = {}
        for modalities in self.modalities.values():
            for code, label in modalities.items():
                seen.setdefault(code, label)
        return sorted(seen.items())


def valid_on(on: dt.date | None) -> Q:
    """Catalogue rows in force on ``on`` (every row when None)."""
    if on is None:
        return Q()
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def catalogue(on: dt.date | None = None) -> CatalogueIndex:
    """The catalogue in force on ``on``, or every row ever in force when ``on`` is None (an
    authorisation granted in 2019 for a TEP still names a code of the catalogue)."""
    rows = AuthorisedActivity.objects.filter(valid_on(on)).values_list(
        "code", "label", "kind", "modality_required"
    )
    activities, kinds, required = {}, {}, set()
    for code, label, kind, modality_required in rows:
        activities[code], kinds[code] = label, kind
        if modality_required:
            required.add(code)
    modalities: dict[str, dict[str, str]] = defaultdict(dict)
    for activity, code, label in Modality.objects.filter(valid_on(on)).values_list(
        "activity__code", "code", "label"
    ):
        modalities[activity][code] = label
    mentions: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for activity, modality, code, label in Mention.objects.filter(valid_on(on)).values_list(
        "activity__code", "modality__code", "code", "label"
    ):
        mentions[(activity, modality or "")][code] = label
    return CatalogueIndex(
        activities=activities,
        kinds=kinds,
        modality_required=frozenset(required),
        modalities=dict(modalities),
        mentions=dict(mentions),
    )


def labels() -> CatalogueIndex:
    """The labels of every activity, equipment and modality, in one query (a LEFT JOIN of the
    activities and their modalities): what map popups need, without kinds' rules or
    mentions."""
    activities: dict[str, str] = {}
    kinds: dict[str, str] = {}
    modalities: dict[str, dict[str, str]] = defaultdict(dict)
    rows = AuthorisedActivity.objects.values_list(
        "code", "label", "kind", "modalities__code", "modalities__label"
    )
    for code, label, kind, modality, modality_label in rows:
        activities[code], kinds[code] = label, kind
        if modality:
            modalities[code][modality] = modality_label
    return CatalogueIndex(activities, kinds, frozenset(), dict(modalities))


_labels: CatalogueIndex | None = None


def cached_labels() -> CatalogueIndex:
    """``labels()`` read once per process, for sentences that name activities on every page
    (a level's state); any save or delete of a catalogue row forgets it
    (``forget_labels``, connected in ``FacilitiesConfig.ready``)."""
    global _labels
    if _labels is None:
        _labels = labels()
    return _labels


def forget_labels(**_kwargs: object) -> None:
    global _labels
    _labels = None


def modality_allowed(activity: str, modality: str, mention: str = "") -> bool:
    """Whether ``modality`` (and ``mention``) is defined for ``activity`` (three queries; build
    a ``catalogue()`` to check many)."""
    return catalogue().allows(activity, modality, mention)


def activity_choices(kind: str = AuthorisedActivity.Kind.ACTIVITY) -> list[tuple[str, str]]:
    """(code, label) of the activities (or equipment) of the catalogue, in the order of the
    texts, for forms and filters."""
    return list(
        AuthorisedActivity.objects.filter(kind=kind)
        .order_by("order", "code")
        .values_list("code", "label")
    )


def modality_choices() -> list[tuple[str, str]]:
    """(code, label) of every modality once (the first label met), for filters across
    activities (one query)."""
    seen: dict[str, str] = {}
    for code, label in Modality.objects.order_by("activity__order", "order", "code").values_list(
        "code", "label"
    ):
        seen.setdefault(code, label)
    return sorted(seen.items())


def mention_choices() -> list[tuple[str, str]]:
    """(code, label) of every mention, for filters across activities."""
    return sorted(set(Mention.objects.values_list("code", "label")))
