"""Give each pytest-xdist worker a Redis database of its own (loaded with ``-p``, before Django
reads its settings).

``scripts/test.sh`` runs the suite on two processes (``-n``). pytest-django already gives each
worker its own test database (``test_sros_gw0``…), but the broker would be shared: a real Celery
worker started by one process's test would take the tasks queued by the other's. Worker ``gwN``
uses database ``D - N`` (modulo 16) of the ``REDIS_URL`` given, ``D`` being its number.
xdist sets ``PYTEST_XDIST_WORKER`` in a worker's environment before the worker parses its
options, so this module sees it at import.
"""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url:
    _base, _, _db = _url.rpartition("/")
    if _db.isdigit():
        os.environ["REDIS_URL"] = f"{_base}/{(int(_db) - int(_worker[2:])) % 16}"
