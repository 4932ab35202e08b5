"""Writes on pilot projects beyond ``sros.services``' single-row ones: the milestones of a
project saved as a whole (what its page edits), and a yearly evaluation with the snapshot of
the indicator values it was judged on.

The snapshot is copied out of the latest *done* indicator run of the region
(``indicators.selectors.latest_run``) at the time of the evaluation, so that a later reader sees
the figures the evaluation used, even after new runs replace them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import IndicatorValue
from indicators.selectors import latest_run, run_values

from . import services
from .models import Evaluation, Milestone, PilotProject


def milestone_errors(project_period: tuple[dt.date | None, dt.date | None], due: dt.date) -> str:
    """Why ``due`` cannot be a milestone of a project of that period ("" when it can)."""
    start, end = project_period
    if (start and due < start) or (end and due > end):
        return _("La date de l'étape doit être comprise dans la période du projet.")
    return ""


@transaction.atomic
def milestones_save(
    project: PilotProject,
    rows: Sequence[dict[str, Any]],
    *,
    user: AbstractBaseUser | None = None,
) -> None:
    """Apply the milestone rows of a project page: each row is ``{"id", "title", "due_date",
    "status", "delete"}``; a row without id is new, a row with ``delete`` goes."""
    existing = {m.pk: m for m in project.milestones.all()}
    for row in rows:
        milestone = existing.get(row.get("id")) if row.get("id") else None
        if row.get("delete"):
            if milestone is not None:
                milestone._history_user = user
                milestone.delete()
            continue
        message = milestone_errors((project.start_date, project.end_date), row["due_date"])
        if message:
            raise ValidationError({"due_date": message})
        if milestone is None:
            services.milestone_add(
                project=project,
                title=row["title"],
                due_date=row["due_date"],
                status=row.get("status") or Milestone.Status.PLANNED,
                user=user,
            )
            continue
        milestone.title, milestone.due_date = row["title"], row["due_date"]
        milestone.status = row.get("status") or milestone.status
        milestone._history_user = user
        milestone.full_clean()
        milestone.save()


def indicator_snapshot(project: PilotProject, indicators: Iterable[str]) -> dict[str, Any]:
    """The values of ``indicators`` for the project's zone in the region's latest done run:
    ``{"run_id", "run_date", "values": [{"indicator", "level", "unit", "value", "run_id",
    "run_date"}]}``; ``{}`` when the region has no done run or nothing was chosen."""
    codes = [code for code in indicators if code in IndicatorValue.Indicator.values]
    run = latest_run(project.schema.region) if codes else None
    if run is None:
        return {}
    zone = project.zone
    values = (
        run_values(run, unit_kind=IndicatorValue.UnitKind.ZONE)
        .filter(zoning_id=zone.zoning_id, unit_code=zone.code, indicator__in=codes)
        .select_related("level__pathway")
        .order_by("indicator", "level__pathway__code", "level__rank")
    )
    run_date = (run.finished_at or run.created_at).isoformat()
    return {
        "run_id": run.pk,
        "run_date": run_date,
        "values": [
            {
                "indicator": value.indicator,
                "level": str(value.level) if value.level_id else "",
                "unit": f"zone {zone.code} ({zone.zoning.name})",
                "value": value.value,
                "run_id": run.pk,
                "run_date": run_date,
            }
            for value in values
        ],
    }


def evaluation_record_with_snapshot(
    *,
    project: PilotProject,
    year: int,
    text: str,
    indicators: Iterable[str] = (),
    user: AbstractBaseUser | None = None,
) -> Evaluation:
    """A yearly evaluation holding the chosen indicators' values as they are today."""
    return services.evaluation_record(
        project=project,
        year=year,
        text=text,
        indicator_snapshot=indicator_snapshot(project, indicators),
        user=user,
    )
