from django.contrib import admin

from . import services
from .models import RegionMembership


@admin.register(RegionMembership)
class RegionMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "role"]
    list_filter = ["role", "region"]
    search_fields = ["user__username", "user__email"]

    def save_model(self, request, obj, form, change):
        services.membership_grant(user=obj.user, region=obj.region, role=obj.role)
