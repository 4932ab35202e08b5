"""The questions of ``access.roles`` in templates, so that a page offers an action only to
whom the view would allow it (the same call, not a copy of the rule):

    {% load access_roles %}
    {% if user|can_start_run:region %}<form …>Lancer un calcul</form>{% endif %}
"""

from __future__ import annotations

from django import template

from access import roles

register = template.Library()


@register.filter
def can_start_run(user: roles.User, region: roles.RegionRef) -> bool:
    return roles.can_start_run(user, region)


@register.filter
def can_view_region(user: roles.User, region: roles.RegionRef) -> bool:
    return roles.can_view_region(user, region)


@register.filter
def can_view_imports(user: roles.User) -> bool:
    """Whether the Imports page shows the user anything (the nav link)."""
    return roles.can_view_imports(user)
