"""The SROS planner project package: settings, URLs, the Celery app and the regional schema."""

from .celery import app as celery_app

__all__ = ["celery_app"]
