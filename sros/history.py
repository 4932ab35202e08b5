"""The history of a schema version's objects, as simple-history records them, for the pages."""

from __future__ import annotations

from collections import defaultdict


def previous_records(records) -> dict[tuple[type, int], object]:
    """Each record's predecessor among ``records`` (the same object's previous version),
    paired in memory: ``record.prev_record`` would cost one query per record."""
    by_object = defaultdict(list)
    for record in records:
        by_object[(type(record), record.id)].append(record)
    previous = {}
    for rows in by_object.values():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        for before, after in zip(rows, rows[1:], strict=False):
            previous[(type(after), after.history_id)] = before
    return previous


def record_label(record) -> str:
    """The object as it was: its model's own ``__str__`` applied to the historical record (whose
    related rows the query joined), not simple-history's English "… as of <date>" built from a
    fresh instance that queries each relation again."""
    return record.instance_type.__str__(record)


def shown(field, value):
    """A recorded value as the pages show it: a choice by its label (« Adopté », not
    ``adopted``), anything else as it is."""
    if value is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def history_entries(records) -> list[dict]:
    entries = []
    previous_of = previous_records(records)
    for record in records:
        changes = []
        previous = previous_of.get((type(record), record.history_id))
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=["lock_version"])
            for change in delta.changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append(
                    (field.verbose_name, shown(field, change.old), shown(field, change.new))
                )
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.get_history_type_display(),
                "model": record.instance_type._meta.verbose_name,
                "object": record_label(record),
                "changes": changes,
            }
        )
    return entries
