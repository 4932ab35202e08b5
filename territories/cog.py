"""Commune codes from any COG year, resolved to the communes loaded now.

Files of INSEE, DREES or an ARS are each on their own Code Officiel Géographique (COG) year.
A code of such a file is, in this order:

1. a current commune (``Commune.code``);
2. an arrondissement municipal of Paris, Lyon or Marseille, which belongs to its commune
   (Paris 75101–75120 → 75056, Lyon 69381–69389 → 69123, Marseille 13201–13216 → 13055, as
   the COG defines them), whether or not the ``MunicipalDistrict`` rows are loaded;
3. a former code (``FormerCommuneCode``, the ``anciens_codes`` of the INSEE population file):
   a commune merged into a commune nouvelle since the file's COG year;
4. a code of a département that is not loaded: outside what this database covers, skipped
   and counted by the importers, never an error (a national file on a regional database);
5. otherwise unknown: the only case an importer refuses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from core.importing import ImportFailed

from .models import Commune, Department, FormerCommuneCode, MunicipalDistrict

#: Arrondissements municipaux per commune (COG): first code, last code.
DISTRICT_RANGES = {"75056": (75101, 75120), "69123": (69381, 69389), "13055": (13201, 13216)}


def district_parent(code: str) -> str | None:
    """The commune of an arrondissement municipal code (``69383`` → ``69123``), else None."""
    if not code.isdigit():
        return None
    number = int(code)
    for parent, (first, last) in DISTRICT_RANGES.items():
        if first <= number <= last:
            return parent
    return None


def department_code_of(commune_code: str) -> str:
    """The département of an INSEE commune code: 3 characters overseas (971…, 98…), else 2."""
    return commune_code[:3] if commune_code[:2] in ("97", "98") else commune_code[:2]


class How(StrEnum):
    CURRENT = "current"
    DISTRICT = "district"
    FORMER = "former"
    NOT_LOADED = "not-loaded"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Resolved:
    how: How
    commune_id: int | None = None
    #: For AMBIGUOUS: the current codes a former code went to (a commune split in two).
    candidates: tuple[str, ...] = ()


def refuse_unresolved(
    path: Path | str,
    code: str,
    resolved: Resolved,
    where: str,
    *,
    unknown_hint: str = "",
    ambiguous_hint: str = "",
) -> None:
    """Raise ``ImportFailed`` for a code found nowhere or claimed by several communes; the
    hints say what the importer's user can do about it."""
    if resolved.how == How.UNKNOWN:
        raise ImportFailed(
            path,
            f"commune {code} is found nowhere: not a loaded commune, arrondissement or former "
            f"commune code{unknown_hint}",
            where=where,
        )
    if resolved.how == How.AMBIGUOUS:
        raise ImportFailed(
            path,
            f"former commune code {code} now belongs to several communes "
            f"({', '.join(resolved.candidates)}){ambiguous_hint}",
            where=where,
        )


class CommuneCodes:
    """The loaded communes, their districts and former codes, read once for a whole file."""

    def __init__(self, codes: Iterable[str] | None = None) -> None:
        communes = Commune.objects.all()
        self.current: dict[str, int] = dict(communes.values_list("code", "id"))
        self.code_of: dict[int, str] = {pk: code for code, pk in self.current.items()}
        self.districts: dict[str, int] = dict(
            MunicipalDistrict.objects.values_list("code", "commune_id")
        )
        self.former: dict[str, list[int]] = defaultdict(list)
        former = FormerCommuneCode.objects.all()
        if codes is not None:
            former = former.filter(code__in=set(codes))
        for code, commune_id in former.values_list("code", "commune_id"):
            self.former[code].append(commune_id)
        self.departments = set(Department.objects.values_list("code", flat=True))
        self.commune_departments = {
            code: department
            for code, department in communes.values_list("code", "department__code")
        }

    def resolve(self, code: str) -> Resolved:
        if code in self.current:
            return Resolved(How.CURRENT, self.current[code])
        parent = self.districts.get(code)
        if parent is None and (parent_code := district_parent(code)) in self.current:
            parent = self.current[parent_code]
        if parent is not None:
            return Resolved(How.DISTRICT, parent)
        targets = sorted(set(self.former.get(code, ())))
        if len(targets) == 1:
            return Resolved(How.FORMER, targets[0])
        if targets:
            return Resolved(
                How.AMBIGUOUS, candidates=tuple(sorted(self.code_of[t] for t in targets))
            )
        if department_code_of(code) not in self.departments:
            return Resolved(How.NOT_LOADED)
        return Resolved(How.UNKNOWN)

    def department_of(self, commune_id: int) -> str:
        return self.commune_departments.get(self.code_of[commune_id], "")
