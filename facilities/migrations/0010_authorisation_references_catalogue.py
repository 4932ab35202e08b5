"""One authorisation catalogue — step 4 of 4: an authorisation's activity and heavy equipment
become keys of the catalogue by code, in three moves (schema, data, foreign key):

1. the columns may be NULL (a key cannot be "");
2. "" becomes NULL, and a code the catalogue lacks stops the migration, named (never dropped);
3. the columns become foreign keys to ``AuthorisedActivity.code``: they keep the same codes,
   so no row's value changes.

And authorisations gain the mention the 2021–2023 texts give some modalities.
"""

import django.db.models.deletion
from django.db import migrations, models

import core.fields

COLUMNS = ("activity", "equipment")


def blanks_to_null(apps, schema_editor):
    Authorisation = apps.get_model("facilities", "Authorisation")
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    known = set(AuthorisedActivity.objects.values_list("code", flat=True))
    for column in COLUMNS:
        Authorisation.objects.filter(**{column: ""}).update(**{column: None})
        unknown = (
            set(Authorisation.objects.exclude(**{f"{column}__isnull": True}).values_list(
                column, flat=True
            ))
            - known
        )
        if unknown:
            raise RuntimeError(
                f"facilities.Authorisation.{column} holds codes the catalogue lacks: "
                f"{sorted(unknown)}; add them to facilities.AuthorisedActivity first"
            )


def null_to_blanks(apps, schema_editor):
    Authorisation = apps.get_model("facilities", "Authorisation")
    for column in COLUMNS:
        Authorisation.objects.filter(**{f"{column}__isnull": True}).update(**{column: ""})


def nullable(verbose_name):
    return models.CharField(blank=True, max_length=40, null=True, verbose_name=verbose_name)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0009_remove_facility_activity")]

    operations = [
        migrations.AlterField(
            model_name="authorisation", name="activity", field=nullable("activité")
        ),
        migrations.AlterField(
            model_name="authorisation",
            name="equipment",
            field=nullable("équipement matériel lourd"),
        ),
        migrations.RunPython(blanks_to_null, null_to_blanks),
        migrations.AlterField(
            model_name="authorisation",
            name="activity",
            field=core.fields.CodeForeignKey(
                blank=True,
                db_column="activity",
                limit_choices_to={"kind": "activity"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="authorisations",
                to="facilities.authorisedactivity",
                to_field="code",
                verbose_name="activité",
            ),
        ),
        migrations.AlterField(
            model_name="authorisation",
            name="equipment",
            field=core.fields.CodeForeignKey(
                blank=True,
                db_column="equipment",
                limit_choices_to={"kind": "equipment"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="equipment_authorisations",
                to="facilities.authorisedactivity",
                to_field="code",
                verbose_name="équipement matériel lourd",
            ),
        ),
        migrations.AlterField(
            model_name="authorisation",
            name="modality",
            field=models.CharField(blank=True, max_length=40, verbose_name="modalité"),
        ),
        migrations.AddField(
            model_name="authorisation",
            name="mention",
            field=models.CharField(blank=True, max_length=40, verbose_name="mention"),
        ),
        migrations.RemoveConstraint(
            model_name="authorisation", name="authorisation_unique_period_start"
        ),
        migrations.AddConstraint(
            model_name="authorisation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_key", "")),
                fields=("facility", "activity", "modality", "mention", "start_date"),
                name="authorisation_unique_period_start",
            ),
        ),
        migrations.AlterModelOptions(
            name="authorisation",
            options={
                "ordering": ["facility", "activity_id", "modality", "start_date"],
                "verbose_name": "autorisation",
                "verbose_name_plural": "autorisations",
            },
        ),
    ]
