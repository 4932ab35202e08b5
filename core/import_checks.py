"""Checks every importer of text files shares, so that a bad file is refused with its line and
a clear reason, never a traceback and never a silent skip.

- ``csv_records`` reads CSV strictly: a record has the line where it *starts*, an unterminated
  quote or a field over the ``csv`` module's 131,072-character limit is a line error;
- ``check_fits`` refuses a value the database column cannot hold (a name longer than the
  column, a 30-digit population) before anything is written, instead of a ``DataError``
  half-way through the transaction or a silent truncation.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from core.importing import ImportFailed


def csv_records(
    path: Path | str, text: str, *, delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields) for every record of ``text``, empty lines left
    out. Raises ``ImportFailed`` naming the line for what the ``csv`` module cannot read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = 0
    while True:
        start = previous + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFailed(path, _csv_reason(str(exc)), where=f"line {start}") from exc
        previous = reader.line_num
        if fields and fields != [""]:
            yield start, fields


def _csv_reason(message: str) -> str:
    if "field limit" in message:
        return (
            f"a field longer than {csv.field_size_limit():,} characters "
            "(a quote left open, or not the expected file)"
        )
    if "unexpected end of data" in message:
        return "unterminated quote: a quoted field opened on this line never closes"
    return f"not a valid CSV ({message})"


def json_syntax_error(path: Path | str, exc: json.JSONDecodeError) -> ImportFailed:
    """The refusal of a file that is not valid JSON, naming the line and column."""
    message = exc.msg.removesuffix(" starting at").removesuffix(" at")
    return ImportFailed(
        path, f"not valid JSON ({message}, column {exc.colno})", where=f"line {exc.lineno}"
    )


def check_field_count(path: Path | str, line: int, fields: list[str], expected: int) -> None:
    """Refuse a row with fewer or more values than the header (a short row, a last row cut
    off, a quote left open that swallowed the next lines), naming its line."""
    if len(fields) != expected:
        raise ImportFailed(
            path,
            f"{len(fields)} fields, expected {expected} (the columns of line 1)",
            where=f"line {line}",
        )


@cache
def _columns_of(model: type[models.Model]) -> dict[str, models.Field]:
    return {field.attname: field for field in model._meta.concrete_fields}


def check_fits(
    path: Path | str,
    model: type[models.Model],
    row: Mapping[str, Any],
    where: str,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Refuse ``row`` (field name → value for ``model``) if a text is longer than its column or
    an integer outside its column's range. ``labels`` names fields as the file calls them.

    The ranges are Django's portable ones (PostgreSQL's), whatever the database, so the demo on
    SpatiaLite refuses the same files as production.
    """
    limits = _limits_of(model)
    for name, value in row.items():
        limit = limits.get(name)
        if limit is None or value is None:
            continue
        max_length, low, high = limit
        if max_length:
            if isinstance(value, str) and len(value) > max_length:
                label = (labels or {}).get(name, name)
                raise ImportFailed(
                    path,
                    f"{label} is {len(value):,} characters long, at most {max_length} allowed",
                    where=where,
                )
        elif isinstance(value, int) and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            label = (labels or {}).get(name, name)
            digits = len(str(abs(value)))
            shown = f"{value}" if digits <= 20 else f"(a {digits}-digit number)"
            raise ImportFailed(
                path, f"{label} {shown} is out of range ({low:,} to {high:,})", where=where
            )


@cache
def _limits_of(model: type[models.Model]) -> dict[str, tuple[int | None, int | None, int | None]]:
    """(max_length, low, high) of the columns ``check_fits`` checks, read once per model: texts
    with a length, integers with a range."""
    limits = {}
    for name, field in _columns_of(model).items():
        if isinstance(field, models.IntegerField):
            low, high = BaseDatabaseOperations.integer_field_ranges.get(
                field.get_internal_type(), (None, None)
            )
            if low is not None or high is not None:
                limits[name] = (None, low, high)
        elif field.max_length:
            limits[name] = (field.max_length, None, None)
    return limits
