"""Admin of import records: read-only (an import is recorded by ``opendata.services``, never
edited); the Imports page (``/donnees/imports/``) is where people read them."""

from django.contrib import admin

from .models import ImportRecord, ImportUpload


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


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):
    """Uploads, read-only like the records: an administrator sees who sent what, its state and
    its error; the file itself (up to ``SROS_UPLOAD_MAX_BYTES``) is never read into the list
    or the form (deferred), and is emptied once the import has ended anyway."""

    list_display = ["file_name", "kind", "region", "user", "status", "progress", "created_at",
                    "finished_at", "attempt"]  # fmt: skip
    list_filter = ["status", "kind", "region"]
    list_select_related = ["user", "region", "record"]
    search_fields = ["file_name", "sha256", "error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ImportUpload._meta.fields if f.name != "content"]
    exclude = ["content"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
