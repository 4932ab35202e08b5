"""A level requirement's activity becomes a key of the catalogue by code (facilities 0007–0010),
in three moves (schema, data, foreign key): the column may be NULL; "" (a requirement naming
only a facility kind) becomes NULL; the column becomes a foreign key to
``AuthorisedActivity.code`` and keeps its codes. Requirements gain a mention."""

import django.db.models.deletion
from django.db import migrations, models

import core.fields


def blanks_to_null(apps, schema_editor):
    LevelRequirement = apps.get_model("pathways", "LevelRequirement")
    LevelRequirement.objects.filter(activity="").update(activity=None)


def null_to_blanks(apps, schema_editor):
    LevelRequirement = apps.get_model("pathways", "LevelRequirement")
    LevelRequirement.objects.filter(activity__isnull=True).update(activity="")


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0010_authorisation_references_catalogue"),
        ("pathways", "0002_seed_pathways"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="levelrequirement", name="requirement_names_activity_or_kind"
        ),
        migrations.RemoveConstraint(
            model_name="levelrequirement", name="requirement_modality_needs_activity"
        ),
        migrations.AlterField(
            model_name="levelrequirement",
            name="activity",
            field=models.CharField(
                blank=True, max_length=40, null=True, verbose_name="activité autorisée"
            ),
        ),
        migrations.RunPython(blanks_to_null, null_to_blanks),
        migrations.AlterField(
            model_name="levelrequirement",
            name="activity",
            field=core.fields.CodeForeignKey(
                blank=True,
                db_column="activity",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="facilities.authorisedactivity",
                to_field="code",
                verbose_name="activité autorisée",
            ),
        ),
        migrations.AlterField(
            model_name="levelrequirement",
            name="modality",
            field=models.CharField(blank=True, max_length=40, verbose_name="modalité"),
        ),
        migrations.AddField(
            model_name="levelrequirement",
            name="mention",
            field=models.CharField(blank=True, max_length=40, verbose_name="mention"),
        ),
        migrations.AddConstraint(
            model_name="levelrequirement",
            constraint=models.CheckConstraint(
                condition=models.Q(("activity__isnull", True), ("facility_kind", ""), _negated=True),
                name="requirement_names_activity_or_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="levelrequirement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("mention", ""), ("modality", "")),
                    ("activity__isnull", False),
                    _connector="OR",
                ),
                name="requirement_modality_needs_activity",
            ),
        ),
    ]
