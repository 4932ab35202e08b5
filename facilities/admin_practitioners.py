"""Read-only admin of the Annuaire Santé rows: they come from the extraction only (a newer
file replaces them), so they are looked at here, never typed in."""

from django.contrib import admin

from core.admin_widgets import POINT_AS_TEXT

from .practitioners import PracticeSite, Practitioner


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PractitionerInline(admin.TabularInline):
    model = Practitioner
    extra = 0
    fields = [
        "national_id", "profession_label", "savoir_faire_code", "savoir_faire_label",
        "practice_mode_label", "activity", "activity_unit",
    ]  # fmt: skip
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PracticeSite)
class PracticeSiteAdmin(ReadOnlyAdmin):
    list_display = [
        "structure_key", "name", "sector_label", "commune", "department_code",
        "placed_at_commune", "source_date",
    ]  # fmt: skip
    list_filter = ["department_code", "sector_code", "placed_at_commune"]
    list_select_related = ["commune"]
    search_fields = ["structure_key", "siret", "finess_site", "name", "sign", "city"]
    formfield_overrides = POINT_AS_TEXT
    inlines = [PractitionerInline]


@admin.register(Practitioner)
class PractitionerAdmin(ReadOnlyAdmin):
    list_display = [
        "national_id", "profession_label", "savoir_faire_label", "practice_mode_label", "site",
        "activity", "activity_unit", "source_date",
    ]  # fmt: skip
    list_filter = ["profession_code", "practice_mode_code", "activity_unit"]
    list_select_related = ["site"]
    search_fields = ["national_id", "site__structure_key", "site__name", "savoir_faire_code"]
    raw_id_fields = ["site"]
