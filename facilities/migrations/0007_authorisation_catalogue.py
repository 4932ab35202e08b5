"""One authorisation catalogue, in facilities (issue 10 §3) — schema, step 1 of 4.

The activities and heavy equipment move from ``sros`` to ``facilities``: the state only, the
table stays ``sros_authorisedactivity`` and keeps its rows and ids, so the schema's objectives
and volets keep pointing at them (sros 0007 drops the model from sros's state); its content type
(and so its permissions) moves with it. The fields are those of sros 0001; then the catalogue's
new tables: legal texts, modalities, mentions.
"""

import django.db.models.deletion
from django.db import migrations, models

DATES_IN_ORDER = models.Q(
    ("valid_to__isnull", True),
    ("valid_from__isnull", True),
    ("valid_to__gte", models.F("valid_from")),
    _connector="OR",
)


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    moved = ContentType.objects.filter(app_label="sros", model="authorisedactivity")
    if ContentType.objects.filter(app_label="facilities", model="authorisedactivity").exists():
        moved.delete()
    else:
        moved.update(app_label="facilities")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="facilities", model="authorisedactivity").update(
        app_label="sros"
    )


def dated_fields():
    return [
        (
            "legal_reference",
            models.CharField(blank=True, max_length=255, verbose_name="référence juridique"),
        ),
        ("valid_from", models.DateField(blank=True, null=True, verbose_name="en vigueur depuis")),
        ("valid_to", models.DateField(blank=True, null=True, verbose_name="en vigueur jusqu'au")),
        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="ordre")),
        (
            "legal_text",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="facilities.legaltext",
                verbose_name="texte de référence",
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("facilities", "0006_drop_facility_finess_ej"),
        ("sros", "0006_free_text_limits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuthorisedActivity",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                        ("label", models.CharField(max_length=255, verbose_name="libellé")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("activity", "Activité de soins"),
                                    ("equipment", "Équipement matériel lourd"),
                                ],
                                max_length=10,
                                verbose_name="nature",
                            ),
                        ),
                        (
                            "legal_reference",
                            models.CharField(
                                blank=True, max_length=255, verbose_name="référence juridique"
                            ),
                        ),
                        (
                            "valid_from",
                            models.DateField(blank=True, null=True, verbose_name="en vigueur depuis"),
                        ),
                        (
                            "valid_to",
                            models.DateField(
                                blank=True, null=True, verbose_name="en vigueur jusqu'au"
                            ),
                        ),
                        ("facility_activity", models.CharField(blank=True, max_length=30)),
                        (
                            "proxy_kinds",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text='Liste de types (ex. ["psychiatrie"]) comptés quand les '
                                "données de la région ne portent aucune autorisation.",
                                verbose_name="types d'établissement comptés à défaut d'autorisations",
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="ordre")),
                    ],
                    options={
                        "verbose_name": "activité ou équipement soumis à autorisation",
                        "verbose_name_plural": "activités et équipements soumis à autorisation",
                        "db_table": "sros_authorisedactivity",
                        "ordering": ["kind", "order", "code"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=DATES_IN_ORDER,
                                name="authorised_activity_dates_in_order",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
        migrations.CreateModel(
            name="LegalText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                ("title", models.CharField(max_length=300, verbose_name="intitulé")),
                ("signed_on", models.DateField(blank=True, null=True, verbose_name="date du texte")),
                (
                    "in_force_on",
                    models.DateField(blank=True, null=True, verbose_name="entrée en vigueur"),
                ),
                (
                    "url",
                    models.URLField(blank=True, max_length=300, verbose_name="adresse Légifrance"),
                ),
            ],
            options={
                "verbose_name": "texte de référence",
                "verbose_name_plural": "textes de référence",
                "ordering": ["signed_on", "code"],
            },
        ),
        migrations.AddField(
            model_name="authorisedactivity",
            name="legal_text",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="facilities.legaltext",
                verbose_name="texte de référence",
            ),
        ),
        migrations.AddField(
            model_name="authorisedactivity",
            name="modality_required",
            field=models.BooleanField(
                default=False,
                help_text="L'autorisation précise toujours la modalité (ex. médecine d'urgence).",
                verbose_name="modalité obligatoire",
            ),
        ),
        migrations.AddField(
            model_name="authorisedactivity",
            name="counted_by_registry",
            field=models.BooleanField(
                default=False,
                help_text="Les autorisations importées portent cette activité ou cet équipement.",
                verbose_name="compté d'après les autorisations importées",
            ),
        ),
        migrations.CreateModel(
            name="Modality",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                *dated_fields(),
                ("code", models.SlugField(max_length=40, verbose_name="code")),
                ("label", models.CharField(max_length=255, verbose_name="libellé")),
                (
                    "activity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="modalities",
                        to="facilities.authorisedactivity",
                        verbose_name="activité",
                    ),
                ),
            ],
            options={
                "verbose_name": "modalité",
                "verbose_name_plural": "modalités",
                "ordering": ["activity__order", "order", "code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("activity", "code"), name="modality_unique_code"
                    ),
                    models.CheckConstraint(
                        condition=DATES_IN_ORDER, name="modality_dates_in_order"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Mention",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                *dated_fields(),
                ("code", models.SlugField(max_length=40, verbose_name="code")),
                ("label", models.CharField(max_length=255, verbose_name="libellé")),
                (
                    "activity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mentions",
                        to="facilities.authorisedactivity",
                        verbose_name="activité",
                    ),
                ),
                (
                    "modality",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="mentions",
                        to="facilities.modality",
                        verbose_name="modalité",
                    ),
                ),
            ],
            options={
                "verbose_name": "mention",
                "verbose_name_plural": "mentions",
                "ordering": ["activity__order", "order", "code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("activity", "code"), name="mention_unique_code"
                    ),
                    models.CheckConstraint(condition=DATES_IN_ORDER, name="mention_dates_in_order"),
                ],
            },
        ),
    ]
