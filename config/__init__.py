"""The project package: settings from the environment, URLs, the API router, the Celery app,
WSGI."""

from .celery import app as celery_app

__all__ = ["celery_app"]
