"""Perinatal care under the 1998 décrets: a maternity's type is derived from its units.

Décrets n° 98-899 and 98-900 of 9 October 1998 (CSP art. R6123-39 ff. and D6124-35 ff.)
authorise obstétrique, néonatologie (with or without soins intensifs) and réanimation
néonatale as units of the activity « gynécologie-obstétrique, néonatologie, réanimation
néonatale » (R6122-25 3°); planning practice names the resulting maternity types 1, 2A, 2B
and 3. The texts themselves were not found in the stored corpus (docs/authorisation-catalogue.md),
so the rule below is the one the FINESS modality codes encode (TRE_R405 01–04).

The type is never stored: it follows from the units a site is authorised for. Not wired in
yet: the catalogue still carries the ``type_1`` … ``type_3`` modalities (issue 10 §3 step 3).
"""

from __future__ import annotations

from collections.abc import Iterable

#: The units, as FINESS TRE_R405 codes them on an obstetric authorisation.
OBSTETRICS = "01"
NEONATOLOGY = "02"
NEONATAL_INTENSIVE_CARE = "03"
NEONATAL_RESUSCITATION = "04"

#: Highest type first: the unit that, with obstétrique, makes a site of that type.
TYPE_RULES: tuple[tuple[str, str], ...] = (
    ("3", NEONATAL_RESUSCITATION),
    ("2b", NEONATAL_INTENSIVE_CARE),
    ("2a", NEONATOLOGY),
    ("1", OBSTETRICS),
)


def maternity_type(units: Iterable[str]) -> str:
    """The type ("1", "2a", "2b", "3") of a site authorised for ``units``, or "" when it has
    no obstétrique unit (a neonatology unit alone is no maternity)."""
    held = set(units)
    if OBSTETRICS not in held:
        return ""
    return next(kind for kind, unit in TYPE_RULES if unit in held)
