"""The content type (and so the permissions and admin log entries) of RegionMembership follows
the model from ``sros`` to ``access``."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="sros", model="regionmembership").first()
    if old is None:
        return
    if ContentType.objects.filter(app_label="access", model="regionmembership").exists():
        # Created by an earlier post_migrate: the old one carries the history, keep it.
        ContentType.objects.filter(app_label="access", model="regionmembership").delete()
    old.app_label = "access"
    old.save(update_fields=["app_label"])


def move_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="access", model="regionmembership").update(
        app_label="sros"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(move_content_type, move_back)]
