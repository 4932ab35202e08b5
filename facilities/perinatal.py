"""Perinatal care under the 1998 décrets: a maternity's type is derived from its units.

Décret n° 98-899 du 9 octobre 1998 (CSP R6123-39 ff., then art. R. 712-84 ff.) authorises
obstétrique, néonatologie (with or without soins intensifs) and réanimation néonatale as units
of the activity « gynécologie-obstétrique, néonatologie, réanimation néonatale » (R6122-25
3°); décret n° 98-900 (D6124-35 ff.) sets their conditions. The maternities are graded by the
care their newborns get: type 1 (obstétrique), 2 (plus néonatologie; 2A without, 2B with soins
intensifs) and 3 (plus réanimation néonatale). Sources in docs/authorisation-catalogue.md.

The type is never stored: it follows, per site, from the units it is authorised for
(``facilities.selectors.maternity_types``); levels require the derived type
(``LevelRequirement.maternity_type``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

#: The activity (R6122-25 3°) and its units: modality codes of that activity in the catalogue.
ACTIVITY = "obstetrique"
OBSTETRICS = "obstetrique"
NEONATOLOGY = "neonatologie"
NEONATAL_INTENSIVE_CARE = "neonatologie_si"
NEONATAL_RESUSCITATION = "reanimation_neonatale"
UNITS = (OBSTETRICS, NEONATOLOGY, NEONATAL_INTENSIVE_CARE, NEONATAL_RESUSCITATION)


class MaternityType(models.TextChoices):
    TYPE_1 = "1", _("Maternité de type 1")
    TYPE_2A = "2a", _("Maternité de type 2A")
    TYPE_2B = "2b", _("Maternité de type 2B")
    TYPE_3 = "3", _("Maternité de type 3")


#: Highest type first: the unit that, with obstétrique, makes a site of that type.
TYPE_RULES: tuple[tuple[str, str], ...] = (
    (MaternityType.TYPE_3, NEONATAL_RESUSCITATION),
    (MaternityType.TYPE_2B, NEONATAL_INTENSIVE_CARE),
    (MaternityType.TYPE_2A, NEONATOLOGY),
    (MaternityType.TYPE_1, OBSTETRICS),
)

#: The units a type stands for, to convert data written as types (the retired ``type_1`` …
#: ``type_3`` modalities). A type 3 maternity's newborns go through intensive care too.
UNITS_OF_TYPE: dict[str, tuple[str, ...]] = {
    MaternityType.TYPE_1: (OBSTETRICS,),
    MaternityType.TYPE_2A: (OBSTETRICS, NEONATOLOGY),
    MaternityType.TYPE_2B: (OBSTETRICS, NEONATAL_INTENSIVE_CARE),
    MaternityType.TYPE_3: (OBSTETRICS, NEONATAL_INTENSIVE_CARE, NEONATAL_RESUSCITATION),
}


def maternity_type(units: Iterable[str]) -> str:
    """The type ("1", "2a", "2b", "3") of a site authorised for ``units`` (modality codes of
    ``obstetrique``), or "" when it has no obstétrique unit (a neonatology unit alone is no
    maternity)."""
    held = set(units)
    if OBSTETRICS not in held:
        return ""
    return next(str(kind) for kind, unit in TYPE_RULES if unit in held)
