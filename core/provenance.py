"""Where a computation's inputs come from, as plain data, without knowing who knows.

A run (``indicators``) must name the files its inputs were imported from, but the import
records live in ``opendata``, a higher layer. So the app that knows registers a provider here
(``opendata.apps`` does, in ``ready``), and the run copies what ``collect`` returns into its
own record: data, never a foreign key.

Each entry is a dict of JSON values: ``kind``, ``file``, ``sha256``, ``source_date`` (ISO
date or None), ``source_version`` (text), ``imported_at`` (ISO datetime), ``import_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from core.labels import label_of

Provider = Callable[..., list[dict[str, Any]]]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add ``provider`` (called as ``provider(region_id=…)``); registering twice is harmless."""
    if provider not in _providers:
        _providers.append(provider)


def collect(*, region_id: int | None = None) -> list[dict[str, Any]]:
    """The provenance of the data a computation of ``region_id`` reads now (every
    provider's entries, in their order); [] when no provider is registered."""
    entries: list[dict[str, Any]] = []
    for provider in _providers:
        entries += provider(region_id=region_id)
    return entries


def label(entry: Mapping[str, Any]) -> str:
    """One source in words: "FINESS cs1100507 du 2026-03-01", "INSEE RP 2021 du 2021-01-01";
    without a date of its own, the day it was imported."""
    name = entry.get("source_version") or label_of("import_kind", entry.get("kind")) or "?"
    if entry.get("source_date"):
        return _("%(source)s du %(date)s") % {"source": name, "date": entry["source_date"]}
    imported = (entry.get("imported_at") or "")[:10]
    if imported:
        return _("%(source)s (%(file)s, importé le %(date)s)") % {
            "source": name,
            "file": entry.get("file", ""),
            "date": imported,
        }
    return name


def describe(entries: Iterable[Mapping[str, Any]]) -> str:
    """ "Sources : FINESS cs1100507 du 2026-03-01, INSEE RP 2021 du 2021-01-01, …", or "" when
    nothing is known (a run made before imports were recorded)."""
    labels = list(dict.fromkeys(label(entry) for entry in entries))
    if not labels:
        return ""
    return _("Sources : %(sources)s") % {"sources": ", ".join(labels)}


def statement(entries: Iterable[Mapping[str, Any]]) -> str:
    """``describe(entries)``, or a sentence saying that no source was recorded: an export or
    page never leaves the question unanswered (the fictitious demo, or a computation made
    before imports were recorded, has no import to name)."""
    return describe(entries) or _(
        "Sources : aucune enregistrée (données chargées sans import de fichier enregistré, "
        "ou calcul antérieur à l'enregistrement des imports)"
    )
