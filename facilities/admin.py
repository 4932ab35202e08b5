from django.contrib import admin

from core.admin_widgets import POINT_AS_TEXT
from core.importing import data_changed

from .models import Authorisation, Facility, FacilityGroup, LegalEntity


class AuthorisationInline(admin.TabularInline):
    model = Authorisation
    extra = 0


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["finess_et", "name", "kind", "sector", "status", "commune", "source"]
    list_filter = ["kind", "sector", "status", "source", "commune__department"]
    list_select_related = ["commune"]
    search_fields = ["finess_et", "legal_entity__finess_ej", "name", "city", "category_label"]
    raw_id_fields = ["commune", "legal_entity"]
    readonly_fields = ["imported_at"]
    formfield_overrides = POINT_AS_TEXT
    inlines = [AuthorisationInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data_changed.send(sender=Facility, kind="facility")


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ["finess_ej", "name", "legal_status_label", "category_label", "city", "is_stub"]
    list_filter = ["is_stub", "legal_status_label", "commune__department"]
    list_select_related = ["commune"]
    search_fields = ["finess_ej", "name", "long_name", "siren", "city"]
    raw_id_fields = ["commune"]


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
    search_fields = ["code", "name", "support__name", "support__finess_ej"]
    # A national registry holds some 100,000 legal entities: searched, never listed whole.
    autocomplete_fields = ["support", "members"]


# Health professionals (Annuaire Santé), read-only, in their own module.
# Emergency means outside the hospitals (MCS, héliSMUR), read-only, in their own module.
from . import admin_emergency, admin_practitioners  # noqa: E402, F401
