from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("schema/", include("sros.schema_urls")),
    path("indicateurs/", include("indicators.urls")),
]
