"""URLs of the regional schema pages, mounted under ``schema/``."""

from django.urls import path

from . import (
    compliance_map,
    consultation_views,
    doctors_zoning_views,
    objective_grid_views,
    scenario_views,
    suggestion_views,
    workflow_views,
)
from . import schema_views as views

app_name = "schema"

urlpatterns = [
    path("", views.index, name="index"),
    path("initiatives/", views.initiatives, name="initiatives"),
    path("region/<str:region_code>/", views.region_versions, name="region"),
    path("region/<str:region_code>/new-draft/", views.new_draft, name="new_draft"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path(
        "versions/<int:pk>/transition/<slug:name>/",
        workflow_views.version_transition,
        name="transition",
    ),
    path("versions/<int:pk>/objectives/new/", views.objective_create, name="objective_create"),
    path(
        "versions/<int:pk>/objectives/grid/",
        objective_grid_views.objective_grid_page,
        name="objective_grid",
    ),
    path(
        "versions/<int:pk>/consultation/",
        consultation_views.consultation,
        name="consultation",
    ),
    path(
        "versions/<int:pk>/consultation/commenter/",
        consultation_views.comment_create,
        name="comment_create",
    ),
    path("comments/<int:pk>/reply/", consultation_views.comment_reply, name="comment_reply"),
    path("comments/<int:pk>/resolve/", consultation_views.comment_resolve, name="comment_resolve"),
    path("comments/<int:pk>/reopen/", consultation_views.comment_reopen, name="comment_reopen"),
    path("versions/<int:pk>/history/", views.version_history, name="history"),
    path("versions/<int:pk>/conformite/", compliance_map.compliance_page, name="compliance_map"),
    path(
        "versions/<int:pk>/conformite/couche/",
        compliance_map.compliance_layer,
        name="compliance_layer",
    ),
    path("versions/<int:pk>/diff/<int:other>/", views.version_compare, name="diff"),
    path("objectives/<int:pk>/", views.objective_edit, name="objective_edit"),
    path("versions/<int:pk>/scenarios/", scenario_views.scenario_list, name="scenarios"),
    path(
        "versions/<int:pk>/scenarios/new/",
        scenario_views.scenario_create,
        name="scenario_create",
    ),
    path(
        "versions/<int:pk>/scenarios/apercu/",
        scenario_views.scenario_preview,
        name="scenario_preview",
    ),
    path("scenarios/<int:pk>/", scenario_views.scenario_detail, name="scenario"),
    path("scenarios/<int:pk>/edit/", scenario_views.scenario_edit, name="scenario_edit"),
    path("scenarios/<int:pk>/suggerer/", suggestion_views.suggest, name="scenario_suggest"),
    path("suggestions/<int:pk>/", suggestion_views.suggestion, name="suggestion"),
    path(
        "suggestions/<int:pk>/progress.json",
        suggestion_views.suggestion_progress,
        name="suggestion_progress",
    ),
    path("versions/<int:pk>/fermetures/", suggestion_views.closure_table, name="closures"),
    path(
        "versions/<int:pk>/fermetures/fermer/",
        suggestion_views.closure_create,
        name="closure_create",
    ),
    path("versions/<int:pk>/volets/new/", views.volet_create, name="volet_create"),
    path("volets/<int:pk>/", views.volet_edit, name="volet_edit"),
    path(
        "region/<str:region_code>/zonage-medecins/",
        doctors_zoning_views.zoning_page,
        name="doctors_zoning",
    ),
    path(
        "region/<str:region_code>/zonage-medecins/calculer/",
        doctors_zoning_views.zoning_compute,
        name="doctors_zoning_compute",
    ),
    path(
        "region/<str:region_code>/zonage-medecins/confirmer/",
        doctors_zoning_views.zoning_confirm,
        name="doctors_zoning_confirm",
    ),
    path(
        "region/<str:region_code>/zonage-medecins/classer/",
        doctors_zoning_views.zoning_move,
        name="doctors_zoning_move",
    ),
    path(
        "region/<str:region_code>/zonage-medecins/annexe.csv",
        doctors_zoning_views.zoning_annex,
        name="doctors_zoning_annex",
    ),
    path("region/<str:region_code>/projects/", views.project_list, name="projects"),
    path("region/<str:region_code>/projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/evaluations/new/", views.evaluation_create, name="evaluation_create"),
]
