from django.urls import path

from . import flows_views, natural_territories, scenario_views, views
from .exports import job_views
from .exports import views as exports

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    # Export jobs first: "exports" is not a region code.
    path("exports/taches/", job_views.export_job_start, name="export_job_start"),
    path("exports/taches/<uuid:job_id>/", job_views.export_job_page, name="export_job"),
    path(
        "exports/taches/<uuid:job_id>/progress.json",
        job_views.export_job_progress,
        name="export_job_progress",
    ),
    path("exports/taches/<uuid:job_id>/fichier", job_views.export_job_file, name="export_job_file"),
    path(
        "exports/taches/<uuid:job_id>/relancer",
        job_views.export_job_restart,
        name="export_job_restart",
    ),
    path("<str:region_code>/", views.region_dashboard, name="region"),
    path("<str:region_code>/carte/", views.indicator_map, name="map"),
    path("<str:region_code>/flux-patients/", flows_views.patient_flows_page, name="patient_flows"),
    path(
        "<str:region_code>/exports/flux-patients.<str:extension>",
        flows_views.patient_flows_export,
        name="export_patient_flows",
    ),
    path(
        "<str:region_code>/territoires-naturels/",
        natural_territories.natural_territories_page,
        name="natural_territories",
    ),
    path(
        "<str:region_code>/territoires-naturels/proposer/",
        natural_territories.natural_territories_propose,
        name="natural_territories_propose",
    ),
    path(
        "<str:region_code>/territoires-naturels/<int:zoning_id>/utiliser/",
        natural_territories.natural_territories_use,
        name="natural_territories_use",
    ),
    path(
        "<str:region_code>/couches/bassins.geojson",
        natural_territories.catchments_layer,
        name="catchments_layer",
    ),
    path(
        "<str:region_code>/exports/bassins.<str:extension>",
        natural_territories.catchments_export,
        name="export_catchments",
    ),
    path("<str:region_code>/filieres/<slug:pathway_code>/", views.pathway_view, name="pathway"),
    path(
        "<str:region_code>/territoires/zone/<int:zoning_id>/<str:code>/",
        views.territory_page,
        {"kind": "zone"},
        name="zone",
    ),
    path(
        "<str:region_code>/territoires/<str:kind>/<str:code>/",
        views.territory_page,
        name="territory",
    ),
    path(
        "<str:region_code>/couches/choroplethe.geojson",
        views.choropleth_layer,
        name="choropleth",
    ),
    path(
        "<str:region_code>/couches/etablissements.geojson",
        views.facilities_layer,
        name="facilities",
    ),
    path("<str:region_code>/couches/limites.geojson", views.boundaries_layer, name="boundaries"),
    path(
        "<str:region_code>/scenarios/<int:scenario_id>/",
        scenario_views.scenario_comparison,
        name="scenario",
    ),
    path(
        "<str:region_code>/scenarios/<int:scenario_id>/couche.geojson",
        scenario_views.scenario_layer,
        name="scenario_layer",
    ),
    path(
        "<str:region_code>/exports/sources.json",
        exports.export_sources,
        name="export_sources",
    ),
    path(
        "<str:region_code>/exports/indicateurs.<str:extension>",
        exports.indicator_export,
        name="export_indicators",
    ),
    path(
        "<str:region_code>/exports/etablissements.<str:extension>",
        exports.facility_export,
        name="export_facilities",
    ),
    path(
        "<str:region_code>/exports/diagnostic/zone/<int:zoning_id>/<str:code>.pdf",
        exports.territory_report,
        {"kind": "zone"},
        name="export_zone_report",
    ),
    path(
        "<str:region_code>/exports/schema/version-<int:version_id>.pdf",
        exports.schema_document,
        name="export_schema_document",
    ),
    path(
        "<str:region_code>/exports/diagnostic/<str:kind>/<str:code>.pdf",
        exports.territory_report,
        name="export_territory_report",
    ),
]
