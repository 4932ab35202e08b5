"""Admin helpers shared by the apps: geometry without a map widget.

GeoDjango's default admin widgets draw on OpenStreetMap tiles loaded from the internet, which
this deployment cannot reach; points are edited as WKT text and polygons (loaded from official
files) are shown as a read-only summary instead.
"""

from django import forms
from django.contrib.gis.db import models as gis_models
from django.utils.translation import gettext_lazy as _

#: formfield_overrides entry: edit a point as WKT/GeoJSON text, e.g. "POINT (5.2088 46.2222)".
POINT_AS_TEXT = {gis_models.PointField: {"widget": forms.TextInput(attrs={"size": 60})}}


def geometry_summary(geometry) -> str:
    """A short description of a polygon: type, vertex count and area in km² (Lambert 93)."""
    if geometry is None:
        return _("(aucune géométrie)")
    area_km2 = geometry.transform(2154, clone=True).area / 1e6
    return f"{geometry.geom_type}, {geometry.num_coords} points, {area_km2:,.1f} km²"
