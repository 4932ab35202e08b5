"""Our error pages (templates/403.html, 404.html, 500.html): French (or the chosen language),
with the site's navigation and what to do next, in DEBUG as in production.

- ``page_not_found``, ``permission_denied``, ``server_error`` are the root URLconf's
  ``handler404``, ``handler403``, ``handler500``.
- ``server_error`` renders without the request: no context processor, so no database query and
  no ``request.user`` (the error may be the database's); the base template hides the user's
  part of the navigation when ``error_page_safe`` is set. If even that fails, a plain page.
- ``ErrorPagesMiddleware``: with ``DEBUG=1`` Django answers a 404 with its technical English
  page, not ``handler404``; this middleware serves ours instead for the user-facing pages (an
  ``Http404`` raised by a view, or an address no URL matches), leaving ``/api/`` (JSON, see
  ``core.api_errors``) and static files alone. The 500 page in DEBUG stays Django's traceback,
  which is what a developer running with DEBUG needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from core.api_errors import API_PREFIX

logger = logging.getLogger(__name__)

PLAIN_500 = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Erreur du serveur</title>'
    "</head><body><h1>Erreur du serveur</h1><p>Réessayez dans quelques minutes.</p>"
    '<p><a href="/">Revenir à l\'accueil</a></p></body></html>'
)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"status": 404}, status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"status": 403}, status=403)


def server_error(request: HttpRequest | None = None) -> HttpResponse:
    """The 500 page, rendered from the template alone (no request context)."""
    try:
        text = loader.get_template("500.html").render({"status": 500, "error_page_safe": True})
    except Exception:  # the page that reports an error must not raise one
        logger.exception("the 500 page could not be rendered")
        text = PLAIN_500
    return HttpResponseServerError(text)


def _user_facing(request: HttpRequest) -> bool:
    path = request.path
    return not path.startswith(API_PREFIX) and not path.startswith(settings.STATIC_URL)


class ErrorPagesMiddleware:
    """In DEBUG, our 404 page instead of Django's technical one (see the module docstring).
    Place it after the authentication middleware (the page shows the user's navigation)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and _user_facing(request)
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404) and _user_facing(request):
            return page_not_found(request, exception)
        return None
