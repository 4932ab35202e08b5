"""Admin of import records: read-only (an import is recorded by ``opendata.services``, never
edited); the Imports page (``/donnees/imports/``) is where people read them."""

from django.contrib import admin

from .models import ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "file_name", "status", "source_date", "finished_at", "user",
                    "created", "updated", "unchanged", "rejected", "ended"]  # fmt: skip
    list_filter = ["status", "kind"]
    list_select_related = ["user"]
    search_fields = ["file_name", "sha256", "error"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in ImportRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
