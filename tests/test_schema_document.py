"""The schema as a document (issue 12 §2): a version of the demo schema exports as a PDF with
its cover, contents, volets, OQOS tables, zoning map and compliance, read back with poppler's
``pdftotext`` as a reader would; in French and English; built as an export job; refused to
those who may not see the region. The AURA version is in ``test_schema_aura_pages``."""

from __future__ import annotations

import re

import pytest
import shapely
from django.conf import settings
from django.urls import reverse

from dashboard.exports import schema_document
from dashboard.models import ExportJob
from sros import compliance
from sros.models import SchemaVersion
from sros.schema_selectors import version_objectives
from tests.export_fixtures import follow, pdf_pages

pytest_plugins = ["tests.api_fixtures", "tests.export_fixtures"]


def document_url(version: SchemaVersion) -> str:
    return reverse(
        "dashboard:export_schema_document", args=[version.schema.region.code, version.pk]
    )


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def adopted(demo):
    return SchemaVersion.objects.get(schema__region=demo.region, state="adopted")


@pytest.fixture
def draft(demo):
    return SchemaVersion.objects.get(schema__region=demo.region, state="draft")


def test_the_demo_version_reads_as_the_published_schema(analyst, adopted):
    response = follow(analyst, document_url(adopted))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="schema-99-v{adopted.number}-adopted.pdf"'
    )
    pages = pdf_pages(response.content)
    text = squeeze(" ".join(pages))
    cover, contents = squeeze(pages[0]), squeeze(pages[1])
    assert adopted.schema.name in cover and "Région fictive" in cover
    assert f"Version {adopted.number}" in cover or f"Version\n{adopted.number}" in pages[0]
    assert "Adopté" in cover and "adopté le" in cover
    assert "Sommaire" in contents
    for title in ("Santé mentale", "Périnatalité", "Urgences"):
        assert title in contents
        assert re.search(rf"{title} \.*\s*\d+", contents), title  # with its page number
    assert "Texte fictif, écrit pour la démonstration." in text
    assert "Objectifs quantifiés de l'offre de soins (OQOS)" in text
    assert "Zonages" in text and "Légende" in text
    assert "Conformité des implantations aux objectifs" in text and "Sources" in text
    assert len(pages) >= 8


def test_every_objective_row_and_its_compliance_are_printed(analyst, adopted):
    pages = pdf_pages(follow(analyst, document_url(adopted)).content)
    lines = [squeeze(line).strip() for page in pages for line in page.splitlines()]
    objectives = list(version_objectives(adopted))
    results = compliance.compliance_for(objectives)
    assert {r.status for r in results.values()} >= {"below", "within", "above"}
    for objective in objectives:
        zone = f"{objective.zone.code} — {objective.zone.name}"
        bounds = f"{objective.minimum} {objective.maximum}"
        # the arrêté table's row: zone, minimum, maximum on one line (never split)
        assert f"{zone} {bounds} –" in lines, zone
        # the compliance row: the same bounds, the sites counted and the status
        result = results[objective.pk]
        assert f"{zone} {bounds} {result.count} {result.label}" in lines, zone


def test_every_page_after_the_cover_has_the_running_header_and_its_number(analyst, adopted):
    pages = pdf_pages(follow(analyst, document_url(adopted)).content)
    total = len(pages)
    assert f"1 / {total}" not in pages[0]  # the cover has neither header nor number
    for number, page in enumerate(pages[1:], start=2):
        assert f"{adopted.schema.name} — version {adopted.number}" in page, number
        assert re.search(rf"\b{number} ?/ ?{total}\s*$", page), number


def test_a_draft_says_it_is_a_project(analyst, draft):
    cover = squeeze(pdf_pages(follow(analyst, document_url(draft)).content)[0])

    assert "Brouillon" in cover and "projet" in cover
    assert "Projet de schéma : document de travail, non adopté." in cover
    assert draft.label in cover


def test_the_english_document_speaks_english(analyst, adopted):
    analyst.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = squeeze(" ".join(pdf_pages(follow(analyst, document_url(adopted)).content)))

    assert "Contents" in text and "Sommaire" not in text
    assert "Quantified objectives of the supply of care (OQOS)" in text
    assert "Compliance of the sites with the objectives" in text
    assert "Adopted" in text


def test_the_pdf_is_built_as_a_job_named_for_the_schema(analyst, adopted):
    response = analyst.get(document_url(adopted), HTTP_ACCEPT="*/*")

    assert response.status_code == 303
    job = ExportJob.objects.get()
    assert job.target == ExportJob.Target.SCHEMA
    assert job.parameters["version"] == adopted.pk


def test_the_version_page_links_to_its_document(analyst, adopted):
    page = analyst.get(reverse("schema:version", args=[adopted.pk])).content.decode()

    assert f'href="{document_url(adopted)}"' in page
    assert 'id="schema-pdf"' in page and "data-export-job" in page


def test_another_regions_version_or_reader_gets_nothing(client, demo, adopted):
    client.force_login(demo.users["outsider"])
    assert client.get(document_url(adopted)).status_code == 403
    client.force_login(demo.users["analyst"])
    foreign = reverse("dashboard:export_schema_document", args=["11", adopted.pk])
    assert client.get(foreign).status_code == 403  # the analyst has no role in region 11
    missing = reverse("dashboard:export_schema_document", args=["99", adopted.pk + 1000])
    assert client.get(missing, HTTP_ACCEPT="*/*").status_code == 404
    assert not ExportJob.objects.exists()


def test_zone_numbers_stay_inside_the_map(adopted):
    zoning = adopted.default_zoning
    projected = schema_document.project_zoning(zoning)

    assert set(projected.paths) == {z.code for z in zoning.zones.all()}
    inset = schema_document.LABEL_INSET
    for x, y in projected.labels.values():
        assert inset <= x <= schema_document.MAP_WIDTH - inset
        assert inset <= y <= schema_document.MAP_HEIGHT - inset / 2
    for code, path in projected.paths.items():
        # the label sits on its zone (point on surface), unless pulled in from the edge
        polygon = shapely.Polygon(
            [tuple(map(float, p.split())) for p in path.split("Z")[0][1:].split("L")]
        )
        x, y = projected.labels[code]
        assert polygon.buffer(inset).contains(shapely.Point(x, y)), code
