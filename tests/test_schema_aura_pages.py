"""Every page of the regional schema on the real Auvergne-Rhône-Alpes data: real files through
the importers, a zoning of one zone per département, psychiatry objectives counted by kind
(the GISCO hospitals carry no authorisation), a pilot project and a scenario closing a
psychiatric hospital. Each page answers 200 to the region's planner within pinned queries."""

import json
import re
import time

import pytest
from django.urls import reverse

from access.services import membership_grant
from facilities.models import Facility
from opendata.layout import AURA_FILES
from opendata.registry import importer_for
from sros import compliance, scenarios, services, workflow
from sros.models import AuthorisedActivity, VoletTheme
from territories.models import Commune, Department, MunicipalDistrict, Region, Zoning
from territories.services import zoning_create
from tests.export_fixtures import follow, pdf_pages
from tests.personas import make_user

pytestmark = pytest.mark.open_data

#: The most queries each page may cost on AURA (12 zones, 4,000 communes, ~330 hospitals),
#: as measured. None grows with the number of zones, objectives, facilities or history records
#: (the history page cost 34 when each objective record's label read its zone and activity).
MAX_QUERIES = {
    "version": 16,
    "version_filtered": 20,
    "compliance_map": 13,  # + the catalogue's labels of the objectives' modalities
    "compliance_layer": 15,  # + the catalogue's labels of the objectives' modalities
    "scenarios": 6,
    "scenario": 34,  # one asks for the latest run (the key of a kept base, sros.scenario_base)
    "projects": 6,
    "project": 7,
    "history": 7,
    "diff": 9,
}


@pytest.fixture(scope="module")
def aura(open_data, django_db_setup, django_db_blocker):
    """AURA's communes, population and GISCO hospitals imported once for the module
    (committed, removed afterwards)."""
    with django_db_blocker.unblock():
        try:
            for kind, name in AURA_FILES:
                importer_for(kind)(open_data / name)
            yield Region.objects.get(code="84")
        finally:
            Zoning.objects.all().delete()
            Facility.objects.all().delete()
            MunicipalDistrict.objects.all().delete()
            Commune.objects.all().delete()
            Department.objects.all().delete()
            Region.objects.all().delete()


@pytest.fixture
def aura_schema(aura, db):
    """An adopted version and its draft (one zone per département, psychiatry objectives in
    every zone), a pilot project and a scenario closing a psychiatric hospital."""
    region = aura
    zones = {
        d.code: (d.name, list(d.communes.values_list("code", flat=True)))
        for d in region.departments.order_by("code")
    }
    zoning = zoning_create(region=region, name="Départements", kind="schema", zones=zones)
    planner = make_user("aura-planner")
    membership_grant(user=planner, region=region, role="planner")
    schema = services.schema_create(region=region)
    adopted = workflow.version_new_draft(schema, user=planner)
    services.version_set_zoning(version=adopted, zoning=zoning, user=planner)
    psychiatrie = AuthorisedActivity.objects.get(code="psychiatrie")
    for zone in zoning.zones.order_by("code"):
        services.objective_create(
            version=adopted, user=planner, zone=zone, activity=psychiatrie, modality="adultes",
            minimum=1, maximum=3, justification="Objectif de test.",
        )  # fmt: skip
    services.volet_create(
        version=adopted, user=planner, title="Santé mentale", narrative="Texte de **test**.",
        activities=[psychiatrie], theme=VoletTheme.objects.get(code="sante-mentale"),
    )  # fmt: skip
    workflow.version_transition(adopted, "submit", user=planner)
    workflow.version_transition(adopted, "adopt", user=planner)
    draft = workflow.version_new_draft(schema, user=planner)
    lyon = draft.objectives.get(zone__code="69")
    services.objective_update(lyon.pk, lock_version=lyon.lock_version, user=planner, maximum=9)
    project = services.pilot_project_create(
        schema=schema, user=planner, title="Équipe mobile de psychiatrie",
        theme=VoletTheme.objects.get(code="sante-mentale"), zone=zoning.zones.get(code="15"),
        start_date="2025-01-01", end_date="2027-12-31",
    )  # fmt: skip
    hospital = (
        Facility.objects.filter(kind="psychiatrie", status="open", commune__department__code="69")
        .order_by("finess_et")
        .first()
    )
    scenario = scenarios.scenario_create(
        version=draft, user=planner, name="Fermeture d'un hôpital psychiatrique",
        changes=[{"kind": "close", "finess": hospital.finess_et}],
    )  # fmt: skip
    return {
        "planner": planner, "adopted": adopted, "draft": draft, "zoning": zoning,
        "project": project, "scenario": scenario, "hospital": hospital, "activity": psychiatrie,
    }  # fmt: skip


def test_every_schema_page_renders_on_aura_within_pinned_queries(
    aura_schema, client, django_assert_max_num_queries
):
    s = aura_schema
    draft, adopted = s["draft"], s["adopted"]
    client.force_login(s["planner"])
    filtered = f"?activity={s['activity'].pk}&zone={s['zoning'].zones.get(code='69').pk}"
    urls = {
        "version": reverse("schema:version", args=[draft.pk]),
        "version_filtered": reverse("schema:version", args=[draft.pk]) + filtered,
        "compliance_map": reverse("schema:compliance_map", args=[draft.pk]),
        "compliance_layer": reverse("schema:compliance_layer", args=[draft.pk]),
        "scenarios": reverse("schema:scenarios", args=[draft.pk]),
        "scenario": reverse("schema:scenario", args=[s["scenario"].pk]),
        "projects": reverse("schema:projects", args=["84"]),
        "project": reverse("schema:project", args=[s["project"].pk]),
        "history": reverse("schema:history", args=[draft.pk]),
        "diff": reverse("schema:diff", args=[adopted.pk, draft.pk]),
    }
    pages = {}
    for page, url in urls.items():
        with django_assert_max_num_queries(MAX_QUERIES[page]):
            response = client.get(url)
        assert response.status_code == 200, page
        pages[page] = response.content.decode()
    assert pages["version"].count('data-status="') == 12
    assert pages["version_filtered"].count('data-status="') == 1
    assert "Fermeture d&#x27;un hôpital psychiatrique" in pages["scenarios"]
    assert s["hospital"].finess_et in pages["scenario"]
    assert "Équipe mobile de psychiatrie" in pages["projects"]
    assert "Rhône" in pages["diff"] and "9" in pages["diff"]


def test_the_aura_compliance_map_counts_psychiatric_hospitals_by_kind(aura_schema, client):
    s = aura_schema
    client.force_login(s["planner"])
    response = client.get(reverse("schema:compliance_layer", args=[s["draft"].pk]))
    layer = json.loads(response.content)
    objectives = list(s["draft"].objectives.select_related("zone", "activity"))
    results = compliance.compliance_for(objectives)
    by_zone = {f["properties"]["c"]: f["properties"] for f in layer["features"]}
    assert len(by_zone) == 12 and layer["method"] == "kind"
    for objective in objectives:
        result = results[objective.pk]
        assert (by_zone[objective.zone.code]["s"], by_zone[objective.zone.code]["k"]) == (
            result.status, result.count,
        )  # fmt: skip
    assert len(response.content) < 400_000  # simplified zones at 4 decimals
    sites = layer["facilities"]["features"]
    assert len(sites) == sum(r.count for r in results.values()) > 10
    assert s["hospital"].finess_et in {f["properties"]["f"] for f in sites}
    evaluated = scenarios.evaluate_scenario(s["scenario"])
    (changed,) = evaluated.changed_objectives
    assert changed.objective.zone.code == "69"
    assert changed.scenario.count == changed.base.count - 1


def test_the_aura_version_exports_as_its_document(aura_schema, client):
    """The adopted AURA version as a PDF (issue 12 §2): its 12 zones in the OQOS table, on
    the zoning map's legend and in the compliance table with the sites counted by kind."""
    s = aura_schema
    adopted = s["adopted"]
    client.force_login(s["planner"])
    url = reverse("dashboard:export_schema_document", args=["84", adopted.pk])

    started = time.perf_counter()
    response = follow(client, url)
    seconds = time.perf_counter() - started

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pages = pdf_pages(response.content)
    text = re.sub(r"\s+", " ", " ".join(pages))
    lines = [re.sub(r"\s+", " ", line).strip() for page in pages for line in page.splitlines()]
    assert "Auvergne-Rhône-Alpes" in text and "adopté le" in re.sub(r"\s+", " ", pages[0])
    assert "Santé mentale" in text and "Texte de test." in text
    assert "Légende — zones du zonage Départements" in text
    assert "établissements du type correspondant" in text  # GISCO hospitals: counted by kind
    objectives = list(adopted.objectives.select_related("zone", "activity"))
    results = compliance.compliance_for(objectives)
    assert len(objectives) == 12
    for objective in objectives:
        zone = f"{objective.zone.code} — {objective.zone.name}"
        result = results[objective.pk]
        assert f"{zone} 1 3 –" in lines, zone  # the OQOS table's row
        assert f"{zone} 1 3 {result.count} {result.label}" in lines, zone
        # grouped by a narrow no-break space, which the squeeze made a space
        population = f"{objective.zone.population:,}".replace(",", " ")
        assert any(
            line.startswith(f"{objective.zone.code} {objective.zone.code} {objective.zone.name}")
            and line.endswith(population)
            for line in lines
        ), zone  # its legend row: mark, code, name, population
    assert 7 <= len(pages) <= 12
    assert seconds < 60, seconds
