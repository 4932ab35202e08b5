"""Objectives in bulk (issue 12 §2): the rows of a version's objectives grid, each saved on its
own.

A grid sends many rows at once, but two planners rarely edit the same rows: one stale or
broken row must not cost the others their save. So each row goes through the single-row
services (``sros.services.objective_update`` / ``objective_create``, which keep the rules,
optimistic locking and the history) in its own savepoint, and its outcome is reported:
saved, created, refused as stale (with the row as the other person saved it: nothing is
overwritten), invalid (the messages per field), or gone (deleted since the grid was loaded).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.locking import ConflictError

from . import services
from .models import Objective, SchemaVersion


class Outcome(enum.StrEnum):
    UPDATED = "updated"
    CREATED = "created"
    CONFLICT = "conflict"
    INVALID = "invalid"
    GONE = "gone"


@dataclass(frozen=True)
class GridRow:
    """One changed row of the grid: ``objective_id`` None for a new objective; ``values`` the
    fields to write (``sros.services.OBJECTIVE_FIELDS``), ``lock_version`` the one the row was
    loaded at."""

    key: str
    objective_id: int | None
    lock_version: int
    values: dict[str, Any]


@dataclass
class RowResult:
    row: GridRow
    outcome: Outcome
    objective: Objective | None = None
    #: CONFLICT: the objective as the other person saved it.
    current: Objective | None = None
    #: INVALID, GONE: messages by field name (``"__all__"`` for the row as a whole).
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def saved(self) -> bool:
        return self.outcome in (Outcome.UPDATED, Outcome.CREATED)


def objectives_save(
    version: SchemaVersion,
    rows: Iterable[GridRow],
    *,
    user: AbstractBaseUser | None = None,
) -> list[RowResult]:
    """Save each row of ``version``'s grid independently and say what became of it.

    Raises ``VersionReadOnly`` (nothing saved) when the version is not a draft. A row naming an
    objective of another version is treated as gone: the grid edits one version only.
    """
    services.ensure_editable(SchemaVersion.objects.get(pk=version.pk))  # its state now
    return [_save_row(version, row, user) for row in rows]


def _save_row(version: SchemaVersion, row: GridRow, user) -> RowResult:
    try:
        with transaction.atomic():
            if row.objective_id is None:
                objective = services.objective_create(version=version, user=user, **row.values)
                return RowResult(row, Outcome.CREATED, objective=objective)
            if not Objective.objects.filter(pk=row.objective_id, version=version).exists():
                return _gone(row)
            objective = services.objective_update(
                row.objective_id, lock_version=row.lock_version, user=user, **row.values
            )
            return RowResult(row, Outcome.UPDATED, objective=objective)
    except ConflictError as conflict:
        return RowResult(row, Outcome.CONFLICT, current=conflict.current)
    except Objective.DoesNotExist:  # deleted between the check and the row lock
        return _gone(row)
    except services.VersionReadOnly as exc:  # moved out of draft while the rows were saved
        message = _("Cette version est en lecture seule (%(state)s).") % {
            "state": exc.version.get_state_display()
        }
        return RowResult(row, Outcome.INVALID, errors={"__all__": [message]})
    except ValidationError as exc:
        return RowResult(row, Outcome.INVALID, errors=_messages(exc))


def _gone(row: GridRow) -> RowResult:
    message = _("Cet objectif n'existe plus : il a été supprimé depuis le chargement du tableau.")
    return RowResult(row, Outcome.GONE, errors={"__all__": [message]})


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: list(messages) for name, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}
