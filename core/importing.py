"""What every importer of official files shares: the report it prints, the error it raises,
and an idempotent keyed upsert.

An importer validates the whole file first and raises ``ImportFailed`` (naming the file, the
line or feature, and the reason) before writing anything; it then writes inside one
transaction, so a failure half-way leaves the previous data intact.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import models, transaction
from django.dispatch import Signal

from . import response_cache

logger = logging.getLogger(__name__)

#: Sent after data the indicators read (territories, populations, facilities, authorisations)
#: has been written: by each importer once its transaction committed, and by admin edits.
#: Keyword ``kind`` names what changed; ``region`` (optional) limits it to one region.
#: Receivers (the indicators app marks its runs stale) must not write the imported data.
data_changed = Signal()
# Connected here, not in an app's ready(): every process that sends the signal imports this
# module, so cached pages are invalidated whoever changed the data.
data_changed.connect(response_cache.invalidate, dispatch_uid="core.response_cache.invalidate")


def announce_change(report: ImportReport) -> None:
    """Send ``data_changed`` after an import that created or updated rows (not a no-op)."""
    if report.created or report.updated:
        data_changed.send(sender=ImportReport, kind=report.kind)


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes; an unreadable file is an ``ImportFailed``, not an ``OSError``, and so
    are an empty file and a web page (see ``refuse_empty_or_web_page``)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFailed(path, f"cannot read the file ({exc.strerror or exc})") from exc
    refuse_empty_or_web_page(path, raw[:512])
    return raw


#: The start of an HTML page (an error or login page saved under the data file's name), XHTML
#: included; other XML (GML, KML) is left to GDAL.
_WEB_PAGE = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body)",
    re.IGNORECASE | re.DOTALL,
)


def refuse_empty_or_web_page(path: Path | str, head: bytes) -> None:
    """Refuse a file that is empty, blank, or an HTML page, from its first bytes: a failed
    download saved as ``.csv`` must not be read as a one-column table or an empty layer."""
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFailed(path, "the file is empty", where="line 1")
    if _WEB_PAGE.match(head):
        raise ImportFailed(
            path,
            "this is a web page (HTML), not a data file: download the file again",
            where="line 1",
        )


def read_utf8(path: Path | str) -> str:
    """The file as strict UTF-8 text (a BOM is accepted); another encoding names its line."""
    return decode_utf8(path, read_bytes(path))


def decode_utf8(path: Path | str, raw: bytes) -> str:
    """``raw`` (the bytes of ``path``) as strict UTF-8 text, as ``read_utf8`` reads it."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportFailed(
            path, "UTF-16 text, not UTF-8; re-save the file as UTF-8", where="line 1"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportFailed(
            path,
            f"not UTF-8 text (byte {raw[exc.start]:#04x}); re-save the file as UTF-8",
            where=f"line {line}",
        ) from exc


class ImportFailed(Exception):
    """A file that cannot be imported; nothing was written."""

    def __init__(self, path: Path | str, reason: str, *, where: str = "") -> None:
        self.path = str(path)
        self.where = where
        self.reason = _capped(reason)
        location = f"{self.path}, {where}" if where else self.path
        super().__init__(f"{location}: {self.reason}")


def _capped(reason: str, limit: int = 400) -> str:
    # A reason quotes the bad value; a 100,000-character field must not flood the terminal.
    if len(reason) <= limit:
        return reason
    return f"{reason[: limit - 100]} […] {reason[-100:]}"


@dataclass
class ImportReport:
    """Counts of one import, and notes for the person who ran it in ``messages``: rows
    skipped (``reject``), geometries repaired, sites geocoded outside their département…"""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    messages: list[str] = field(default_factory=list)
    #: What the file says about itself, for the Imports page and the runs' provenance: the
    #: extraction date of a FINESS manifest line, the 1 January of an INSEE reference year…
    source_date: dt.date | None = None
    #: …and its edition in words ("COG 2026", "RP 2021", "FINESS+ activités"), when known.
    source_version: str = ""
    #: Rows of the file per département code (INSEE), so that a planner sees what an import
    #: did in their region; an importer that cannot tell leaves it empty.
    rows_by_department: Counter[str] = field(default_factory=Counter)
    #: Rows ended (an authorisation given an end date because a newer extract omits it).
    ended: int = 0
    #: The rejected rows as (where, reason), for the Imports page (``reject`` fills it).
    rejected_lines: list[tuple[str, str]] = field(default_factory=list)
    #: Natural keys (``upsert``'s key, a tuple joined with "/") of the rows created, updated
    #: and ended: what changed against the data as the previous import left it.
    created_keys: list[str] = field(default_factory=list)
    updated_keys: list[str] = field(default_factory=list)
    ended_keys: list[str] = field(default_factory=list)

    def reject(self, where: str, reason: str) -> None:
        self.rejected += 1
        self.rejected_lines.append((where, reason))
        self.messages.append(f"rejected, {where}: {reason}")

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.created_keys += other.created_keys
        self.updated_keys += other.updated_keys

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected"
        )


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: The keys of the rows created and updated, as text (see ``key_text``).
    created_keys: list[str] = field(default_factory=list)
    updated_keys: list[str] = field(default_factory=list)


def key_text(key: Any) -> str:
    """A natural key as text: itself, or its parts joined with "/" for a tuple key."""
    if isinstance(key, tuple):
        return "/".join("" if part is None else str(part) for part in key)
    return str(key)


def _same(a: Any, b: Any) -> bool:
    # GEOS geometries compare exactly only with the same SRID; None never equals a geometry.
    if hasattr(a, "equals_exact") and hasattr(b, "equals_exact"):
        return a.srid == b.srid and a.equals_exact(b)
    return a == b


def upsert(
    model: type[models.Model],
    key: str | tuple[str, ...],
    rows: Iterable[Mapping[str, Any]],
    *,
    batch_size: int = 500,
) -> UpsertCounts:
    """Create or update ``model`` rows identified by the unique field ``key``, or by the
    fields of a unique constraint when ``key`` is a tuple (``("facility_id", "activity", …)``).

    Each row maps field names (the key fields included) to values. A row whose values all equal
    the stored ones is counted unchanged and not written, so re-running an import is a no-op.
    The keys of the rows created and updated are returned too (``created_keys``…).
    Must be called inside a transaction (the importers hold one).
    """
    rows = list(rows)
    counts = UpsertCounts()
    if not rows:
        return counts
    assert transaction.get_connection().in_atomic_block, "upsert() must run in a transaction"
    existing = _existing(model, key, rows)
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        row_key = _key_of(key, row)
        obj = existing.get(row_key)
        if obj is None:
            to_create.append(model(**row))
            counts.created_keys.append(key_text(row_key))
            continue
        changed = [name for name, value in row.items() if not _same(getattr(obj, name), value)]
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(obj, name, row[name])
        changed_fields.update(changed)
        to_update.append(obj)
        counts.updated_keys.append(key_text(row_key))
    model.objects.bulk_create(to_create, batch_size=batch_size)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=batch_size)
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def _key_of(key: str | tuple[str, ...], row: Mapping[str, Any]) -> Any:
    return row[key] if isinstance(key, str) else tuple(row[name] for name in key)


def _existing(
    model: type[models.Model], key: str | tuple[str, ...], rows: list[Mapping[str, Any]]
) -> dict[Any, models.Model]:
    # Only the fields the rows compare: a national file of communes would otherwise read
    # every stored polygon back (18 of the 35 s of the national population file).
    meta = model._meta
    names = {meta.get_field(name).name for row in rows for name in row}
    names |= {key} if isinstance(key, str) else set(key)
    stored = model.objects.only(*sorted(names))
    if isinstance(key, str):
        return stored.in_bulk([row[key] for row in rows], field_name=key)
    # Narrow by the first key field in SQL, then match whole keys in Python.
    candidates = stored.filter(**{f"{key[0]}__in": {row[key[0]] for row in rows}})
    return {tuple(getattr(obj, name) for name in key): obj for obj in candidates}


def bulk_upsert(
    model: type[models.Model],
    key: str | tuple[str, ...],
    rows: Iterable[Mapping[str, Any]],
    *,
    update: bool = True,
) -> UpsertCounts:
    """``upsert`` for national files: the same rows, counts and no-op on a second run, in
    three SQL statements on PostgreSQL instead of model instances (``upsert`` elsewhere).

    The rows (all with the same fields) are COPYed into a temporary table, then one
    ``INSERT … ON CONFLICT (key) DO UPDATE … WHERE (stored) IS DISTINCT FROM (new)`` creates
    the new rows and rewrites only the rows that differ; ``RETURNING (xmax = 0)`` tells the
    created from the updated, and the rows it does not return are unchanged. ``key`` must be
    the fields of a unique constraint (a partial one is matched with its condition). Fields a
    row omits get their default on creation (``auto_now``: the time of the import) and are
    left as stored on update, as ``upsert`` does. The keys of the rows created and updated
    are returned too (``created_keys``…, as ``key_text``), RETURNING them with the flag.
    ``update=False`` only creates the missing rows and leaves every stored one as it is
    (``ON CONFLICT … DO NOTHING``; counted unchanged): the EJ stubs an ET import needs.
    A geometry may be a GEOS object or already hex EWKB text (SRID in: what
    ``territories.geometry.to_hexewkb`` makes for a whole file at once). 1,000 rows written
    or more: the table is analysed once the transaction commits (``_analyze_on_commit``).
    Must be called inside a transaction.
    """
    rows = list(rows)
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "bulk_upsert() must run in a transaction"
    if not rows or connection.vendor != "postgresql":
        rows = _geometries_from_text(model, rows)
        return upsert(model, key, rows) if update else _create_missing(model, key, rows)
    meta, quote = model._meta, connection.ops.quote_name
    names = list(rows[0])
    fields = [meta.get_field(name) for name in names]
    columns = [quote(field.column) for field in fields]
    keys = (key,) if isinstance(key, str) else key
    key_columns = [meta.get_field(name).column for name in keys]
    extra_columns, extra_values, params = [], [], []
    for other in meta.concrete_fields:
        if other.primary_key or other in fields:
            continue
        if getattr(other, "auto_now", False) or getattr(other, "auto_now_add", False):
            extra_columns.append(quote(other.column))
            extra_values.append("now()")
        else:  # the model default, or "" for a text field without one, as Django does
            extra_columns.append(quote(other.column))
            extra_values.append("%s")
            params.append(other.get_db_prep_save(other.get_default(), connection))
    table, temporary = quote(meta.db_table), quote(f"bulk_upsert_{meta.db_table}")
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "
            f"SELECT {listed} FROM {table} WITH NO DATA"
        )
        # psycopg writes Django choices by value; a GEOS geometry goes as hex EWKB (SRID in).
        geometries = [i for i, field in enumerate(fields) if hasattr(field, "geom_type")]
        with cursor.cursor.copy(f"COPY {temporary} ({listed}) FROM STDIN") as copy:
            for row in rows:
                if len(row) != len(names):
                    raise ValueError(f"bulk_upsert rows must all have the fields {names}")
                values = [row[name] for name in names]
                for i in geometries:
                    if values[i] is not None and not isinstance(values[i], str):
                        values[i] = values[i].hexewkb.decode()
                copy.write_row(values)
        predicate = _unique_index_predicate(cursor, meta.db_table, key_columns)
        changing = [c for f, c in zip(fields, columns, strict=True) if f.column not in key_columns]
        if changing and update:
            action = (
                f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in changing)} "
                f"WHERE ({', '.join(f'stored.{c}' for c in changing)}) IS DISTINCT FROM "
                f"({', '.join(f'EXCLUDED.{c}' for c in changing)})"
            )
        else:
            action = "DO NOTHING"
        cursor.execute(
            f"INSERT INTO {table} AS stored ({', '.join(columns + extra_columns)}) "
            f"SELECT {', '.join(columns + extra_values)} FROM {temporary} "
            f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)})"
            f"{f' WHERE {predicate}' if predicate else ''} {action} "
            f"RETURNING (stored.xmax = 0), {', '.join(f'stored.{quote(c)}' for c in key_columns)}",
            params,
        )
        written = cursor.fetchall()
        cursor.execute(f"DROP TABLE {temporary}")
    if len(written) >= ANALYZE_AFTER_ROWS:
        _analyze_on_commit(connection, meta)
    counts = UpsertCounts(unchanged=len(rows) - len(written))
    for created, *parts in written:
        text = key_text(parts[0] if isinstance(key, str) else tuple(parts))
        (counts.created_keys if created else counts.updated_keys).append(text)
    # Sorted: the order RETURNING gives is the database's, not the file's.
    counts.created_keys.sort()
    counts.updated_keys.sort()
    counts.created, counts.updated = len(counts.created_keys), len(counts.updated_keys)
    return counts


#: Rows written by one ``bulk_upsert`` after which the table is analysed once committed.
ANALYZE_AFTER_ROWS = 1000


def _analyze_on_commit(connection: Any, meta: Any) -> None:
    """``ANALYZE`` the table's non-geometry columns once the import commits: until autovacuum
    gets to it the planner has no statistics for a national file's rows, and the level
    facilities' query took 2 s instead of 0.8 on the national authorisations (geometry
    columns left out: sampling 35,000 polygons costs seconds and plans no query)."""
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in meta.concrete_fields if not hasattr(f, "geom_type")]
    sql = f"ANALYZE {quote(meta.db_table)} ({', '.join(columns)})"

    def analyze() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        except Exception:  # noqa: BLE001 — statistics are an optimisation, never the import's
            logger.warning("ANALYZE %s failed", meta.db_table, exc_info=True)

    transaction.on_commit(analyze)


def _geometries_from_text(
    model: type[models.Model], rows: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Rows whose geometries given as hex EWKB text (``bulk_upsert`` takes them, so that a
    national file need not build a GEOS object per polygon) are GEOS geometries again, for
    ``upsert`` (SpatiaLite) to compare with the stored ones."""
    if not rows:
        return rows
    meta = model._meta
    spatial = [n for n in rows[0] if hasattr(meta.get_field(n), "geom_type")]
    if not spatial or not any(isinstance(row[n], str) for row in rows for n in spatial):
        return rows
    return [
        {
            **row,
            **{n: GEOSGeometry(row[n]) for n in spatial if isinstance(row[n], str)},
        }
        for row in rows
    ]


def _create_missing(
    model: type[models.Model], key: str | tuple[str, ...], rows: list[Mapping[str, Any]]
) -> UpsertCounts:
    """``bulk_upsert(update=False)`` with model instances (SpatiaLite)."""
    existing = _existing(model, key, rows) if rows else {}
    missing = [row for row in rows if _key_of(key, row) not in existing]
    model.objects.bulk_create([model(**row) for row in missing], batch_size=2000)
    return UpsertCounts(
        created=len(missing),
        unchanged=len(rows) - len(missing),
        created_keys=sorted(key_text(_key_of(key, row)) for row in missing),
    )


def _unique_index_predicate(cursor: Any, table: str, columns: list[str]) -> str:
    """The condition of the unique index on exactly ``columns`` ("" when it has none), for
    ``ON CONFLICT`` to find a partial unique index."""
    cursor.execute(
        """
        SELECT coalesce(pg_get_expr(i.indpred, i.indrelid), '')
        FROM pg_index i
        WHERE i.indrelid = %s::regclass AND i.indisunique
          AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
               FROM pg_attribute a
               WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[]))
              = %s::text[]
        ORDER BY i.indpred IS NOT NULL
        LIMIT 1
        """,
        [table, sorted(columns)],
    )
    found = cursor.fetchone()
    if found is None:
        raise ValueError(f"no unique index on {table} ({', '.join(columns)})")
    return found[0]
