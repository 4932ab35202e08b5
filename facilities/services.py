"""Writes on facilities that are not file imports."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Facility, FacilityGroup


@transaction.atomic
def facility_group_save(
    *, kind: str, code: str, name: str, support_finess_et: str, member_finess_ets: Sequence[str]
) -> FacilityGroup:
    """Create or update a GHT/GCS identified by ``code``; the support is always a member."""
    wanted = {support_finess_et, *member_finess_ets}
    facilities = {f.finess_et: f for f in Facility.objects.filter(finess_et__in=wanted)}
    unknown = sorted(wanted - facilities.keys())
    if unknown:
        raise ValidationError(_("Établissements inconnus : %s") % ", ".join(unknown))
    group, _created = FacilityGroup.objects.update_or_create(
        code=code,
        defaults={"kind": kind, "name": name, "support": facilities[support_finess_et]},
    )
    group.full_clean()
    group.members.set(facilities.values())
    return group
