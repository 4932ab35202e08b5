"""Admin of the MCS and héliSMUR rows: read-only, since the ARS CSV is their source (a corrected
file re-imported updates them in place, ``import_open_data mcs|helismur FILE``)."""

from django.contrib import admin

from core.admin_widgets import POINT_AS_TEXT

from .admin_practitioners import ReadOnlyAdmin
from .emergency import EmergencyResource


@admin.register(EmergencyResource)
class EmergencyResourceAdmin(ReadOnlyAdmin):
    list_display = [
        "kind", "source_id", "name", "commune", "samu", "start_date", "end_date", "imported_at"
    ]  # fmt: skip
    list_filter = ["kind", "samu", "commune__department"]
    list_select_related = ["commune"]
    search_fields = ["source_id", "name", "samu", "commune__name", "commune__code"]
    formfield_overrides = POINT_AS_TEXT
