"""What the schema's pages share: the version named in the URL, and refusing a request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import SchemaVersion


def version_or_404(pk: int) -> SchemaVersion:
    return get_object_or_404(SchemaVersion.objects.select_related("schema__region"), pk=pk)


def require(allowed: bool) -> None:
    """A 403 unless ``allowed`` (an ``access.roles`` / ``sros.permissions`` answer)."""
    if not allowed:
        raise PermissionDenied
