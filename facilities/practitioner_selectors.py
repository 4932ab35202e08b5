"""Read queries on health professionals (Annuaire Santé), for the indicators (APL) and pages.

**No activity, no age in the public file**: a count here is a head count of practitioners
per commune of practice, not a volume of care (ETP, consultations) and not an age-weighted
supply. Whatever shows these figures shows ``ANNUAIRE_CAVEAT`` with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max

from territories.models import Commune

from .practitioners import ANNUAIRE_CAVEAT, GENERAL_PRACTITIONER, Practitioner

__all__ = ["ANNUAIRE_CAVEAT", "CommuneGPs", "RegionGPs", "general_practitioners_by_commune"]


@dataclass(frozen=True)
class CommuneGPs:
    commune_id: int
    code: str
    name: str
    population: int | None
    #: Distinct practitioners (RPPS) with a general-medicine activity at a site of the commune.
    general_practitioners: int
    #: Per 100,000 inhabitants; None without a population.
    per_100k: float | None


@dataclass(frozen=True)
class RegionGPs:
    communes: list[CommuneGPs]
    #: The latest extraction date of the rows counted (None when there are none).
    source_date: dt.date | None
    #: Always shown with the figures: the public file has no activity and no age.
    caveat: str


def general_practitioners_by_commune(region_id: int) -> RegionGPs:
    """General practitioners (profession 10 with savoir-faire SM26, SM53 or SM54) per commune
    of ``region_id``, every commune listed (0 where there is none), with the count per 100,000
    inhabitants (municipal population).

    No activity and no age in the public file: a practitioner counts 1 in each commune where
    he or she has an activity site (one who practises in two communes counts in both), whatever
    his or her volume of activity; sites without a commune are not counted.
    """
    rows = (
        Practitioner.objects.filter(GENERAL_PRACTITIONER)
        .filter(site__commune__department__region_id=region_id)
        .values("site__commune_id")
        .annotate(count=Count("national_id", distinct=True), latest=Max("source_date"))
    )
    counts, latest = {}, None
    for row in rows:
        counts[row["site__commune_id"]] = row["count"]
        if row["latest"] and (latest is None or row["latest"] > latest):
            latest = row["latest"]
    communes = Commune.objects.filter(department__region_id=region_id).order_by("code")
    result = []
    for pk, code, name, population in communes.values_list("id", "code", "name", "population"):
        count = counts.get(pk, 0)
        per_100k = count * 100_000 / population if population else None
        result.append(CommuneGPs(pk, code, name, population, count, per_100k))
    return RegionGPs(result, latest, str(ANNUAIRE_CAVEAT))
