"""Writes on roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from .models import RegionMembership


def membership_grant(*, user: AbstractBaseUser, region: Model, role: str) -> RegionMembership:
    """Give ``user`` ``role`` in ``region`` (replacing a previous role there) and put them in
    the Django group of that role."""
    if role not in RegionMembership.Role.values:
        raise ValidationError({"role": _("Rôle inconnu : %s") % role})
    membership, _created = RegionMembership.objects.update_or_create(
        user=user, region=region, defaults={"role": role}
    )
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return membership
