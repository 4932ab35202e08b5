"""Each stored value's place in its run's list (``IndicatorValue.position``), numbered for the
runs already stored in the order of the API list (``indicators.filters.VALUE_ORDER``, then the
id), as ``services.write_values`` numbers new runs."""

from django.db import migrations, models

NUMBER_STORED_RUNS = """
UPDATE indicators_indicatorvalue AS value SET position = numbered.position
FROM (
    SELECT id, row_number() OVER (
        PARTITION BY run_id ORDER BY indicator, level_id, unit_kind, zoning_id, unit_code, id
    ) - 1 AS position
    FROM indicators_indicatorvalue
) AS numbered
WHERE value.id = numbered.id
"""


def number_stored_runs(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":  # elsewhere: paged with OFFSET
        schema_editor.execute(NUMBER_STORED_RUNS)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_urgent_care"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicatorvalue",
            name="position",
            field=models.PositiveIntegerField(
                editable=False, null=True, verbose_name="rang dans le calcul"
            ),
        ),
        migrations.RunPython(number_stored_runs, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="indicatorvalue",
            index=models.Index(fields=["run", "position"], name="indicator_value_position"),
        ),
    ]
