"""Writes on facilities that are not file imports (and the legal-entity stubs imports need)."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.importing import bulk_upsert

from .models import FacilityGroup, LegalEntity


def legal_entity_stubs_ensure(numbers: Iterable[str | None]) -> int:
    """Create a stub ``LegalEntity`` (named by its number, ``is_stub``) for each FINESS EJ
    number not loaded yet; return how many. Run inside the caller's transaction.

    One ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL (``bulk_upsert(update=False)``): a
    national ET extract names ~35,000 EJ, and a loaded EJ, stub or not, is never touched."""
    wanted = sorted({number for number in numbers if number})
    rows = [{"finess_ej": number, "name": number, "is_stub": True} for number in wanted]
    return bulk_upsert(LegalEntity, "finess_ej", rows, update=False).created


@transaction.atomic
def facility_group_save(
    *,
    kind: str,
    code: str,
    name: str,
    support_finess_ej: str | None,
    member_finess_ejs: Sequence[str],
) -> FacilityGroup:
    """Create or update a GHT/GCS identified by ``code``, its members given by their FINESS EJ
    numbers; the support is always a member, and a GHT has one (art. L6132-1 CSP)."""
    if kind == FacilityGroup.Kind.GHT and not support_finess_ej:
        raise ValidationError(_("Un GHT a un établissement support."))
    wanted = {*member_finess_ejs, *([support_finess_ej] if support_finess_ej else [])}
    entities = {e.finess_ej: e for e in LegalEntity.objects.filter(finess_ej__in=wanted)}
    unknown = sorted(wanted - entities.keys())
    if unknown:
        raise ValidationError(_("Entités juridiques inconnues : %s") % ", ".join(unknown))
    support = entities[support_finess_ej] if support_finess_ej else None
    group, _created = FacilityGroup.objects.update_or_create(
        code=code, defaults={"kind": kind, "name": name, "support": support}
    )
    group.full_clean()
    group.members.set(entities.values())
    return group
