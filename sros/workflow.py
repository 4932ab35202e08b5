"""The life of a schema version: draft → consultation → adopted → archived.

The state machine is django-fsm-2's (``SchemaVersion.submit/return_to_draft/adopt/archive``,
with ``state`` protected against assignment); this module adds what a state change means for
the region: who may make it, the log line (who, when, comment), and the rule that a region has
one adopted version — adopting archives the previous one in the same transaction, and a partial
unique index refuses a second adopted version whatever the code path.

A new draft is a copy of the adopted version (volets with their activities, objectives and the
zonings used); without an adopted version it starts empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed, can_proceed

from access import roles

from . import permissions
from .models import Objective, Schema, SchemaVersion, VersionTransition, VersionZoning, Volet

State = SchemaVersion.State

#: Transition name → (label of its button, states it leaves from).
TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "submit": (_("Soumettre à la consultation"), (State.DRAFT,)),
    "return_to_draft": (_("Revenir au brouillon"), (State.CONSULTATION,)),
    "adopt": (_("Adopter"), (State.CONSULTATION,)),
    "archive": (_("Archiver"), (State.ADOPTED, State.DRAFT)),
}


#: Transitions with no way back (an adopted or archived version never returns to draft): the
#: pages ask for a confirmation that says what they will do before applying them.
IRREVERSIBLE = frozenset({"adopt", "archive"})


class WorkflowError(Exception):
    """A transition that the version's state does not allow."""


class StaleConfirmation(WorkflowError):
    """The user confirmed a transition whose effects have changed since (another planner
    adopted or archived a version in between): nothing is done, the effects are shown again."""


@dataclass(frozen=True)
class TransitionPlan:
    """What applying ``name`` to ``version`` will do, computed before doing it.

    ``archives``: the other versions the transition archives (adopting archives the adopted
    version); ``leaves_no_adopted``: the schema has no adopted version afterwards (archiving
    the adopted version). ``token`` sums both up with the version's state; the confirmation
    form carries it, and ``version_transition`` refuses a confirmed request whose token no
    longer matches."""

    version: SchemaVersion
    name: str
    archives: tuple[SchemaVersion, ...]
    leaves_no_adopted: bool

    @property
    def needs_confirmation(self) -> bool:
        return self.name in IRREVERSIBLE

    @property
    def label(self) -> str:
        return str(TRANSITIONS[self.name][0])

    @property
    def token(self) -> str:
        archived = ",".join(str(v.pk) for v in self.archives)
        return f"{self.version.state}:{archived}"


def transition_plan(version: SchemaVersion, name: str) -> TransitionPlan:
    """The effects of transition ``name`` on ``version`` (read only; raises WorkflowError when
    the transition is unknown or the version's state does not allow it)."""
    if name not in TRANSITIONS:
        raise WorkflowError(f"unknown transition {name!r}")
    if not can_proceed(getattr(version, name)):
        raise WorkflowError(f"{name} is not allowed from {version.state}")
    archives: tuple[SchemaVersion, ...] = ()
    if name == "adopt":
        archives = tuple(_adopted_others(version).order_by("number"))
    leaves_no_adopted = name == "archive" and version.state == State.ADOPTED
    return TransitionPlan(version, name, archives, leaves_no_adopted)


def _adopted_others(version: SchemaVersion):
    return SchemaVersion.objects.filter(schema=version.schema_id, state=State.ADOPTED).exclude(
        pk=version.pk
    )


def available_transitions(version: SchemaVersion, user: AbstractBaseUser) -> list[str]:
    """Names of the transitions ``user`` may apply to ``version`` now."""
    if not permissions.can_move_version(user, version):
        return []
    return [name for name in TRANSITIONS if can_proceed(getattr(version, name))]


@transaction.atomic
def version_transition(
    version: SchemaVersion | int,
    name: str,
    *,
    user: AbstractBaseUser,
    comment: str = "",
    expected: str | None = None,
) -> SchemaVersion:
    """Apply transition ``name`` for ``user`` and log it; adopting archives the adopted one.

    ``expected``: the ``TransitionPlan.token`` the user confirmed; when given, the plan is
    computed again under the row locks and a different one raises ``StaleConfirmation``."""
    if name not in TRANSITIONS:
        raise WorkflowError(f"unknown transition {name!r}")
    pk = version.pk if isinstance(version, SchemaVersion) else version
    version = SchemaVersion.objects.select_for_update().select_related("schema").get(pk=pk)
    if not permissions.can_move_version(user, version):
        raise PermissionDenied
    # Locked before the plan is read again: no other adoption can slip in between.
    previous = _adopted_others(version).select_for_update().order_by("number")
    previous = list(previous) if name == "adopt" else []
    if expected is not None and transition_plan(version, name).token != expected:
        raise StaleConfirmation(f"{name} of version {version.pk} changed since confirmation")
    for old in previous:
        _apply(old, "archive", user, _("Remplacée par la version %s") % version.number)
    _apply(version, name, user, comment)
    return version


def _apply(version: SchemaVersion, name: str, user: AbstractBaseUser, comment: str) -> None:
    source = version.state
    try:
        getattr(version, name)()
    except TransitionNotAllowed as exc:
        raise WorkflowError(f"{name} is not allowed from {source}") from exc
    if name == "adopt":
        version.adopted_at = timezone.now()
    version.lock_version += 1
    version._history_user = user
    version.save()
    VersionTransition.objects.create(
        version=version,
        name=name,
        source=source,
        target=version.state,
        by=user if user and user.is_authenticated else None,
        comment=str(comment or ""),
    )


@transaction.atomic
def version_new_draft(schema: Schema, *, user: AbstractBaseUser, label: str = "") -> SchemaVersion:
    """A new draft, copied from the adopted version when there is one."""
    if not roles.can_start_draft(user, schema.region_id):
        raise PermissionDenied
    Schema.objects.select_for_update().get(pk=schema.pk)  # serialise version numbering
    source = schema.versions.filter(state=State.ADOPTED).first()
    number = (schema.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = SchemaVersion(
        schema=schema,
        number=number,
        label=label or (source.label if source else ""),
        based_on=source,
        default_zoning=source.default_zoning if source else None,
        created_by=user,
    )
    draft._history_user = user
    draft.save()
    if source:
        _copy_contents(source, draft, user)
    VersionTransition.objects.create(
        version=draft,
        name="create",
        source="",
        target=draft.state,
        by=user,
        comment=str(_("Copie de la version %s") % source.number) if source else "",
    )
    return draft


def _copy_contents(source: SchemaVersion, draft: SchemaVersion, user: AbstractBaseUser) -> None:
    VersionZoning.objects.bulk_create(
        VersionZoning(version=draft, activity_id=vz.activity_id, zoning_id=vz.zoning_id)
        for vz in source.zonings.all()
    )
    for volet in source.volets.prefetch_related("activities"):
        activities = list(volet.activities.all())
        copy = Volet(
            version=draft,
            theme_id=volet.theme_id,
            title=volet.title,
            narrative=volet.narrative,
            pathway_id=volet.pathway_id,
            order=volet.order,
        )
        copy._history_user = user
        copy.save()
        copy.activities.set(activities)
    for objective in source.objectives.all():
        copy = Objective(
            version=draft,
            zone_id=objective.zone_id,
            activity_id=objective.activity_id,
            modality=objective.modality,
            minimum=objective.minimum,
            maximum=objective.maximum,
            max_access_minutes=objective.max_access_minutes,
            justification=objective.justification,
        )
        copy._history_user = user
        copy.save()
