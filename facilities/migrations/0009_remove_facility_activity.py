"""One authorisation catalogue — schema, step 3 of 4: ``facility_activity`` was the code
itself once codes were unified (0008); ``counted_by_registry`` replaces it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("facilities", "0008_catalogue_codes")]
    operations = [
        migrations.RemoveField(model_name="authorisedactivity", name="facility_activity"),
    ]
