"""Labels of the indicators' codes, registered in ``core.labels`` (see its docstring).

- ``provider``: the travel-time provider of a run (``IndicatorRun.provider``, the engine's
  ``TravelTimeProvider.name``): « à vol d'oiseau », « réseau routier », « matrice importée ».
- ``run_status``: a run's state, the model's own choices.
- ``parameter_rows``: a run's stored ``parameters`` (JSON written by ``services.run_parameters``)
  as labelled sentences for its pages, each number in the page's language. A key this module
  does not know is shown as it is stored, so the page tests catch it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_minutes, format_number, format_share
from core.labels import label_of, register_labels

PROVIDERS = {
    "crowfly": gettext_lazy("à vol d'oiseau"),
    "road": gettext_lazy("réseau routier"),
    "matrix": gettext_lazy("matrice importée"),
}


def register() -> None:
    from .models import IndicatorRun

    register_labels("provider", PROVIDERS)
    register_labels("run_status", dict(IndicatorRun.Status.choices))


def _short(value: Any) -> str:
    """Up to two decimals, trailing zeros dropped (1.3 → ``1,3``, 10.0 → ``10``)."""
    text = format_number(value, 2) or ""
    return text.rstrip("0").rstrip(",.") if text[-3:-2] in ",." else text


def travel_text(parameters: Mapping[str, Any] | None) -> str:
    """The provider and its settings: « à vol d'oiseau, détour × 1,3, 50 km/h »."""
    if not parameters:
        return _("non renseigné")
    kind = parameters.get("provider", "")
    parts = [label_of("provider", kind)]
    if kind == "crowfly":
        if parameters.get("detour") is not None:
            parts.append(_("détour × %s") % _short(parameters["detour"]))
        if parameters.get("speed_kmh") is not None:
            parts.append(_("%s km/h") % format_number(parameters["speed_kmh"]))
        if parameters.get("access_minutes"):
            parts.append(_("+ %s d'accès") % format_minutes(parameters["access_minutes"], 0))
    elif kind == "road" and parameters.get("network"):
        parts.append(_("réseau « %s »") % parameters["network"])
    elif kind == "matrix" and parameters.get("path"):
        parts.append(_("fichier « %s »") % str(parameters["path"]).rsplit("/", 1)[-1])
    return ", ".join(parts)


def _two_sfca_text(value: Mapping[str, Any]) -> str:
    bands = (value.get("weight") or {}).get("bands") or []
    weights = "; ".join(
        _("poids %(weight)s jusqu'à %(minutes)s")
        % {"weight": _short(w), "minutes": format_minutes(m, 0)}
        for m, w in bands
    )
    text = _("seuil %s") % format_minutes(value.get("max_minutes"), 0)
    return f"{text} ; {weights}" if weights else text


def _capacity_text(value: Mapping[str, Any]) -> str:
    if value.get("value") == 1 and value.get("note"):
        return _(
            "chaque établissement compte pour 1 : les lits et les ETP ne sont pas dans les "
            "données ouvertes chargées"
        )
    return format_number(value.get("value"), 2) or _("non renseignée")


def _underserved_text(value: Mapping[str, Any]) -> str:
    return _(
        "accessibilité 2SFCA nulle, ou inférieure à %s de la moyenne régionale du niveau "
        "pondérée par la population"
    ) % format_share(value.get("fraction"), 0)


def _text(key: str, value: Any) -> str | None:
    if key == "provider" and isinstance(value, Mapping):
        return travel_text(value)
    if key == "k":
        return format_number(value)
    if key == "two_sfca" and isinstance(value, Mapping):
        return _two_sfca_text(value)
    if key == "capacity" and isinstance(value, Mapping):
        return _capacity_text(value)
    if key == "underserved" and isinstance(value, Mapping):
        return _underserved_text(value)
    if key == "beyond_target":
        return _(
            "temps strictement supérieur à la cible ; une commune qu'aucun établissement "
            "n'atteint compte au-delà"
        )
    return None


PARAMETER_LABELS = {
    "provider": gettext_lazy("Temps de trajet"),
    "k": gettext_lazy("Établissements les plus proches examinés par commune"),
    "two_sfca": gettext_lazy("Accessibilité potentielle (2SFCA)"),
    "capacity": gettext_lazy("Capacité de l'offre"),
    "underserved": gettext_lazy("Commune sous-desservie"),
    "beyond_target": gettext_lazy("Au-delà de la cible"),
}


def parameter_rows(parameters: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """``(label, sentence)`` per stored parameter, in the page's language."""
    rows = []
    for key, value in (parameters or {}).items():
        text = _text(key, value)
        if text is None or key not in PARAMETER_LABELS:
            rows.append((key, str(value)))  # unknown: shown as stored (the page tests catch it)
        else:
            rows.append((str(PARAMETER_LABELS[key]), text))
    return rows
