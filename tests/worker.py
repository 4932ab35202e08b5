"""A real Celery worker process for the tests, fed through the suite's Redis and querying the
test database (scripts/test.sh sets REDIS_URL; without it the tests that need one skip)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def celery_worker(
    *,
    pool: str = "solo",
    concurrency: int = 1,
    beat_schedule: Path | None = None,
    env: dict[str, str] | None = None,
    purge: bool = True,
) -> Iterator[subprocess.Popen]:
    """A worker process, in a session of its own (``os.killpg`` ends it with its children);
    ``beat_schedule``: also run celery beat in it (``-B``) with that schedule file; ``env``:
    more environment variables; ``purge=False`` keeps the queued messages (a restart)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker")
    if purge:
        app.control.purge()  # messages left by an earlier, interrupted session
    env = {**os.environ, **(env or {})}
    env["DATABASE_URL"] = "postgis://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    beat = ["-B", f"--schedule={beat_schedule}"] if beat_schedule else []
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}",
         f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
         "--loglevel=WARNING", *beat],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()  # a warm shutdown: slow on a loaded machine, hence the bound
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
