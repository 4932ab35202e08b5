"""RegionMembership moves from ``sros`` to ``access``: the state only, the table stays
``sros_regionmembership`` (sros 0005 removes it from sros's state)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("sros", "0004_scenarios"),
        ("territories", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RegionMembership",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("role", models.CharField(choices=[("planner", "Planificateur"), ("director", "Directeur d'établissement"), ("analyst", "Analyste")], max_length=10, verbose_name="rôle")),
                        ("region", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="territories.region", verbose_name="région")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="region_memberships", to=settings.AUTH_USER_MODEL, verbose_name="utilisateur")),
                    ],
                    options={
                        "verbose_name": "rôle dans une région",
                        "verbose_name_plural": "rôles dans les régions",
                        "db_table": "sros_regionmembership",
                        "ordering": ["region", "user"],
                        "constraints": [models.UniqueConstraint(fields=("user", "region"), name="one_role_per_user_and_region")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
