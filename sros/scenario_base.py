"""The base of a scenario evaluation, kept in this process while the data stays as it was.

Every evaluation compares a scenario with its base, the registry as it is: the region's
communes (4,000 points on AURA, whose geometries are the costly part of reading them) and, per
pathway level, its facilities and ``WhatIf.build`` (k nearest and 2SFCA weights). The base only
changes when the data does, and the region's latest stored run says when: every import and
admin edit sends ``data_changed``, which marks the runs ``stale`` and bumps the data version
(``core.response_cache``). So a base is kept under a key that can never name a stale one:

    (database, latest done run id, data version, today, provider parameters, weights, k[, level])

and only while that run is not stale; without a done run, with a stale one, or without the data
version (Redis down) nothing is kept and the base is computed as before. The run itself never
changes once stored; its id and the data version make the key change as soon as data does.
Today's date is in the key because a level's facilities are those holding an authorisation in
force today (``facilities.selectors.current_authorisations``): one may end at midnight.

The base's figures per zone are kept too, under the zonings' digest besides the key (zonings
are read on every call, see below), and the region's commune names.

Why per process and not in Redis: an entry is a few numpy arrays and a sparse matrix (under a
megabyte per level on AURA), rebuilt in a few tens of milliseconds; correctness across
processes comes from the key, which every call reads from the database and Redis (one query,
one GET), not from sharing the entries. Bounded: ``MAX_ENTRIES`` entries, least recently used
first out. Zonings are not kept (planners edit them without an import): ``inputs.attach_zonings``
reads them on every call, with no geometry.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from django.db import connection
from django.utils import timezone

from core import response_cache
from indicators import selectors
from territories.models import Region

logger = logging.getLogger(__name__)

#: Entries kept per process: about 18 per region (its units and commune names, and per level
#: its base and base figures), so the bases of several regions.
MAX_ENTRIES = 128

T = TypeVar("T")
_entries: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def base_key(region: Region, provider_parameters: dict, weight_parameters: dict, k: int):
    """The key of the region's base now, or None when it must not be kept (see the module)."""
    run = selectors.latest_run(region)
    if run is None or run.stale:
        return None
    try:
        version = response_cache.data_version()
    except Exception:  # noqa: BLE001 — no data version, no cache: computed as before
        logger.warning("data version unavailable: the scenario base is not cached", exc_info=True)
        return None
    return (
        connection.settings_dict["NAME"],
        run.pk,
        version,
        timezone.localdate().isoformat(),
        json.dumps(provider_parameters, sort_keys=True),
        json.dumps(weight_parameters, sort_keys=True),
        int(k),
    )


def cached(key: tuple | None, build: Callable[[], T]) -> T:
    """``build()``, kept under ``key`` (never kept when ``key`` is None). What is kept is
    shared by every later evaluation: its arrays are made read-only, so that a caller writing
    into one fails loudly instead of changing the next evaluation's base."""
    if key is None:
        return build()
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    value = _read_only(build())  # outside the lock: two first calls may both build it
    with _lock:
        _entries[key] = value
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def _read_only(value: Any, depth: int = 0) -> Any:
    """Mark the numpy arrays of ``value`` (a dataclass, tuple or array; nested three deep, as in
    a WhatIf's NearestAccess and Places) read-only; returns ``value``."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif depth < 3 and isinstance(value, tuple):
        for item in value:
            _read_only(item, depth + 1)
    elif depth < 3 and dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _read_only(getattr(value, f.name), depth + 1)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()


def size() -> int:
    return len(_entries)
