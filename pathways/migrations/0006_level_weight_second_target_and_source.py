"""Perinatal levels counted as the DREES counts them: women aged 15 to 44, shares beyond 30
and 45 minutes of a maternity, 45 minutes of a type 3 maternity; each level says where its
targets come from (docs/indicators.md, "Perinatal access").

Source of the thresholds: A. Bergonzoni, M. Simon, « La part des femmes en âge de procréer
résidant à plus de 45 minutes d'une maternité augmente entre 2000 et 2017 », DREES, Études et
résultats n° 1201, July 2021. A target a planner has already changed is left as it is.
"""

from django.db import migrations, models

DREES_1201 = (
    "DREES, Études et résultats n° 1201 (juillet 2021), A. Bergonzoni et M. Simon, « La part "
    "des femmes en âge de procréer résidant à plus de 45 minutes d'une maternité augmente entre "
    "2000 et 2017 » : part des femmes de 15 à 44 ans à plus de %s."
)
NO_RULE = (
    " Aucun texte fixant un temps d'accès maximal à une maternité n'a été trouvé : cible "
    "retenue par l'ARS, modifiable."
)
#: level code -> (second threshold, seeded target, new target, source)
PERINATAL = {
    "maternite": (30, 45, 45, DREES_1201 % "30 et 45 minutes d'une maternité" + NO_RULE),
    "maternite-type-2": (
        None, 60, 60,
        "Aucune source officielle trouvée pour ce seuil : cible choisie par l'ARS, modifiable.",
    ),
    "maternite-type-3": (
        None, 90, 45, DREES_1201 % "45 minutes d'une maternité de type 3" + NO_RULE
    ),
}  # fmt: skip


def weight_perinatal_levels(apps, schema_editor):
    Level = apps.get_model("pathways", "Level")
    for level in Level.objects.filter(pathway__code="perinatalite", code__in=PERINATAL):
        second, seeded, target, source = PERINATAL[level.code]
        level.population_weight = "women_15_44"
        level.second_target_minutes = second
        level.target_source = source
        level.save(update_fields=["population_weight", "second_target_minutes", "target_source"])
        level.requirements.filter(access_target_minutes=seeded).update(
            access_target_minutes=target
        )


def unweight_perinatal_levels(apps, schema_editor):
    Level = apps.get_model("pathways", "Level")
    for level in Level.objects.filter(pathway__code="perinatalite", code__in=PERINATAL):
        _second, seeded, target, _source = PERINATAL[level.code]
        level.requirements.filter(access_target_minutes=target).update(
            access_target_minutes=seeded
        )


class Migration(migrations.Migration):

    dependencies = [
        ('pathways', '0005_retire_invented_levels'),
    ]

    operations = [
        migrations.AddField(
            model_name='level',
            name='population_weight',
            field=models.CharField(choices=[('total', 'Population totale'), ('women_15_44', 'Femmes de 15 à 44 ans')], default='total', max_length=20, verbose_name='population de référence'),
        ),
        migrations.AddField(
            model_name='level',
            name='second_target_minutes',
            field=models.PositiveSmallIntegerField(blank=True, help_text='La part au-delà de ce seuil est aussi calculée (ex. 30 min).', null=True, verbose_name='second seuil (minutes)'),
        ),
        migrations.AddField(
            model_name='level',
            name='target_source',
            field=models.TextField(blank=True, help_text="Texte, étude ou choix de l'ARS d'où viennent la cible et le second seuil.", verbose_name='source des cibles'),
        ),
        migrations.RunPython(weight_perinatal_levels, unweight_perinatal_levels),
    ]
