from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
]
