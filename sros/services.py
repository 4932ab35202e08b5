"""Writes on the regional schema. Every write of an editable object goes through here so that
the three safety rules hold whatever the caller (page, admin action, task):

- adopted and archived versions are read-only (``VersionReadOnly``);
- a save naming a stale ``lock_version`` is refused (``ConflictError`` carries the current row,
  so the page can show the other person's values next to the user's input);
- the history records who made the change (``_history_user`` for django-simple-history).

Validation errors are ``ValidationError`` keyed by field, with French messages a form can show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.locking import locked, save_checked
from facilities.activities import catalogue
from territories.models import Region, Zone, Zoning

from .models import (
    AuthorisedActivity,
    Evaluation,
    Milestone,
    Objective,
    PilotProject,
    Schema,
    SchemaVersion,
    VersionZoning,
    Volet,
)
from .schema_selectors import zoning_for


class VersionReadOnly(Exception):
    """A write on a version that is not a draft (adopted, archived or in consultation)."""

    def __init__(self, version: SchemaVersion):
        super().__init__(f"{version} is {version.state}: read-only")
        self.version = version


def ensure_editable(version: SchemaVersion) -> None:
    if not version.is_editable:
        raise VersionReadOnly(version)


def _save(instance: models.Model, user: AbstractBaseUser | None) -> models.Model:
    # ``state`` is excluded: django-fsm protects it, and only transitions may change it.
    return save_checked(instance, user, exclude=["state"])


# --- Schema, zonings ------------------------------------------------------------------------


@transaction.atomic
def schema_create(*, region: Region, name: str = "") -> Schema:
    schema, _created = Schema.objects.get_or_create(
        region=region, defaults={"name": name or _("Schéma régional – %s") % region.name}
    )
    return schema


@transaction.atomic
def version_set_zoning(
    *,
    version: SchemaVersion,
    zoning: Zoning,
    activity: AuthorisedActivity | None = None,
    user: AbstractBaseUser | None = None,
) -> None:
    """Use ``zoning`` for ``activity``'s objectives (or as the default zoning without one)."""
    ensure_editable(version)
    if zoning.region_id != version.schema.region_id:
        raise ValidationError(
            {"zoning": _("Ce zonage n'appartient pas à la région du schéma.")}, code="zoning"
        )
    if activity is None:
        version.default_zoning = zoning
        version.lock_version += 1
        _save(version, user)
    else:
        VersionZoning.objects.update_or_create(
            version=version, activity=activity, defaults={"zoning": zoning}
        )


# --- Objectives -----------------------------------------------------------------------------

OBJECTIVE_FIELDS = (
    "zone",
    "activity",
    "modality",
    "mention",
    "minimum",
    "maximum",
    "max_access_minutes",
    "justification",
)


def _catalogue_errors(
    activity: AuthorisedActivity, modality: str, mention: str, errors: dict[str, list[str]]
) -> None:
    """Whether the modality and mention an objective names are the catalogue's for its
    activity (an activity always authorised with a modality needs one)."""
    index = catalogue()
    code = activity.code
    if modality and not index.modalities.get(code):
        errors.setdefault("modality", []).append(
            _("L'activité « %(activity)s » n'a pas de modalité.") % {"activity": activity.label}
        )
    elif (modality or code in index.modality_required) and not index.allows(code, modality):
        errors.setdefault("modality", []).append(
            _("Cette modalité ne s'applique pas à l'activité « %(activity)s ».")
            % {"activity": activity.label}
        )
    elif mention and not index.allows_objective(code, modality, mention):
        errors.setdefault("mention", []).append(
            _("Cette mention ne s'applique pas à l'activité « %(activity)s ».")
            % {"activity": activity.label}
        )


def objective_errors(version: SchemaVersion, values: dict[str, Any]) -> dict[str, list[str]]:
    """The rules of an OQOS, as messages per field (empty when valid)."""
    errors: dict[str, list[str]] = {}
    minimum, maximum = values.get("minimum"), values.get("maximum")
    for name in ("minimum", "maximum", "max_access_minutes"):
        value = values.get(name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("La valeur ne peut pas être négative."))
    if minimum is not None and maximum is not None and 0 <= maximum < minimum:
        errors.setdefault("maximum", []).append(
            _("Le maximum (%(max)s) est inférieur au minimum (%(min)s).")
            % {"max": maximum, "min": minimum}
        )
    activity, zone = values.get("activity"), values.get("zone")
    if activity is not None:
        modality, mention = values.get("modality") or "", values.get("mention") or ""
        _catalogue_errors(activity, modality, mention, errors)
        if zone is not None:
            zoning = zoning_for(version, activity)
            if zoning is None:
                errors.setdefault("zone", []).append(
                    _("La version n'utilise aucun zonage pour l'activité « %(activity)s ».")
                    % {"activity": activity.label}
                )
            elif zone.zoning_id != zoning.pk:
                errors.setdefault("zone", []).append(
                    _(
                        "La zone « %(zone)s » n'appartient pas au zonage « %(zoning)s » "
                        "que la version utilise pour cette activité."
                    )
                    % {"zone": zone, "zoning": zoning}
                )
    return errors


def _check_objective(
    version: SchemaVersion, values: dict[str, Any], exclude_pk: int | None = None
) -> None:
    errors = objective_errors(version, values)
    duplicate = Objective.objects.filter(
        version=version,
        zone=values.get("zone"),
        activity=values.get("activity"),
        modality=values.get("modality") or "",
        mention=values.get("mention") or "",
    ).exclude(pk=exclude_pk)
    if not errors and duplicate.exists():
        errors["zone"] = [
            _("Un objectif existe déjà pour cette zone, cette activité et cette modalité.")
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def objective_create(
    *, version: SchemaVersion, user: AbstractBaseUser | None = None, **values: Any
) -> Objective:
    version = SchemaVersion.objects.select_for_update().get(pk=version.pk)
    ensure_editable(version)
    values = {name: values.get(name) for name in OBJECTIVE_FIELDS if name in values}
    values["modality"] = values.get("modality") or ""
    values["mention"] = values.get("mention") or ""
    values["justification"] = values.get("justification") or ""
    if values.get("minimum") is None:
        values["minimum"] = 0
    _check_objective(version, values)
    return _save(Objective(version=version, **values), user)


@transaction.atomic
def objective_update(
    objective: Objective | int,
    *,
    lock_version: int,
    user: AbstractBaseUser | None = None,
    **values: Any,
) -> Objective:
    """Save new values of an objective loaded at ``lock_version``.

    Raises ``ConflictError`` if someone saved it since (whatever they changed: the user must
    see their changes before overwriting them), ``VersionReadOnly`` outside a draft,
    ``ValidationError`` on a broken rule.
    """
    pk = objective.pk if isinstance(objective, Objective) else objective
    current = locked(Objective, pk, lock_version)
    ensure_editable(current.version)
    for name in OBJECTIVE_FIELDS:
        if name in values:
            setattr(current, name, values[name])
    current.modality = current.modality or ""
    current.mention = current.mention or ""
    current.justification = current.justification or ""
    current.minimum = current.minimum or 0
    _check_objective(
        current.version, {name: getattr(current, name) for name in OBJECTIVE_FIELDS}, current.pk
    )
    current.lock_version += 1
    return _save(current, user)


@transaction.atomic
def objective_delete(
    objective: Objective | int, *, lock_version: int, user: AbstractBaseUser | None = None
) -> None:
    pk = objective.pk if isinstance(objective, Objective) else objective
    current = locked(Objective, pk, lock_version)
    ensure_editable(current.version)
    current._history_user = user
    current.delete()


# --- Volets ---------------------------------------------------------------------------------


@transaction.atomic
def volet_create(
    *,
    version: SchemaVersion,
    title: str,
    narrative: str = "",
    theme=None,
    pathway=None,
    activities=(),
    order: int = 0,
    user: AbstractBaseUser | None = None,
) -> Volet:
    ensure_editable(version)
    volet = _save(
        Volet(
            version=version,
            title=title,
            narrative=narrative,
            theme=theme,
            pathway=pathway,
            order=order,
        ),
        user,
    )
    volet.activities.set(activities)
    return volet


@transaction.atomic
def volet_update(
    volet: Volet | int,
    *,
    lock_version: int,
    user: AbstractBaseUser | None = None,
    activities=None,
    **values: Any,
) -> Volet:
    pk = volet.pk if isinstance(volet, Volet) else volet
    current = locked(Volet, pk, lock_version)
    ensure_editable(current.version)
    for name in ("title", "narrative", "theme", "pathway", "order"):
        if name in values:
            setattr(current, name, values[name])
    current.lock_version += 1
    _save(current, user)
    if activities is not None:
        current.activities.set(activities)
    return current


# --- Pilot projects -------------------------------------------------------------------------


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError(
            {"end_date": _("La date de fin (%(end)s) précède la date de début (%(start)s).")
             % {"end": end, "start": start}}
        )  # fmt: skip


def _check_zone_in_region(schema: Schema, zone: Zone) -> None:
    if zone.zoning.region_id != schema.region_id:
        raise ValidationError({"zone": _("Cette zone n'appartient pas à la région du schéma.")})


@transaction.atomic
def pilot_project_create(
    *,
    schema: Schema,
    title: str,
    theme,
    zone: Zone,
    start_date: dt.date,
    end_date: dt.date | None = None,
    description: str = "",
    user: AbstractBaseUser | None = None,
) -> PilotProject:
    _check_dates(start_date, end_date)
    _check_zone_in_region(schema, zone)
    return _save(
        PilotProject(
            schema=schema,
            title=title,
            theme=theme,
            zone=zone,
            start_date=start_date,
            end_date=end_date,
            description=description,
        ),
        user,
    )


@transaction.atomic
def pilot_project_update(
    project: PilotProject | int,
    *,
    lock_version: int,
    user: AbstractBaseUser | None = None,
    **values: Any,
) -> PilotProject:
    pk = project.pk if isinstance(project, PilotProject) else project
    current = locked(PilotProject, pk, lock_version)
    for name in ("title", "description", "theme", "zone", "start_date", "end_date"):
        if name in values:
            setattr(current, name, values[name])
    _check_dates(current.start_date, current.end_date)
    _check_zone_in_region(current.schema, current.zone)
    current.lock_version += 1
    return _save(current, user)


def milestone_add(
    *,
    project: PilotProject,
    title: str,
    due_date: dt.date,
    status: str = Milestone.Status.PLANNED,
    user: AbstractBaseUser | None = None,
) -> Milestone:
    if due_date < project.start_date or (project.end_date and due_date > project.end_date):
        raise ValidationError(
            {"due_date": _("La date de l'étape doit être comprise dans la période du projet.")}
        )
    return _save(Milestone(project=project, title=title, due_date=due_date, status=status), user)


def evaluation_record(
    *,
    project: PilotProject,
    year: int,
    text: str,
    indicator_snapshot: dict | None = None,
    user: AbstractBaseUser | None = None,
) -> Evaluation:
    if year < project.start_date.year or (project.end_date and year > project.end_date.year + 1):
        raise ValidationError({"year": _("L'année évaluée est hors de la période du projet.")})
    if Evaluation.objects.filter(project=project, year=year).exists():
        raise ValidationError({"year": _("Une évaluation existe déjà pour cette année.")})
    return _save(
        Evaluation(
            project=project, year=year, text=text, indicator_snapshot=indicator_snapshot or {}
        ),
        user,
    )
