"""Celery tasks of the territories: the worker health check (it counts communes)."""

from celery import shared_task
from django.db import connection

from .models import Commune


@shared_task
def healthcheck() -> dict[str, str | int]:
    """Prove a worker is wired up: it reached the broker and can query the database."""
    return {"database": connection.vendor, "communes": Commune.objects.count()}
