"""Errors under /api/ answer JSON, like the API's own ones (``{"detail": ...}``).

DRF renders the errors its views raise; what Django answers around them is HTML made for a
browser: a URL that matches no route (404), a request body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``, a 400 page), any other suspicious
request (400) and a server error (500). A script reading the API would choke on them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _messages() -> dict[int, str]:
    return {
        400: _("Requête invalide."),
        403: _("Vous n'avez pas la permission d'effectuer cette action."),
        404: _("Adresse inconnue de l'API."),
        405: _("Méthode non autorisée."),
        413: _("Le corps de la requête est trop volumineux."),
        500: _("Erreur interne du serveur : l'erreur a été enregistrée."),
    }


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiJsonErrorsMiddleware:
    """Place it right after the security middleware (whose headers its answers then get): it
    also sees the pages Django's handlers make for exceptions raised in the later middleware
    and in URL resolution."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_json(response)
            and not getattr(response, "streaming", False)
        ):
            return self._json(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """What a view lets through: DRF re-raises what it does not know. A too-large body
        is the client's fault and gets its own status (413, not Django's generic 400)."""
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            message = _messages()[413]
            if limit:
                message = _("Le corps de la requête dépasse %(limit)d octets.") % {"limit": limit}
            return JsonResponse({"detail": message}, status=413)
        if isinstance(exception, SuspiciousOperation):
            return self._json(400)
        # Anything else goes on to Django's handler (logged, 500), then through __call__.
        return None

    @staticmethod
    def _json(status: int) -> JsonResponse:
        message = _messages().get(status) or _messages()[400 if status < 500 else 500]
        return JsonResponse({"detail": message}, status=status)
