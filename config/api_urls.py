"""The REST API under /api/: one router, the token endpoint, the OpenAPI schema and its docs
(Swagger UI from drf-spectacular-sidecar's static files; its start-up script served from its
own URL, so that the Content-Security-Policy needs no inline script)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from access.lockout import obtain_auth_token
from facilities import api as facilities_api
from indicators import api as indicators_api
from pathways import api as pathways_api
from sros import api as schema_api
from territories import api as territories_api

router = DefaultRouter()
router.register("regions", territories_api.RegionViewSet, basename="region")
router.register("departements", territories_api.DepartmentViewSet, basename="department")
router.register("communes", territories_api.CommuneViewSet, basename="commune")
router.register("zonages", territories_api.ZoningViewSet, basename="zoning")
router.register("zones", territories_api.ZoneViewSet, basename="zone")
router.register("etablissements", pathways_api.FacilityViewSet, basename="facility")
router.register("autorisations", facilities_api.AuthorisationViewSet, basename="authorisation")
router.register("groupements", facilities_api.FacilityGroupViewSet, basename="group")
router.register("filieres", pathways_api.PathwayViewSet, basename="pathway")
router.register("niveaux", pathways_api.LevelViewSet, basename="level")
router.register("calculs", indicators_api.IndicatorRunViewSet, basename="run")
router.register("indicateurs", indicators_api.IndicatorValueViewSet, basename="value")
router.register("apl", indicators_api.AplRunViewSet, basename="apl")
router.register("versions", schema_api.VersionViewSet, basename="version")
router.register("volets", schema_api.VoletViewSet, basename="volet")
router.register("objectifs", schema_api.ObjectiveViewSet, basename="objective")
router.register("scenarios", schema_api.ScenarioViewSet, basename="scenario")
router.register("projets-pilotes", schema_api.PilotProjectViewSet, basename="pilot-project")
router.register("initiatives", schema_api.InitiativeViewSet, basename="initiative")

app_name = "api"
urlpatterns = [
    path("token/", obtain_auth_token, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    *router.urls,
]
