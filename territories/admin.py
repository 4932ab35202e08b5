from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_widgets import geometry_summary

from .models import Commune, Department, MunicipalDistrict, Region, Zone, ZoneMembership, Zoning


class GeometrySummaryMixin:
    """Polygons come from official files: shown as a summary, never edited by hand."""

    @admin.display(description=_("géométrie"))
    def geometry_info(self, obj) -> str:
        return geometry_summary(obj.geometry)


@admin.register(Region)
class RegionAdmin(GeometrySummaryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "chief_town_code"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]
    readonly_fields = ["geometry_info"]


@admin.register(Department)
class DepartmentAdmin(GeometrySummaryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]
    readonly_fields = ["geometry_info"]


class MunicipalDistrictInline(admin.TabularInline):
    model = MunicipalDistrict
    extra = 0


@admin.register(Commune)
class CommuneAdmin(GeometrySummaryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "department", "population", "population_year"]
    list_filter = ["department__region", "department", "population_year"]
    list_select_related = ["department"]
    search_fields = ["code", "name"]
    exclude = ["geometry", "map_geometry", "low_zoom_map_geometry", "point"]
    readonly_fields = ["geometry_info", "point_wkt"]
    inlines = [MunicipalDistrictInline]

    @admin.display(description=_("point représentatif"))
    def point_wkt(self, obj) -> str:
        return obj.point.wkt if obj.point else "—"


class ZoneMembershipInline(admin.TabularInline):
    """Member communes, read-only: territories.services.zone_set_communes changes them and keeps
    the zone's population and geometry in step."""

    model = ZoneMembership
    extra = 0
    fields = ["commune"]
    readonly_fields = ["commune"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Zoning)
class ZoningAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "region"]
    list_filter = ["kind", "status", "region"]
    search_fields = ["name"]
    readonly_fields = ["proposal"]


@admin.register(Zone)
class ZoneAdmin(GeometrySummaryMixin, admin.ModelAdmin):
    list_display = ["code", "name", "zoning", "population"]
    list_filter = ["zoning__kind", "zoning"]
    list_select_related = ["zoning"]
    search_fields = ["code", "name"]
    exclude = ["geometry", "map_geometry"]
    readonly_fields = ["population", "geometry_info"]
    inlines = [ZoneMembershipInline]
