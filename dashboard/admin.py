"""Admin of export jobs: read-only, for administrators following what was exported, by whom,
and why a job failed. The files themselves are taken from the job's page by its owner."""

from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "region", "target", "extension", "status", "progress",
                    "size", "filename"]  # fmt: skip
    list_filter = ["status", "target", "extension", "region"]
    list_select_related = ["user", "region"]
    search_fields = ["filename", "user__username", "error"]
    date_hierarchy = "created_at"
    exclude = ["content"]
    readonly_fields = [f.name for f in ExportJob._meta.fields if f.name != "content"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
