"""Who a level's figures count, in words: what pages, exports and the API say next to a share.

A run records, per level, the weight asked and used (``inputs.weight_summary``, in
``IndicatorRun.inputs_summary["population_weights"]``). A perinatal level counts the women
aged 15 to 44 (INSEE census ``F1529`` + ``F3044``, DREES Études et résultats n° 1201); where
the ages of some or all communes are not loaded, those communes count their total population
and the figure carries a warning, never silently the wrong denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from pathways.models import Level

WOMEN = Level.Weight.WOMEN_15_44
MIXED = "mixed"


@dataclass(frozen=True)
class WeightNote:
    """The weight of one level's figures as a run used it."""

    asked: str  # "total" or "women_15_44"
    used: str  # "total", "women_15_44" or "mixed"
    sentence: str  # "" for a level counting everyone by definition
    fallback_units: int = 0

    @property
    def warning(self) -> bool:
        """True when the level asked for the women aged 15 to 44 and some or every commune
        counted its total population instead."""
        return self.asked == WOMEN and self.used != WOMEN

    @property
    def weighted(self) -> bool:
        return self.asked == WOMEN

    @property
    def short(self) -> str:
        """Who the figures counted, in a few words (a table's row or column label)."""
        if self.used == WOMEN:
            return _("femmes de 15 à 44 ans")
        if self.used == MIXED:
            return _("femmes de 15 à 44 ans, population totale où les âges manquent")
        return _("population totale : âges non chargés")


def weight_data(run: Any, level_id: int | None) -> dict[str, Any] | None:
    """The weight ``run`` recorded for a level, None for none (a run made before weights were
    recorded counted everyone)."""
    if level_id is None:
        return None
    return (run.inputs_summary or {}).get("population_weights", {}).get(str(level_id))


def weight_note(data: dict[str, Any] | None) -> WeightNote | None:
    """The recorded weight (``weight_data``) in words; None when there is nothing to say."""
    if not data or data.get("asked") != WOMEN:
        return None
    used = data.get("used", WOMEN)
    years = ", ".join(str(y) for y in data.get("ages_years", []))
    fallback = int(data.get("fallback_units", 0))
    if used == WOMEN:
        sentence = _(
            "parts calculées sur les femmes de 15 à 44 ans (INSEE, recensement %(years)s, "
            "F1529 + F3044)"
        ) % {"years": years}
    elif used == MIXED:
        sentence = _(
            "parts calculées sur les femmes de 15 à 44 ans (INSEE, recensement %(years)s, "
            "F1529 + F3044) ; attention : %(n)s communes sur %(total)s sans âges chargés "
            "comptent leur population totale (%(population)s habitants)"
        ) % {
            "years": years,
            "n": fallback,
            "total": data.get("units", 0),
            "population": number_format(data.get("fallback_population", 0), force_grouping=True),
        }
    else:
        sentence = _(
            "attention : population totale, âges non chargés — ces parts devraient porter sur "
            "les femmes de 15 à 44 ans (importez le fichier INSEE des populations par âge, "
            "import « population-age »)"
        )
    return WeightNote(WOMEN, used, sentence, fallback)


def run_weight_note(run: Any, level_id: int | None) -> WeightNote | None:
    """``weight_note`` of a level of ``run``."""
    return weight_note(weight_data(run, level_id))
