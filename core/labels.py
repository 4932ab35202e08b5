"""Labels of internal codes (workflow transitions, field names, providers, states…).

One registry for the whole product: each app registers the labels of its own codes, once,
in its ``labels.py`` (imported by its ``AppConfig.ready``), and templates show them with the
``label`` filter of ``core.templatetags.sros_format`` (``{{ run.provider|label:"provider" }}``),
Python code with ``label_of``. ``core`` knows no app: it holds the mapping, the apps fill it.

A code without a label is shown as it is (never hidden), and the page tests that grep every
page for codes catch it.
"""

from __future__ import annotations

from collections.abc import Mapping

_LABELS: dict[str, dict[str, str]] = {}


def register_labels(kind: str, labels: Mapping[str, str]) -> None:
    """Add ``labels`` (code → lazy translated label) to ``kind``; registering twice is harmless."""
    _LABELS.setdefault(kind, {}).update(labels)


def label_of(kind: str, code: object) -> str:
    """The label of ``code`` in ``kind``, in the active language; ``code`` itself when unknown."""
    if code is None:
        return ""
    labels = _LABELS.get(kind, {})
    found = labels.get(str(code))
    return str(found) if found is not None else str(code)


def codes(kind: str) -> list[str]:
    """The codes of ``kind`` that have a label (for tests and the export's code rows)."""
    return list(_LABELS.get(kind, {}))
