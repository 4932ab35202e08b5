"""Who may do what on the regional schema: the one place every view and service asks.

Roles are per region (``RegionMembership``); the Django group of the same name is kept in step
by ``services.membership_grant`` so that the admin site's model permissions follow the role.

- planner: reads their region, edits its drafts, moves its versions through the workflow;
- director: reads their region, comments during consultation;
- analyst: reads their region (and will export);
- admin (superuser or group ``admin``): manages users, reads every region, edits nothing unless
  also a planner of the region.

Anonymous users get nothing but the login page.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from territories.models import Region

from .models import RegionMembership, SchemaVersion

Role = RegionMembership.Role
ADMIN_GROUP = "admin"

User = AbstractBaseUser | AnonymousUser


def is_admin(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=ADMIN_GROUP).exists()


def role_in(user: User, region: Region | int) -> str | None:
    """The user's role in ``region``, or None. Cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return None
    cache = getattr(user, "_sros_roles", None)
    if cache is None:
        cache = dict(RegionMembership.objects.filter(user=user).values_list("region_id", "role"))
        user._sros_roles = cache
    region_id = region if isinstance(region, int) else region.pk
    return cache.get(region_id)


def can_view_region(user: User, region: Region | int) -> bool:
    return role_in(user, region) is not None or is_admin(user)


def can_view_version(user: User, version: SchemaVersion) -> bool:
    return can_view_region(user, version.schema.region_id)


def can_edit_version(user: User, version: SchemaVersion) -> bool:
    """Planners of the region, and only while the version is a draft."""
    return version.is_editable and role_in(user, version.schema.region_id) == Role.PLANNER


def can_move_version(user: User, version: SchemaVersion) -> bool:
    """Planners of the region move versions through the workflow (and start new drafts)."""
    return role_in(user, version.schema.region_id) == Role.PLANNER


def can_start_draft(user: User, region: Region | int) -> bool:
    return role_in(user, region) == Role.PLANNER


def can_comment(user: User, version: SchemaVersion) -> bool:
    """Directors (and planners, to answer) of the region, during consultation only."""
    return version.state == SchemaVersion.State.CONSULTATION and role_in(
        user, version.schema.region_id
    ) in (Role.DIRECTOR, Role.PLANNER)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def visible_regions(user: User):
    """Regions whose schema the user may read."""
    if is_admin(user):
        return Region.objects.all()
    if not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.filter(memberships__user=user).distinct()
