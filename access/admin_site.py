"""The admin site, for administrators only.

Django lets in any staff account and then trusts model permissions, which know no region: a
staff planner given "view" on runs would read every region's. Here the door asks ``access``
first, like every other page.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpRequest


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        from . import roles  # models: not importable while the app registry loads this module

        return super().has_permission(request) and roles.is_admin(request.user)


class AdminConfig(DjangoAdminConfig):
    """``django.contrib.admin`` (in ``INSTALLED_APPS``) with the site above."""

    default_site = "access.admin_site.AdminSite"
