"""Optimistic locking: a form or API client sends back the ``lock_version`` it loaded, and a
write that finds the row moved on raises ``ConflictError`` carrying the row as saved, so the
page can show the other person's version next to the user's input (nothing is overwritten)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import models


class ConflictError(Exception):
    """Someone saved the object since the user loaded it; ``current`` is the row as saved."""

    def __init__(self, current: models.Model):
        super().__init__(f"{current._meta.verbose_name} {current.pk} changed since it was loaded")
        self.current = current


def locked(model: type[models.Model], pk: int, lock_version: int) -> models.Model:
    """The row, locked for the transaction; ``ConflictError`` if its lock_version moved on."""
    current = model.objects.select_for_update().get(pk=pk)
    if current.lock_version != lock_version:
        raise ConflictError(current)
    return current


def save_checked(
    instance: models.Model, user: AbstractBaseUser | None, *, exclude: Iterable[str] = ()
) -> models.Model:
    """Validate (``full_clean``) and save ``instance``, recording ``user`` as the author of the
    change in its django-simple-history record."""
    instance._history_user = user
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    instance.save()
    return instance
