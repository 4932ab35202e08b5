"""Every page declares the methods it accepts (``core.http``): a ``PUT``, ``PATCH`` or
``DELETE`` sent to a page is answered 405 before any work, instead of rendering the page as if
it were a ``GET``. The API (DRF answers 405 itself) and the admin are outside this walk."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

#: Django's own views, which declare their methods themselves.
DJANGO_VIEWS = {"set_language", "logout"}


def _pages(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            yield from _pages(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name not in DJANGO_VIEWS:
            yield route, pattern


PAGES = sorted(_pages(get_resolver().url_patterns), key=lambda page: page[0])


def _sample_kwargs(pattern: URLPattern) -> dict:
    return {name: 1 for name in pattern.pattern.converters}


def test_the_walk_finds_the_pages():
    routes = [route for route, _ in PAGES]
    assert len(routes) > 45
    assert "tableau-de-bord/<str:region_code>/" in routes
    assert "connexion/" in routes


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("page", PAGES, ids=[route for route, _ in PAGES])
def test_a_page_refuses_methods_it_does_not_declare(page, method):
    route, pattern = page
    request = getattr(RequestFactory(), method)("/" + route)
    request.user = AnonymousUser()
    request._dont_enforce_csrf_checks = True  # the login view checks CSRF before the method
    response = pattern.callback(request, **_sample_kwargs(pattern))
    assert response.status_code == 405, route
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert allowed & {"GET", "POST"} and not allowed & {"PUT", "PATCH", "DELETE"}, allowed
