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
def celery_worker(*, pool: str = "solo", concurrency: int = 1) -> Iterator[subprocess.Popen]:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker")
    app.control.purge()  # messages left by an earlier, interrupted session
    env = dict(os.environ)
    env["DATABASE_URL"] = "postgis://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}",
         f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
         "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
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
