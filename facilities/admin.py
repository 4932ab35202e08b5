from django.contrib import admin

from core.admin_widgets import POINT_AS_TEXT
from core.importing import data_changed

from .models import Authorisation, Facility, FacilityGroup


class AuthorisationInline(admin.TabularInline):
    model = Authorisation
    extra = 0


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["finess_et", "name", "kind", "sector", "status", "commune", "source"]
    list_filter = ["kind", "sector", "status", "source", "commune__department"]
    list_select_related = ["commune"]
    search_fields = ["finess_et", "finess_ej", "name", "city", "category_label"]
    raw_id_fields = ["commune"]
    readonly_fields = ["imported_at"]
    formfield_overrides = POINT_AS_TEXT
    inlines = [AuthorisationInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data_changed.send(sender=Facility, kind="facility")


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):
    list_display = ["facility", "activity", "modality", "start_date", "end_date"]
    list_filter = ["activity", "modality"]
    list_select_related = ["facility"]
    search_fields = ["facility__finess_et", "facility__name"]
    raw_id_fields = ["facility"]
    date_hierarchy = "start_date"


@admin.register(FacilityGroup)
class FacilityGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "support"]
    list_filter = ["kind"]
    list_select_related = ["support"]
    search_fields = ["code", "name", "support__name"]
    raw_id_fields = ["support"]
    filter_horizontal = ["members"]


# Health professionals (Annuaire Santé), read-only, in their own module.
from . import admin_practitioners  # noqa: E402, F401
