"""Legal entities, step 3 of 3: drop the old ``Facility.finess_ej`` string and the groups'
facility members, and give the legal-entity fields the groups' field names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("facilities", "0005_legal_entities_from_strings")]

    operations = [
        migrations.RemoveField(model_name="facility", name="finess_ej"),
        migrations.RemoveField(model_name="facilitygroup", name="members"),
        migrations.RemoveField(model_name="facilitygroup", name="support"),
        migrations.RenameField(
            model_name="facilitygroup", old_name="member_entities", new_name="members"
        ),
        migrations.RenameField(
            model_name="facilitygroup", old_name="support_entity", new_name="support"
        ),
    ]
