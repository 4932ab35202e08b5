"""The catalogue of activities and heavy equipment now lives in ``facilities`` (facilities
0007, same table ``sros_authorisedactivity``): the schema's keys to it are pointed there and the
model leaves sros's state. State only: no table, column or row changes."""

import django.db.models.deletion
from django.db import migrations, models


def key(**kwargs):
    return models.ForeignKey(
        related_name="+", to="facilities.authorisedactivity", verbose_name="activité", **kwargs
    )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0007_authorisation_catalogue"),
        ("sros", "0006_free_text_limits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="objective",
                    name="activity",
                    field=key(on_delete=django.db.models.deletion.PROTECT),
                ),
                migrations.AlterField(
                    model_name="historicalobjective",
                    name="activity",
                    field=key(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                    ),
                ),
                migrations.AlterField(
                    model_name="versionzoning",
                    name="activity",
                    field=key(on_delete=django.db.models.deletion.PROTECT),
                ),
                migrations.AlterField(
                    model_name="volettheme",
                    name="activities",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="themes",
                        to="facilities.authorisedactivity",
                        verbose_name="activités",
                    ),
                ),
                migrations.AlterField(
                    model_name="volet",
                    name="activities",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to="facilities.authorisedactivity",
                        verbose_name="activités",
                    ),
                ),
                migrations.DeleteModel(name="AuthorisedActivity"),
            ],
            database_operations=[],
        ),
    ]
