"""The root URLconf plus three views that fail, for tests/test_error_pages.py only."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def forbidden(request):
    raise PermissionDenied


def missing(request):
    raise Http404("no such object")


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    *urlpatterns,
    path("essai/interdit/", forbidden),
    path("essai/absent/", missing),
    path("essai/panne/", broken),
]
