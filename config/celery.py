"""The Celery app. Tasks run eagerly in the demo (no REDIS_URL) and on workers otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sros")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
