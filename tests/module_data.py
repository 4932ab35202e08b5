"""Data written once for a test module instead of once per test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def data_of_the_module(django_db_blocker) -> Iterator[None]:
    """For a module-scoped fixture: what it writes inside is written once for the module and
    rolled back at the module's end. Each test still runs in its own savepoint on top (the
    ``db`` fixture), so what a test changes is undone before the next. Transactional tests
    (``transaction=True``) never see it: pytest-django runs them after the others."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
