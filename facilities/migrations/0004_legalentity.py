"""Legal entities (FINESS EJ), step 1 of 3: the new table and the new foreign keys, next to the
old ``Facility.finess_ej`` string and the groups' facility members (0004 copies, 0005 drops).
Three migrations, so that PostgreSQL commits the copied rows (and fires the deferred
foreign-key checks) before the old columns are dropped."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0003_practice_sites_practitioners"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LegalEntity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("finess_ej", models.CharField(max_length=9, unique=True, verbose_name="n° FINESS EJ")),
                ("name", models.CharField(max_length=255, verbose_name="raison sociale")),
                ("long_name", models.CharField(blank=True, max_length=255, verbose_name="raison sociale longue")),
                ("legal_status_code", models.CharField(blank=True, max_length=2, verbose_name="code statut juridique")),
                ("legal_status_label", models.CharField(blank=True, max_length=255, verbose_name="statut juridique")),
                ("category_code", models.CharField(blank=True, max_length=3, verbose_name="code catégorie FINESS")),
                ("category_label", models.CharField(blank=True, max_length=255, verbose_name="catégorie FINESS")),
                ("address", models.CharField(blank=True, max_length=255, verbose_name="adresse")),
                ("postcode", models.CharField(blank=True, max_length=5, verbose_name="code postal")),
                ("city", models.CharField(blank=True, max_length=150, verbose_name="ville")),
                ("siren", models.CharField(blank=True, max_length=9, verbose_name="n° SIREN")),
                ("ape_code", models.CharField(blank=True, max_length=5, verbose_name="code APE")),
                ("created_on", models.DateField(blank=True, null=True, verbose_name="date de création")),
                ("source_date", models.DateField(blank=True, null=True, verbose_name="date de la source")),
                ("is_stub", models.BooleanField(default=False, help_text="Créée d'après le n° EJ d'un établissement, avant l'import des EJ.", verbose_name="à compléter")),
                ("commune", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="legal_entities", to="territories.commune", verbose_name="commune")),
            ],
            options={
                "verbose_name": "entité juridique",
                "verbose_name_plural": "entités juridiques",
                "ordering": ["finess_ej"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("finess_ej__regex", "^[0-9][0-9A-Z][0-9]{7}$")),
                        name="legal_entity_finess_ej_format",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="facility",
            name="legal_entity",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="facilities", to="facilities.legalentity", to_field="finess_ej", verbose_name="entité juridique"),
        ),
        migrations.AddField(
            model_name="facilitygroup",
            name="support_entity",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="groups_supported", to="facilities.legalentity", verbose_name="établissement support"),
        ),
        migrations.AddField(
            model_name="facilitygroup",
            name="member_entities",
            field=models.ManyToManyField(blank=True, related_name="groups", to="facilities.legalentity", verbose_name="membres"),
        ),
    ]
