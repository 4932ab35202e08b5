"""Who may do what in which region: the one place every view, API view and service asks.

Roles are per region (``RegionMembership``); the Django group of the same name is kept in step
by ``access.services.membership_grant`` so that the admin site's model permissions follow the
role.

- planner: reads their region, edits its drafts, moves its versions through the workflow,
  starts indicator runs;
- director: reads their region, comments during consultation;
- analyst: reads and exports their region, comments during consultation;
- admin (superuser or group ``admin``): manages users, reads every region, starts runs, edits
  no schema unless also a planner of the region, sees every import (the others see the
  imports that touched their regions, ``can_view_imports``), uploads every kind of file
  (planners upload their region's files only, ``can_upload_import``).

Anonymous users get nothing but the login page. Questions are asked by region id (or any
object with a ``pk``): this module imports no other app. Rules that also depend on a schema
version's state are in ``sros.permissions``, which calls these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet

from .models import RegionMembership

Role = RegionMembership.Role
ADMIN_GROUP = "admin"

User = AbstractBaseUser | AnonymousUser
RegionRef = Model | int


def _region_id(region: RegionRef) -> int:
    return region if isinstance(region, int) else region.pk


def _region_model() -> type[Model]:
    """``territories.Region``, reached through the membership's foreign key (no import)."""
    return RegionMembership._meta.get_field("region").related_model


def is_admin(user: User) -> bool:
    """Superusers and members of the ``admin`` group; cached on the user object for the
    request (a page asks once per region it lists)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_sros_is_admin", None)
    if cached is None:
        cached = user._sros_is_admin = user.groups.filter(name=ADMIN_GROUP).exists()
    return cached


def _roles(user: User) -> dict[int, str]:
    """Region id → role, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return {}
    cache = getattr(user, "_sros_roles", None)
    if cache is None:
        cache = dict(RegionMembership.objects.filter(user=user).values_list("region_id", "role"))
        user._sros_roles = cache
    return cache


def role_in(user: User, region: RegionRef) -> str | None:
    """The user's role in ``region``, or None. Cached on the user object for the request."""
    return _roles(user).get(_region_id(region))


def can_view_region(user: User, region: RegionRef) -> bool:
    return role_in(user, region) is not None or is_admin(user)


def is_planner(user: User, region: RegionRef) -> bool:
    return role_in(user, region) == Role.PLANNER


def can_start_draft(user: User, region: RegionRef) -> bool:
    return is_planner(user, region)


def can_start_run(user: User, region: RegionRef) -> bool:
    """Indicator runs are started by the region's planners and by administrators."""
    return is_planner(user, region) or is_admin(user)


def can_view_imports(user: User, region_ids: Iterable[RegionRef] | None = None) -> bool:
    """The Imports page: administrators see every import; whoever holds a role in a region
    (planner, director, analyst: they read and export its figures, whose sources these are)
    sees the imports that touched it. ``region_ids``: the regions one import touched; None
    asks for the page itself (any region role)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True  # no query at all
    mine = _roles(user)  # then: a user with a role needs no question about the admin group
    if region_ids is None:
        return bool(mine) or is_admin(user)
    return is_admin(user) or any(_region_id(region) in mine for region in region_ids)


def can_comment_in(user: User, region: RegionRef) -> bool:
    """Commenting a schema of ``region`` (issue 12 §2, « Consultation »): every role of the
    region, planners, directors and analysts. The PRS consultation is open to the region's
    actors (CSP art. R. 1434-1: CRSA, CDCA, préfet, local authorities; establishments, URPS…),
    who hold director or analyst accounts; each comment names the organisation it speaks for.
    Administrators who hold no role there do not comment. (The version's state is asked by
    ``sros.permissions.can_comment``.)"""
    return role_in(user, region) is not None


def can_resolve_comments(user: User, region: RegionRef) -> bool:
    """Marking a consultation comment resolved, or reopening it: the region's planners, who
    take the remarks into account in the schema."""
    return is_planner(user, region)


def can_upload_import(
    user: User, *, region_scoped: bool = True, region: RegionRef | None = None
) -> bool:
    """Uploading an official file on the Imports page (issue 12 §2): administrators upload
    every kind, for the whole database; a region's planner uploads the region-scoped kinds
    (``region_scoped``: authorisations, zonings, professionals, MCS lists) for that region,
    each row then checked to be in it. ``region`` None: for any region of theirs."""
    if is_admin(user):
        return True
    if not region_scoped:
        return False
    if region is None:
        return bool(planner_region_ids(user))
    return is_planner(user, region)


def planner_region_ids(user: User) -> list[int]:
    """The ids of the regions ``user`` plans (sorted)."""
    return sorted(region for region, role in _roles(user).items() if role == Role.PLANNER)


def can_view_upload(user: User, uploader_id: int | None) -> bool:
    """An uploaded file and its import's progress: whoever uploaded it, and administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.pk == uploader_id or is_admin(user)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def visible_regions(user: User) -> QuerySet:
    """Regions whose figures and schema the user may read."""
    regions = _region_model().objects
    if is_admin(user):
        return regions.all()
    if not user.is_authenticated:
        return regions.none()
    return regions.filter(memberships__user=user).distinct()


def visible_region_ids(user: User) -> QuerySet:
    """A subquery of the ids of the regions ``user`` may read."""
    return visible_regions(user).values("pk")
