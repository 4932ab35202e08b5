"""What changed between two versions of a schema: objectives added, removed and changed (an
objective is the same one in both versions when zone, activity and modality match) and the
text of volets (matched by theme, else by title), as unified-diff lines."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .models import Objective, SchemaVersion, Volet

COMPARED_FIELDS = ("minimum", "maximum", "max_access_minutes", "justification")


@dataclass(frozen=True)
class ObjectiveChange:
    old: Objective
    new: Objective
    fields: dict[str, tuple[object, object]]


@dataclass(frozen=True)
class VoletChange:
    title: str
    old: Volet | None
    new: Volet | None
    # (css class, line): "add", "del", "hunk" or "" for context lines.
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class VersionDiff:
    old: SchemaVersion
    new: SchemaVersion
    added: list[Objective]
    removed: list[Objective]
    changed: list[ObjectiveChange]
    volets: list[VoletChange]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.volets)


def _objective_key(objective: Objective) -> tuple[str, str, str, str]:
    return (objective.zone.zoning_id, objective.zone.code, objective.activity.code,
            objective.modality)  # fmt: skip


def _objectives(version: SchemaVersion) -> dict[tuple, Objective]:
    rows = version.objectives.select_related("zone", "activity")
    return {_objective_key(o): o for o in rows}


def _volet_key(volet: Volet) -> str:
    return f"theme:{volet.theme_id}" if volet.theme_id else f"title:{volet.title.strip().lower()}"


def text_diff(old: str, new: str, old_name: str = "", new_name: str = "") -> list[tuple[str, str]]:
    """Unified diff of two texts as (class, line) pairs, for a template to escape and colour."""
    lines = []
    for line in difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_name, new_name, lineterm="", n=2
    ):
        if line.startswith(("---", "+++")):
            continue
        css = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "")
        lines.append((css, line))
    return lines


def version_diff(old: SchemaVersion, new: SchemaVersion) -> VersionDiff:
    before, after = _objectives(old), _objectives(new)
    added = [after[k] for k in sorted(after.keys() - before.keys(), key=str)]
    removed = [before[k] for k in sorted(before.keys() - after.keys(), key=str)]
    changed = []
    for key in sorted(before.keys() & after.keys(), key=str):
        a, b = before[key], after[key]
        fields = {
            name: (getattr(a, name), getattr(b, name))
            for name in COMPARED_FIELDS
            if getattr(a, name) != getattr(b, name)
        }
        if fields:
            changed.append(ObjectiveChange(a, b, fields))
    old_volets = {_volet_key(v): v for v in old.volets.all()}
    new_volets = {_volet_key(v): v for v in new.volets.all()}
    volets = []
    for key in list(old_volets) + [k for k in new_volets if k not in old_volets]:
        a, b = old_volets.get(key), new_volets.get(key)
        old_text = f"# {a.title}\n{a.narrative}" if a else ""
        new_text = f"# {b.title}\n{b.narrative}" if b else ""
        if old_text != new_text:
            lines = text_diff(old_text, new_text, f"v{old.number}", f"v{new.number}")
            volets.append(VoletChange((b or a).title, a, b, lines))
    return VersionDiff(old, new, added, removed, changed, volets)
