"""The communes' coarser map copy for low zooms (issue 12 §4), and its backfill: a database
imported before this migration gets the copy the commune importer now computes, from the
same polygons, without importing them again."""

import django.contrib.gis.db.models.fields
from django.db import migrations

#: Rows written per UPDATE statement of the backfill.
BATCH = 500


def backfill_low_zoom_map_geometry(apps, schema_editor):
    """``territories.geometry.low_zoom_map_geometries`` over every commune with a polygon, all
    at once as the importer does (shared edges are simplified once, across départements),
    from its map copy (its full polygon where it has none)."""
    import shapely
    from django.db.models.functions import Coalesce

    from territories import geometry as geo

    Commune = apps.get_model("territories", "Commune")
    communes = Commune.objects.using(schema_editor.connection.alias)
    rows = list(
        communes.filter(geometry__isnull=False, low_zoom_map_geometry__isnull=True)
        .annotate(shape=Coalesce("map_geometry", "geometry"))
        .order_by("pk")
        .values_list("pk", "shape")
    )
    if not rows:
        return
    low_zoom = geo.low_zoom_map_geometries(shapely.from_wkb([bytes(g.wkb) for _pk, g in rows]))
    communes.bulk_update(
        [
            Commune(pk=pk, low_zoom_map_geometry=geo.to_geos(shape))
            for (pk, _g), shape in zip(rows, low_zoom, strict=True)
        ],
        ["low_zoom_map_geometry"],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("territories", "0003_commune_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="low_zoom_map_geometry",
            field=django.contrib.gis.db.models.fields.MultiPolygonField(
                blank=True,
                null=True,
                srid=4326,
                verbose_name="géométrie simplifiée (cartes à petite échelle)",
            ),
        ),
        migrations.RunPython(backfill_low_zoom_map_geometry, migrations.RunPython.noop),
    ]
