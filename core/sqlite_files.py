"""SQLite files shared by several processes (the demo's database and its Celery broker)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def use_wal(path: Path) -> None:
    """Put the SQLite file at ``path`` (created if missing) in WAL mode, which the file keeps:
    readers no longer wait for a writer, nor a writer for readers (https://sqlite.org/wal.html).
    The broker's engine is made by kombu, so this is said once, before any process uses the
    file (``config.celery.prepare_sqlite_broker``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
