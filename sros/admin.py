"""Admin of the schema's reference data (themes, initiatives; the activities are the
catalogue of ``facilities``), of the regions' roles
(admins manage users here) and of pilot projects.

Schema versions, volets and objectives are deliberately absent: they are written only through
the schema pages and ``sros.services``, which enforce read-only versions, optimistic locking
and the workflow. The same holds for the doctors' zoning of a region (its page); the
arrêté versions and regional caps it reads are reference data, edited here with their source.
"""

from django.contrib import admin

from .models import (
    Initiative,
    InitiativeDepartment,
    Milestone,
    PilotProject,
    Schema,
    VoletTheme,
    ZoningCap,
    ZoningMethod,
)


@admin.register(VoletTheme)
class VoletThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "phase", "pathway"]
    filter_horizontal = ["activities"]


class InitiativeDepartmentInline(admin.TabularInline):
    model = InitiativeDepartment
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "places"]
    list_filter = ["kind"]
    search_fields = ["title", "description", "places"]
    raw_id_fields = ["zone", "facilities", "region"]
    inlines = [InitiativeDepartmentInline]


@admin.register(Schema)
class SchemaAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(PilotProject)
class PilotProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "schema", "theme", "zone", "start_date", "end_date"]
    raw_id_fields = ["zone"]
    readonly_fields = ["lock_version"]
    inlines = [MilestoneInline]


class ZoningCapInline(admin.TabularInline):
    model = ZoningCap
    extra = 0


@admin.register(ZoningMethod)
class ZoningMethodAdmin(admin.ModelAdmin):
    """The arrêté versions of the doctors' zoning and, inline, the regions' caps: a figure is
    entered with the text it comes from (``source``), never without."""

    list_display = ["title", "signed_on", "zip_below", "pool_up_to"]
    inlines = [ZoningCapInline]
