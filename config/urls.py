from django.contrib import admin
from django.urls import include, path

from dashboard.home import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("access.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("schema/", include("sros.schema_urls")),
    path("indicateurs/", include("indicators.urls")),
    path("api/", include("config.api_urls")),
    path("tableau-de-bord/", include("dashboard.urls")),
    path("donnees/", include("opendata.urls")),
]
