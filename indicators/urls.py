from django.urls import path

from . import urgent_views, views

app_name = "indicators"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("regions/<str:region_code>/calculer/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/progress.json", views.run_progress, name="run_progress"),
    path("runs/<int:run_id>/relancer/", views.run_restart, name="run_restart"),
    path("apl/<str:region_code>/", views.apl_page, name="apl"),
    path("soins-urgents/<str:region_code>/", urgent_views.urgent_care_page, name="urgent_care"),
    path(
        "soins-urgents/<str:region_code>/calculer/",
        urgent_views.urgent_care_start,
        name="urgent_care_start",
    ),
]
