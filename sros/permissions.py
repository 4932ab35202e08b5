"""Who may do what on a version of the regional schema: ``access.roles`` (the region's role)
combined with the version's state."""

from __future__ import annotations

from access.roles import RegionRef, Role, User, can_view_region, is_planner, role_in

from .models import SchemaVersion


def can_view_version(user: User, version: SchemaVersion) -> bool:
    return can_view_region(user, version.schema.region_id)


def can_edit_version(user: User, version: SchemaVersion) -> bool:
    """Planners of the region, and only while the version is a draft."""
    return version.is_editable and role_in(user, version.schema.region_id) == Role.PLANNER


def can_move_version(user: User, version: SchemaVersion) -> bool:
    """Planners of the region move versions through the workflow (and start new drafts)."""
    return role_in(user, version.schema.region_id) == Role.PLANNER


def can_comment(user: User, version: SchemaVersion) -> bool:
    """Directors (and planners, to answer) of the region, during consultation only."""
    return version.state == SchemaVersion.State.CONSULTATION and role_in(
        user, version.schema.region_id
    ) in (Role.DIRECTOR, Role.PLANNER)


def can_edit_projects(user: User, region: RegionRef) -> bool:
    """Pilot projects are run by the planners of the region, whatever the version's state."""
    return is_planner(user, region)


def can_edit_doctors_zoning(user: User, region: RegionRef) -> bool:
    """The doctors' zoning is computed, confirmed and edited by the planners of the region."""
    return is_planner(user, region)
