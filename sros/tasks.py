"""Project-level Celery tasks."""

from celery import shared_task
from django.db import connection


@shared_task
def healthcheck() -> dict[str, str | int]:
    """Prove a worker is wired up: it reached the broker and can query the database."""
    from territories.models import Commune

    return {"database": connection.vendor, "communes": Commune.objects.count()}
