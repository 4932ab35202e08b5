"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor


class _CodeDescriptor(ForwardManyToOneDescriptor):
    """Accepts the related row's code as well as the row: ``Authorisation(activity="urgences")``
    stores the code in the column, as the plain string field did before the catalogue became a
    table, so code that writes codes keeps working ("" is no code: NULL)."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        if isinstance(value, str):
            setattr(instance, self.field.attname, value or None)
            # A cached row of another code must not survive the new code.
            if self.field.is_cached(instance):
                self.field.delete_cached_value(instance)
            return
        super().__set__(instance, value)


class CodeForeignKey(models.ForeignKey):
    """A foreign key to a reference table by its ``code`` (``to_field``): its column keeps the
    codes (``urgences``), and it may be given a code or a row."""

    forward_related_accessor_class = _CodeDescriptor

    def __init__(self, to: Any, on_delete: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field", "code")
        super().__init__(to, on_delete, **kwargs)
