"""Service errors as HTTP answers of the REST API: a ``ValidationError`` keyed by field as
DRF's 400, an optimistic-locking conflict as a 409 carrying the object as saved."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from .formatting import parse_decimal


def validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` (keyed by field) as DRF's 400 with field messages."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def conflict_response(current: dict[str, Any]) -> Response:
    """409: someone saved the object since the client loaded it; ``current`` is it as saved."""
    return Response(
        {
            "detail": _(
                "L'objet a été modifié depuis son chargement ; voici sa version enregistrée."
            ),
            "current": current,
        },
        status=status.HTTP_409_CONFLICT,
    )


class DecimalTextFloatField(serializers.FloatField):
    """A float that may also come as text typed with a comma or a dot (``"6,95"``): a client
    posting what a French user typed gets it read, or a 400 saying why, never another number."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                number = parse_decimal(data)
            except ValueError as error:
                raise serializers.ValidationError(str(error)) from error
            if number is None:
                self.fail("invalid")
            data = number
        return super().to_internal_value(data)
