from django import forms
from django.contrib import admin
from django.db import models

from core.admin_widgets import POINT_AS_TEXT
from core.importing import data_changed

from .models import (
    Authorisation,
    AuthorisedActivity,
    Facility,
    FacilityGroup,
    LegalEntity,
    LegalText,
    Mention,
    Modality,
)


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
    list_display = ["facility", "activity", "modality", "mention", "equipment", "start_date"]
    list_filter = ["activity", "modality"]
    list_select_related = ["facility"]
    search_fields = ["facility__finess_et", "facility__name"]
    raw_id_fields = ["facility"]
    date_hierarchy = "start_date"


# --- the authorisation catalogue (facilities.catalogue) ---------------------------------------


class ModalityInline(admin.TabularInline):
    model = Modality
    extra = 0
    fields = ["code", "label", "legal_text", "legal_reference", "valid_from", "valid_to", "order"]


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    fields = ["code", "label", "modality", "legal_text", "valid_from", "valid_to", "order"]


@admin.register(AuthorisedActivity)
class AuthorisedActivityAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "kind", "counted_by_registry", "valid_from", "valid_to"]
    list_filter = ["kind", "counted_by_registry"]
    search_fields = ["code", "label"]
    inlines = [ModalityInline, MentionInline]


@admin.register(Modality)
class ModalityAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "activity", "legal_text", "valid_from", "valid_to"]
    list_filter = ["activity"]
    list_select_related = ["activity", "legal_text"]
    search_fields = ["code", "label"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "activity", "modality", "valid_from", "valid_to"]
    list_filter = ["activity"]
    list_select_related = ["activity", "modality"]
    search_fields = ["code", "label"]


@admin.register(LegalText)
class LegalTextAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "signed_on", "in_force_on"]
    search_fields = ["code", "title"]
    # A plain input: the admin's URL widget links the address, and admin pages link nothing
    # outside the site.
    formfield_overrides = {models.URLField: {"widget": forms.URLInput}}


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
