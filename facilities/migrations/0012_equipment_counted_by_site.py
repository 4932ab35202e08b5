"""Heavy equipment in force since 2023-06-01 is counted from the imported authorisations
(the FINESS extract's ``equipementmateriellourd`` lines), per site: an IRM site with three
machines is one implantation (``sros.compliance``)."""

from django.db import migrations

EQUIPMENT = ("irm", "scanner", "caisson_hyperbare", "cyclotron")


def forward(apps, schema_editor):
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    AuthorisedActivity.objects.filter(code__in=EQUIPMENT).update(counted_by_registry=True)


def backward(apps, schema_editor):
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    AuthorisedActivity.objects.filter(code__in=EQUIPMENT).update(counted_by_registry=False)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0011_catalogue_2023_texts")]
    operations = [migrations.RunPython(forward, backward)]
