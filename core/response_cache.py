"""Serialised API list pages, built once and served again with an ETag.

A stored indicator run never changes once done, and the reference lists (communes,
facilities) change only when an importer sends ``core.importing.data_changed`` or someone edits
them in the admin.
So a list page is rendered once, kept in Django's cache (``settings.CACHES``, alias
``RESPONSE_CACHE``: Redis in production, shared by every gunicorn worker) and answered again
from there; a client that sends back the page's ``ETag`` in ``If-None-Match`` gets ``304 Not
Modified`` without the page being read at all.

The key of a page (and its ETag, a digest of the key) is made of:
- what the view says the answer depends on (``cache_parts``: for stored values, the id and end
  time of each run the page may show, among the runs of the regions the user may read) — never
  the user's identity itself, so two planners of one region share their pages;
- the path and query string, the host (DRF's ``next``/``previous`` links are absolute), the
  language of the answer, the media type chosen by content negotiation, and the database's
  name (processes on different databases may share one Redis: the parallel test workers);
- the data version, a counter in the cache that every ``data_changed``, every admin edit
  (its ``LogEntry``) and every row written of the models an app names in
  ``invalidate_on_writes`` (zonings and zones) increments (``invalidate``): names of communes,
  facilities and zones appear in
  run-bound pages too, so one import makes every page stale, run-bound or not. Old entries are
  never deleted one by one: their keys are no longer asked for and the cache's own expiry
  (``TIMEOUT``) drops them.

Only ``200`` JSON answers are stored (the browsable API's HTML is not: it embeds a CSRF token).
A cache that does not answer (Redis down) makes pages be built as if nothing were cached.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

if TYPE_CHECKING:  # core.importing imports this module while the apps load: no DRF import then
    from rest_framework.request import Request


def version_key() -> str:
    """The data version's key, one per database: processes on other databases sharing this
    Redis (the test suite's parallel workers, each on its own test database) never share a
    version, and their pages never share a key (``_digest`` names the database too)."""
    return f"sros:data-version:{connection.settings_dict['NAME']}"


logger = logging.getLogger(__name__)


def _cache():
    return caches[settings.RESPONSE_CACHE]


def data_version() -> int:
    """The current data version. Created, when missing, from the clock in nanoseconds rather
    than at 1: if the counter is evicted or lost while pages survive, a counter restarting at 1
    would name old pages again; a clock value is beyond every version handed out before."""
    cache = _cache()
    version = cache.get(version_key())
    if version is None:
        cache.add(version_key(), time.time_ns(), timeout=None)
        version = cache.get(version_key()) or time.time_ns()
    return int(version)


def _bump() -> None:
    cache = _cache()
    try:
        try:
            cache.incr(version_key())
        except ValueError:  # not there (never asked for, or evicted): a new clock value
            data_version()
    except Exception:  # noqa: BLE001 — an import must not fail because the cache is down
        logger.error(
            "response cache unavailable: pages cached before this change may be "
            "served until they expire",
            exc_info=True,
        )


def invalidate(**kwargs: Any) -> None:
    """Make every cached page stale (receiver of ``data_changed`` and of admin edits; the tests
    call it before each test, whose fixtures write without the signal).

    Inside a transaction the version is bumped now and again once it commits: a page built
    between the two from the data not yet committed would otherwise be stored under the new
    version and outlive the change."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def _admin_edit(sender: Any, **kwargs: Any) -> None:
    """Every add, change and delete made in the admin writes a ``LogEntry``: a commune renamed
    or a level edited there is a data change too, whether or not its ModelAdmin says so."""
    invalidate()


# Connected here, at import: this module is loaded with the API (URLconf) in every web process
# and with core.importing in every importer's process.
post_save.connect(_admin_edit, sender="admin.LogEntry", dispatch_uid="core.response_cache.admin")


def invalidate_on_writes(*models: Any) -> None:
    """Make every cached page stale whenever a row of ``models`` is saved or deleted, whoever
    writes it (a service, the shell, a data migration): for data that pages show and that is
    written outside the importers, which send ``data_changed`` themselves (an app calls it
    from its ``ready()``; the model must be one a few rows at a time are written of, never
    ``bulk_create``d alone: that sends no signal)."""
    for model in models:
        label = f"core.response_cache.{model._meta.label}"
        post_save.connect(_row_written, sender=model, dispatch_uid=f"{label}.save")
        post_delete.connect(_row_written, sender=model, dispatch_uid=f"{label}.delete")


def _row_written(sender: Any, **kwargs: Any) -> None:
    """``invalidate``, with one bump at commit per transaction however many rows it writes (a
    zoning import saving 200 zones registers one callback, not 200). Each row still bumps the
    version at once, as ``invalidate`` does: the writing process reads its own rows before
    they commit (a test, a view's transaction), and a page it built from the first row must
    not outlive the second."""
    _bump()
    db = transaction.get_connection()
    pending = any(callback is _bump_at_commit for _ids, callback, _robust in db.run_on_commit)
    if db.in_atomic_block and not pending:
        transaction.on_commit(_bump_at_commit)


def _bump_at_commit() -> None:
    """``_bump``, as its own function: ``_row_written`` finds it among the callbacks."""
    _bump()


def page_key(request: Request, parts: list[str]) -> tuple[str, str]:
    """(cache key, ETag) of the page ``request`` asks for, given what it depends on."""
    digest = _digest(request, parts, request.get_full_path())
    return f"sros:page:{digest}", f'"{digest}"'


def count_key(request: Request, parts: list[str], page_parameter: str = "page") -> str:
    """Cache key of the row count of the list ``request`` pages through: the page's key
    without its page number, so that every page of one list shares it."""
    query = request.GET.copy()
    query.pop(page_parameter, None)
    return f"sros:count:{_digest(request, parts, f'{request.path}?{query.urlencode()}')}"


def cached_count(key: str, count: Callable[[], int]) -> int:
    """The count stored under ``key``, or ``count()`` stored there (and answered without the
    cache when it does not answer)."""
    try:
        stored = _cache().get(key)
    except Exception:  # noqa: BLE001 — the cache is an optimisation, never a failure
        logger.warning("response cache unavailable", exc_info=True)
        return count()
    if stored is not None:
        return int(stored)
    rows = count()
    try:
        _cache().set(key, rows)
    except Exception:  # noqa: BLE001
        logger.warning("response cache unavailable", exc_info=True)
    return rows


def _digest(request: Request, parts: list[str], path: str) -> str:
    version = getattr(request, "_sros_data_version", None)
    if version is None:  # read once per request: the page and its count agree
        version = request._sros_data_version = data_version()
    renderer = getattr(request, "accepted_media_type", "") or ""
    return _hash(
        [connection.settings_dict["NAME"], str(version), request.get_host(), path,
         get_language() or "", renderer, *parts]
    )  # fmt: skip


def _hash(identity: list[str]) -> str:
    return hashlib.sha256("|".join(identity).encode()).hexdigest()[:40]


#: What stands for the reader's CSRF token in a kept fragment (``kept``): the
#: fragment is rendered once for every reader, the token is each reader's own.
CSRF_PLACEHOLDER = "sros-csrf-token-placeholder-7d1c94"


def kept(parts: list[str], build: Callable[[], Any]) -> Any:
    """What ``build()`` makes from stored data, made once and then read from the cache.

    For the parts of the dashboard's pages that come from a stored run (key figures, tables,
    charts, the map's controls, the values a territory's charts read): keyed like the API pages
    by the database, the data version and the language, plus ``parts`` — what the value
    depends on (the page, the region, the run's id, end time and staleness, the normalised
    query). ``build`` must not depend on who asks: HTML is rendered for no one in particular
    (no request, user or role; ``CSRF_PLACEHOLDER`` for the token), so that whoever may read
    the region is served the same fragments and the view puts each reader's own token in. A
    cache that does not answer makes it built each time."""
    try:
        key = "sros:kept:" + _hash(
            [connection.settings_dict["NAME"], str(data_version()), get_language() or "", *parts]
        )
        stored = _cache().get(key)
    except Exception:  # noqa: BLE001 — the cache is an optimisation, never a failure
        logger.warning("response cache unavailable", exc_info=True)
        return build()
    if stored is not None:
        return stored
    built = build()
    try:
        _cache().set(key, built)
    except Exception:  # noqa: BLE001 — served all the same, built again next time
        logger.warning("response cache unavailable", exc_info=True)
    return built


def revalidates(request: Request, etag: str) -> bool:
    """Whether the client already holds this page (``If-None-Match`` names its ETag)."""
    sent = request.headers.get("If-None-Match", "")
    return sent.strip() == "*" or etag in [tag.strip() for tag in sent.split(",")]


def mark(response: HttpResponse, etag: str) -> HttpResponse:
    """ETag and the headers that keep a shared cache from mixing users or languages: the
    answer depends on who asks (their regions) and in which language."""
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Authorization", "Accept-Language", "Accept"])
    return response


class CachedListMixin:
    """For a DRF viewset: its ``list`` answers from the cache when it can.

    The viewset says what a page depends on besides the URL with ``cache_parts(request)``
    (``None``: do not cache this request). A page built for the first time still takes its
    list's row count from the cache when another page of the same list stored it (the
    ``COUNT(*)`` of a run's 68,890 values costs PostgreSQL 10 ms a page)."""

    def cache_parts(self, request: Request) -> list[str] | None:
        return []

    def list(self, request: Request, *args: Any, **kwargs: Any):
        from rest_framework.renderers import JSONRenderer

        parts = self.cache_parts(request)
        if parts is None or not isinstance(request.accepted_renderer, JSONRenderer):
            return super().list(request, *args, **kwargs)
        try:
            key, etag = page_key(request, parts)
            stored = None if revalidates(request, etag) else _cache().get(key)
            # read by core.pagination: the other pages of this list reuse its count
            self.count_cache_key = count_key(request, parts)
        except Exception:  # noqa: BLE001 — the cache is an optimisation, never a failure
            logger.warning("response cache unavailable", exc_info=True)
            return super().list(request, *args, **kwargs)
        if revalidates(request, etag):
            return mark(HttpResponseNotModified(), etag)
        if stored is not None:
            content_type, body = stored
            return mark(HttpResponse(body, content_type=content_type), etag)
        response = super().list(request, *args, **kwargs)
        response._sros_cache = (key, etag)  # stored once rendered, in finalize_response
        return response

    def finalize_response(self, request: Request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        pending = getattr(response, "_sros_cache", None)
        if pending is not None and response.status_code == 200:
            key, etag = pending
            response.render()
            try:
                _cache().set(key, (response["Content-Type"], response.content))
            except Exception:  # noqa: BLE001 — served all the same, built again next time
                logger.warning("response cache unavailable", exc_info=True)
            mark(response, etag)
        return response
