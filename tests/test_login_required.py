"""Anonymous visitors see nothing but the login page, whatever the URL (issue 4, roles)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

SAMPLE = {
    "int": "1", "str": "99", "slug": "urgences", "path": "x", "drf_format_suffix": ".json",
    "uuid": "00000000-0000-4000-8000-000000000001",
}  # fmt: skip
# Public by nature: the logins (site, admin, API token) and the POST-only language switch and
# logouts. The rest of the admin and of the API answer with the admin login and 401/403.
PUBLIC = {
    "/connexion/", "/deconnexion/", "/i18n/setlang/",
    "/admin/login/", "/admin/logout/", "/api/token/",
}  # fmt: skip


def example_path(route: str) -> str:
    def sample(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return SAMPLE.get(converter, "1")

    return re.sub(r"<(?:(\w+):)?\w+>", sample, route)


def every_path(patterns=None, prefix: str = "/") -> list[str]:
    paths = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if route.startswith("^") or "(?P" in route:  # regex routes (admin internals)
            continue
        if isinstance(pattern, URLResolver):
            paths += every_path(pattern.url_patterns, prefix + example_path(route))
        elif isinstance(pattern, URLPattern):
            paths.append(prefix + example_path(route))
    return sorted(set(paths))


def test_the_walk_covers_every_part_of_the_site():
    paths = every_path()
    for part in ("/tableau-de-bord/", "/schema/", "/indicateurs/", "/api/", "/admin/"):
        assert any(p.startswith(part) for p in paths), part
    assert len(paths) > 60


@pytest.mark.parametrize("path", every_path())
def test_an_anonymous_visitor_is_sent_to_the_login(client, path):
    response = client.get(path)
    if path in PUBLIC:
        assert response.status_code in (200, 302, 405), path
    elif path.startswith("/api/"):
        assert response.status_code in (401, 403), path
    elif path.startswith("/admin/"):
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("admin:login")), path
    else:
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login")), path
