"""One authorisation catalogue — data, step 2 of 4: one code per activity.

The schema's catalogue spelt some codes with hyphens (``soins-critiques``) where the facility
registry, its importers and the ARS CSV spell them with underscores (``soins_critiques``); the
registry's spelling wins, as authorisations hold it. ``facility_activity`` becomes the flag
``counted_by_registry``; the modalities the planning tools knew become catalogue rows (the
modalities and mentions of the 2021–2023 texts are added by 0011).
"""

from django.db import migrations

#: Old schema code → the registry's code.
RENAMED = {
    "chirurgie-cardiaque": "chirurgie_cardiaque",
    "soins-critiques": "soins_critiques",
    "cardio-interventionnelle": "cardio_interv",
    "medecine-nucleaire": "medecine_nucleaire",
    "grands-brules": "grands_brules",
    "neuroradiologie-interventionnelle": "neuroradiologie_interv",
    "amp-dpn": "amp_dpn",
    "radiologie-interventionnelle": "radiologie_interv",
    "caisson-hyperbare": "caisson_hyperbare",
    "gamma-camera": "gamma_camera",
}
MODALITY_REQUIRED = ("urgences", "obstetrique", "psychiatrie")
#: The modalities the planning tools knew (facilities.activities before the catalogue).
MODALITIES = {
    "urgences": [
        ("su", "Structure des urgences"),
        ("su_pediatrique", "Structure des urgences pédiatriques"),
        ("smur", "SMUR"),
        ("samu", "SAMU (régulation)"),
    ],
    "obstetrique": [
        ("type_1", "Maternité de type 1"),
        ("type_2a", "Maternité de type 2A"),
        ("type_2b", "Maternité de type 2B"),
        ("type_3", "Maternité de type 3"),
    ],
    "psychiatrie": [
        ("adultes", "Psychiatrie générale (adultes)"),
        ("infanto_juvenile", "Psychiatrie de l'enfant et de l'adolescent"),
    ],
    "smr": [("adultes_generale", "Adultes"), ("pediatrie", "Pédiatrie")],
    "chirurgie": [("adultes_generale", "Adultes"), ("pediatrie", "Pédiatrie")],
}


def forward(apps, schema_editor):
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    Modality = apps.get_model("facilities", "Modality")
    for old, new in RENAMED.items():
        AuthorisedActivity.objects.filter(code=old).update(code=new)
    AuthorisedActivity.objects.exclude(facility_activity="").update(counted_by_registry=True)
    AuthorisedActivity.objects.filter(code__in=MODALITY_REQUIRED).update(modality_required=True)
    activities = AuthorisedActivity.objects.in_bulk(list(MODALITIES), field_name="code")
    for code, modalities in MODALITIES.items():
        if code not in activities:
            continue
        for order, (modality, label) in enumerate(modalities, start=1):
            Modality.objects.update_or_create(
                activity=activities[code], code=modality, defaults={"label": label, "order": order}
            )


def backward(apps, schema_editor):
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    apps.get_model("facilities", "Modality").objects.all().delete()
    for old, new in RENAMED.items():
        AuthorisedActivity.objects.filter(code=new).update(code=old)
    for activity in AuthorisedActivity.objects.filter(counted_by_registry=True):
        activity.facility_activity = activity.code
        activity.save(update_fields=["facility_activity"])


class Migration(migrations.Migration):
    dependencies = [("facilities", "0007_authorisation_catalogue")]
    operations = [migrations.RunPython(forward, backward)]
