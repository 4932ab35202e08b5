"""Labels of internal codes (workflow transitions, field names, providers, states…).

One registry for the whole product: each app registers the labels of its own codes, once,
in its ``labels.py`` (imported by its ``AppConfig.ready``), and templates show them with the
``label`` filter of ``core.templatetags.sros_format`` (``{{ run.provider|label:"provider" }}``),
Python code with ``label_of``. ``core`` knows no app: it holds the mapping, the apps fill it.

A code without a label is shown as it is (never hidden), and the page tests that grep every
page for codes catch it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

_LABELS: dict[str, dict[str, str]] = {}
_LABELLERS: dict[str, Callable[[str], str | None]] = {}


def register_labels(kind: str, labels: Mapping[str, str]) -> None:
    """Add ``labels`` (code → lazy translated label) to ``kind``; registering twice is harmless."""
    _LABELS.setdefault(kind, {}).update(labels)


def register_labeller(kind: str, labeller: Callable[[str], str | None]) -> None:
    """For codes made by a rule (a scenario's new sites "new-1", "new-2"…): ``labeller(code)``
    gives the label, or ``None`` for a code it does not know."""
    _LABELLERS[kind] = labeller


def label_of(kind: str, code: object) -> str:
    """The label of ``code`` in ``kind``, in the active language; ``code`` itself when unknown."""
    if code is None:
        return ""
    text = str(code)
    found = _LABELS.get(kind, {}).get(text)
    if found is None and kind in _LABELLERS:
        found = _LABELLERS[kind](text)
    return str(found) if found is not None else text


def codes(kind: str) -> list[str]:
    """The codes of ``kind`` that have a label (for tests and the export's code rows)."""
    return list(_LABELS.get(kind, {}))
