"""Retire the two urgences levels the first seed invented (issue 11 §3), without deleting them:
past runs keep their figures and still name them.

- ``urgences-recours`` ("Urgences de recours (CHU)", 60 min): no text sets a 60-minute access
  to recourse emergency care; the national indicator is urgent care within 30 minutes.
- ``regulation-samu`` ("Régulation médicale (SAMU)", 90 min): SAMU regulation is a telephone
  service (the centre 15), not a place one travels to.

``retired_on`` is the day this change was written (2026-12-03), the same in every database.
"""

import datetime as dt

from django.db import migrations, models

RETIRED_ON = dt.date(2026, 12, 3)
RETIRED = {
    "urgences-recours": (
        "Niveau inventé par l'amorçage initial : aucun texte ne fixe un accès de 60 minutes "
        "aux urgences de recours (CHU). L'indicateur national est l'accès aux soins urgents "
        "en moins de 30 minutes."
    ),
    "regulation-samu": (
        "Niveau inventé par l'amorçage initial : la régulation médicale du SAMU (centre 15) "
        "est un service téléphonique, sans temps d'accès."
    ),
}


def retire(apps, schema_editor):
    Level = apps.get_model("pathways", "Level")
    for code, reason in RETIRED.items():
        Level.objects.filter(pathway__code="urgences", code=code, active=True).update(
            active=False, retired_on=RETIRED_ON, retirement_reason=reason
        )


def restore(apps, schema_editor):
    Level = apps.get_model("pathways", "Level")
    Level.objects.filter(pathway__code="urgences", code__in=list(RETIRED)).update(
        active=True, retired_on=None, retirement_reason=""
    )


class Migration(migrations.Migration):
    dependencies = [("pathways", "0004_requirement_maternity_type")]

    operations = [
        migrations.AddField(
            model_name="level",
            name="active",
            field=models.BooleanField(default=True, verbose_name="en vigueur"),
        ),
        migrations.AddField(
            model_name="level",
            name="retired_on",
            field=models.DateField(blank=True, null=True, verbose_name="retiré le"),
        ),
        migrations.AddField(
            model_name="level",
            name="retirement_reason",
            field=models.TextField(blank=True, verbose_name="motif du retrait"),
        ),
        migrations.AddConstraint(
            model_name="level",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("active", True), ("retired_on__isnull", True)),
                    models.Q(("active", False), ("retired_on__isnull", False)),
                    _connector="OR",
                ),
                name="level_retired_has_end_date",
            ),
        ),
        migrations.RunPython(retire, restore),
    ]
