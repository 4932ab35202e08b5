"""What a locked-out login gets (django-axes' ``AXES_LOCKOUT_CALLABLE``): the French page for
the login forms, a JSON error for the API token endpoint (scripts read JSON, not a page)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.authtoken import views as authtoken_views


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    status = settings.AXES_HTTP_RESPONSE_CODE  # 429 Too Many Requests
    minutes = cooloff_minutes()
    if request.path.startswith("/api/"):
        message = _(
            "Trop de tentatives de connexion échouées : compte bloqué pour cette adresse "
            "pendant %(minutes)s minutes."
        ) % {"minutes": minutes}
        response = JsonResponse({"detail": message}, status=status)
    else:
        context = {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
        response = render(request, "access/locked_out.html", context, status=status)
    response["Retry-After"] = str(minutes * 60)
    return response


class ObtainAuthToken(authtoken_views.ObtainAuthToken):
    """``POST /api/token/`` with django-axes' lock-out: axes marks the DRF request it is given,
    which AxesMiddleware (reading the Django request underneath) never sees, so the locked-out
    answer is made here. Without it a locked pair would get the same 400 as a wrong password."""

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(request, "axes_locked_out", False):
            response = lockout_response(request, response)
        return super().finalize_response(request, response, *args, **kwargs)


obtain_auth_token = ObtainAuthToken.as_view()
