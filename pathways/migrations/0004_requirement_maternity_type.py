"""Levels require the maternity type derived from a site's units (facilities 0013 retired the
``type_*`` modalities): a requirement written as ``obstetrique`` + ``type_2a`` becomes
``obstetrique`` + maternity type ``2a``."""

from django.db import migrations, models


TYPES = {"type_1": "1", "type_2a": "2a", "type_2b": "2b", "type_3": "3"}


def types_to_maternity_type(apps, schema_editor):
    LevelRequirement = apps.get_model("pathways", "LevelRequirement")
    for modality, kind in TYPES.items():
        LevelRequirement.objects.filter(activity="obstetrique", modality=modality).update(
            modality="", maternity_type=kind
        )


def maternity_type_to_types(apps, schema_editor):
    LevelRequirement = apps.get_model("pathways", "LevelRequirement")
    for modality, kind in TYPES.items():
        LevelRequirement.objects.filter(maternity_type=kind).update(
            modality=modality, maternity_type=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0013_perinatal_units"),
        ("pathways", "0003_requirement_references_catalogue"),
        ("facilities", "0013_perinatal_units"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="levelrequirement",
            name="requirement_modality_needs_activity",
        ),
        migrations.AddField(
            model_name="levelrequirement",
            name="maternity_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("1", "Maternité de type 1"),
                    ("2a", "Maternité de type 2A"),
                    ("2b", "Maternité de type 2B"),
                    ("3", "Maternité de type 3"),
                ],
                max_length=2,
                verbose_name="type de maternité",
            ),
        ),
        migrations.RunPython(types_to_maternity_type, maternity_type_to_types),
        migrations.AddConstraint(
            model_name="levelrequirement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("maternity_type", ""), ("mention", ""), ("modality", "")),
                    ("activity__isnull", False),
                    _connector="OR",
                ),
                name="requirement_modality_needs_activity",
            ),
        ),
    ]
