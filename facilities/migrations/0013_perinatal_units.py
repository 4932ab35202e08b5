"""Perinatal care as the 1998 décrets authorise it: units, not maternity types (data).

The obstétrique activity's modalities become its units (obstétrique, néonatologie without or
with soins intensifs, réanimation néonatale, décret 98-899); the ``type_1`` … ``type_3``
modalities are retired: a maternity's type is derived per site from its units
(``facilities.perinatal``). An authorisation written as a type becomes one authorisation per
unit the type stands for (same site, dates, source; ``source_key`` suffixed by the unit);
FINESS rows that kept their official unit code (TRE_R405 01–04) get the unit as modality.
"""

import datetime as dt

from django.db import migrations

TEXTS = [
    (
        "decret-98-899",
        "Décret n° 98-899 du 9 octobre 1998 relatif aux établissements de santé publics et "
        "privés pratiquant l'obstétrique, la néonatologie ou la réanimation néonatale",
        dt.date(1998, 10, 9),
        dt.date(1998, 10, 10),
        "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000207560",
    ),
    (
        "decret-98-900",
        "Décret n° 98-900 du 9 octobre 1998 relatif aux conditions techniques de "
        "fonctionnement (obstétrique, néonatologie, réanimation néonatale)",
        dt.date(1998, 10, 9),
        dt.date(1998, 10, 10),
        "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000756322",
    ),
]
# (code, label, FINESS TRE_R405 code)
UNITS = [
    ("obstetrique", "Gynécologie-obstétrique", "01"),
    ("neonatologie", "Néonatologie sans soins intensifs", "02"),
    ("neonatologie_si", "Néonatologie avec soins intensifs", "03"),
    ("reanimation_neonatale", "Réanimation néonatale", "04"),
]
#: The retired modality → the units it stood for (facilities.perinatal.UNITS_OF_TYPE).
UNITS_OF_TYPE = {
    "type_1": ("obstetrique",),
    "type_2a": ("obstetrique", "neonatologie"),
    "type_2b": ("obstetrique", "neonatologie_si"),
    "type_3": ("obstetrique", "neonatologie_si", "reanimation_neonatale"),
}


def forward(apps, schema_editor):
    LegalText = apps.get_model("facilities", "LegalText")
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    Modality = apps.get_model("facilities", "Modality")
    Authorisation = apps.get_model("facilities", "Authorisation")
    for code, title, signed_on, in_force_on, url in TEXTS:
        LegalText.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "signed_on": signed_on,
                "in_force_on": in_force_on,
                "url": url,
            },
        )
    obstetrics = AuthorisedActivity.objects.filter(code="obstetrique").first()
    if obstetrics is None:
        return
    text = LegalText.objects.get(code="decret-98-899")
    for order, (code, label, _finess) in enumerate(UNITS, start=1):
        Modality.objects.update_or_create(
            activity=obstetrics,
            code=code,
            defaults={
                "label": label,
                "legal_text": text,
                "legal_reference": "Décret n° 98-899 du 9 octobre 1998 (CSP art. R6123-39 s.)",
                "valid_from": dt.date(1998, 10, 10),
                "order": order,
            },
        )
    rows = Authorisation.objects.filter(activity="obstetrique", modality__in=UNITS_OF_TYPE)
    for authorisation in list(rows):
        first, *others = UNITS_OF_TYPE[authorisation.modality]
        key = authorisation.source_key
        for unit in others:
            authorisation.pk = None
            authorisation.modality = unit
            authorisation.source_key = f"{key}:{unit}" if key else ""
            authorisation.save()
        Authorisation.objects.filter(
            activity="obstetrique", facility_id=authorisation.facility_id,
            modality__in=UNITS_OF_TYPE, start_date=authorisation.start_date,
            source=authorisation.source, source_key=key,
        ).update(modality=first)  # fmt: skip
    for code, _label, finess in UNITS:
        Authorisation.objects.filter(
            activity="obstetrique", modality="", official_modality_code=finess
        ).update(modality=code)
    Modality.objects.filter(activity=obstetrics, code__in=UNITS_OF_TYPE).delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0012_equipment_counted_by_site")]
    # Not reversible: one authorisation per unit cannot be told from the types it came from.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
