from django.contrib import admin
from django.urls import include, path

from dashboard.home import home, home_communes_layer

urlpatterns = [
    path("", home, name="home"),
    path("communes/<str:region_code>.geojson", home_communes_layer, name="home_communes"),
    path("", include("access.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("schema/", include("sros.schema_urls")),
    path("indicateurs/", include("indicators.urls")),
    path("api/", include("config.api_urls")),
    path("tableau-de-bord/", include("dashboard.urls")),
    path("donnees/", include("opendata.urls")),
]

# Our error pages, French by default, with the navigation and what to do next (core/errors.py).
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
