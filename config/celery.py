"""The Celery app: on workers with Redis (production), on the demo's worker with a SQLite
broker (SROS_DEMO_WORKER, scripts/demo.sh), eagerly in-process otherwise (tests)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sros")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def prepare_sqlite_broker() -> None:
    """Put the demo's SQLite broker file in WAL mode (which the file keeps) and create the
    tables of the broker and the result backend (kombu and Celery make them on first use, each
    process for itself: the worker, beat and the web starting together would race to create
    them). Run once by scripts/demo.sh before they start."""
    from django.conf import settings

    from core.sqlite_files import use_wal

    use_wal(settings.CELERY_BROKER_FILE)
    with app.connection_for_write() as connection:
        # Declaring the default queue opens the transport's session: kombu creates its tables.
        connection.default_channel.queue_declare(app.conf.task_default_queue)
    app.backend.ResultSession().close()  # the database backend creates its tables
