from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/televerser/", views.upload_start, name="upload_start"),
    path("imports/televersements/<uuid:upload_id>/", views.upload_detail, name="upload_detail"),
    path(
        "imports/televersements/<uuid:upload_id>/avancement/",
        views.upload_progress,
        name="upload_progress",
    ),
]
