"""Set-up shared by the benchmarks: Django on a dedicated, freshly migrated PostGIS database.

``BENCH_DATABASE_URL`` (default ``postgis://postgres@127.0.0.1:5432/sros_bench``) is created if
missing and emptied before each benchmark; it is never the database the application uses.
"""

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/sros_bench"
# Every benchmark imports this module: their Django, servers and workers run on loopback over
# plain HTTP, with the demo key (see sros/settings.py), never as production.
os.environ.setdefault("SROS_ALLOW_HTTP", "1")


def setup_django(*, flush: bool = True) -> None:
    """Point Django at the benchmark database, create it if needed, migrate and (unless
    ``flush`` is false: a bench that keeps its loaded data) empty it."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    if flush:
        call_command("flush", interactive=False, verbosity=0)


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.replace("postgis://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("select 1 from pg_database where datname = %s", [name])
        if not exists.fetchone():
            connection.execute(f'create database "{name}"')


@contextmanager
def timed(label: str, timings: dict[str, float]):
    start = time.perf_counter()
    yield
    timings[label] = time.perf_counter() - start
    print(f"  {label:<45} {timings[label]:7.2f} s", flush=True)


def open_data_dir() -> Path:
    return Path(os.environ.get("SROS_OPEN_DATA_DIR", ROOT.parent / "shared" / "data"))
