from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("regions/<str:region_code>/calculer/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/progress.json", views.run_progress, name="run_progress"),
    path("runs/<int:run_id>/relancer/", views.run_restart, name="run_restart"),
    path("apl/<str:region_code>/", views.apl_page, name="apl"),
]
