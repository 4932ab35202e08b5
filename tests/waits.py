"""Waiting for a condition, never for a fixed time (issue 14): a test that sleeps a guessed
delay before asserting passes on a quiet machine and fails on a loaded one.

``wait_until`` polls a Python predicate (a row in the database, a worker's state); the page
helpers wait inside the browser with Playwright's ``wait_for_function``. Each bound is an upper
limit for a loaded machine, not an expected duration: the wait ends as soon as the condition
holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

#: Upper bound of a wait on the worker or the browser; generous so that a machine busy with
#: other jobs slows a test down instead of failing it.
TIMEOUT_S = 90.0

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float = TIMEOUT_S,
    interval: float = 0.05,
    what: str | Callable[[], str] = "",
) -> T:
    """Call ``predicate`` until it returns something truthy and return that; fail after
    ``timeout`` seconds, saying ``what`` was awaited (a callable is asked then, so it can tell
    the last state seen). ``interval`` only spaces the polls out: no test relies on it."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"still waiting after {timeout:g} s: {said or predicate}")
        time.sleep(interval)


def wait_for_popup_shown(page) -> None:
    """Wait until Leaflet's popup has faded in (its CSS transition on opacity), so that a
    screenshot shows it whole."""
    page.wait_for_function(
        "() => { const p = document.querySelector('.leaflet-popup');"
        " return p !== null && getComputedStyle(p).opacity === '1'; }"
    )


def wait_for_map_still(page) -> None:
    """Wait until no Leaflet zoom animation and no marker-cluster animation is running on the
    page (the classes both libraries put on the map pane while they animate)."""
    page.wait_for_function(
        "() => document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim') === null"
    )
