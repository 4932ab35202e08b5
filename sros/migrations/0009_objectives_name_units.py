"""Objectives and scenario changes written with a retired maternity-type modality name the unit
that makes that type instead (facilities 0013): an OQOS of type 3 maternities counts the sites
with réanimation néonatale, of type 2B those with néonatologie with soins intensifs, of type
2A those with néonatologie, of type 1 every maternity (obstétrique)."""

from django.db import migrations

UNIT_OF_TYPE = {
    "type_1": "obstetrique",
    "type_2a": "neonatologie",
    "type_2b": "neonatologie_si",
    "type_3": "reanimation_neonatale",
}


def forward(apps, schema_editor):
    Objective = apps.get_model("sros", "Objective")
    ScenarioChange = apps.get_model("sros", "ScenarioChange")
    for modality, unit in UNIT_OF_TYPE.items():
        Objective.objects.filter(activity__code="obstetrique", modality=modality).update(
            modality=unit
        )
        ScenarioChange.objects.filter(activity="obstetrique", modality=modality).update(
            modality=unit
        )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0013_perinatal_units"),
        ("sros", "0008_objective_mention"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
