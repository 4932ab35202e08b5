"""Who may do what on a version of the regional schema: ``access.roles`` (the region's role)
combined with the version's state."""

from __future__ import annotations

from access.roles import (
    RegionRef,
    Role,
    User,
    can_comment_in,
    can_resolve_comments,
    can_view_region,
    is_planner,
    role_in,
)

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
    """Comment (or reply): whoever holds a role in the region, while the version is in
    consultation only: the consultation is the period in which opinions are collected; a draft
    is still being written, an adopted or archived version is closed."""
    return version.state == SchemaVersion.State.CONSULTATION and can_comment_in(
        user, version.schema.region_id
    )


#: States in which a planner resolves or reopens comments: during consultation, and in the
#: draft it returned to (the remarks are taken into account there). Adopted and archived
#: versions are read-only, their consultation with them.
RESOLVABLE_STATES = (SchemaVersion.State.CONSULTATION, SchemaVersion.State.DRAFT)


def can_resolve(user: User, version: SchemaVersion) -> bool:
    """Resolve or reopen a comment: the region's planners, while the version can still change."""
    return version.state in RESOLVABLE_STATES and can_resolve_comments(
        user, version.schema.region_id
    )


def can_reply(user: User, version: SchemaVersion) -> bool:
    """Reply to a comment: whoever may comment, and the planner who resolves it (to say how a
    remark was taken into account, in the draft after consultation)."""
    return can_comment(user, version) or can_resolve(user, version)


def can_edit_projects(user: User, region: RegionRef) -> bool:
    """Pilot projects are run by the planners of the region, whatever the version's state."""
    return is_planner(user, region)


def can_edit_doctors_zoning(user: User, region: RegionRef) -> bool:
    """The doctors' zoning is computed, confirmed and edited by the planners of the region."""
    return is_planner(user, region)
