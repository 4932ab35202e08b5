from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from . import schema_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", schema_views.LoginView.as_view(), name="login"),
    path("deconnexion/", LogoutView.as_view(next_page="login"), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("schema/", include("sros.schema_urls")),
    path("indicateurs/", include("indicators.urls")),
    path("api/", include("sros.api_urls")),
    path("tableau-de-bord/", include("dashboard.urls")),
]
