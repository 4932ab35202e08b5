"""RegionMembership now lives in ``access`` (access 0001): drop it from sros's state only;
the table ``sros_regionmembership`` stays and is the access model's."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sros", "0004_scenarios"),
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RegionMembership")],
            database_operations=[],
        ),
    ]
