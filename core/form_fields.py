"""Form fields shared by the apps' forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .formatting import parse_decimal


class DecimalTextField(forms.Field):
    """A decimal number typed with a comma or a dot (``core.formatting.parse_decimal``), as a
    text input with the decimal keyboard: a browser's ``type=number`` in a French page drops
    ``6,95`` silently (Chromium, fr-FR), and Django's ``FloatField`` refuses it in English."""

    #: Longer than any number a person types: refused before parsing, never echoed whole.
    max_length = 40

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "maxlength": self.max_length})
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> float | None:
        text = "" if value in self.empty_values else str(value).strip()
        if len(text) > self.max_length:
            raise ValidationError(
                _("Au plus %(count)s caractères.") % {"count": self.max_length}, code="max_length"
            )
        try:
            return parse_decimal(text)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error

    def prepare_value(self, value):
        if isinstance(value, float):
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return value
