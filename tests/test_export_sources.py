"""Every export names its inputs (issue 10 §4): the run's copy of its provenance in the XLSX
sheet, the GeoJSON's ``sources`` member, the GeoPackage's tables and layer metadata, the PDF's
Sources section, the API's run, and for a CSV (whose first line stays its header row) a
``Link: rel="describedby"`` to the run's sources document, listed beside the links on the
page. A run without any recorded provenance says so, never nothing."""

import json
import sqlite3
from io import BytesIO

import openpyxl
import pyogrio
import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.models import Facility
from indicators import services
from indicators.models import IndicatorRun
from opendata.models import ImportRecord
from tests.export_fixtures import follow
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db

NONE_RECORDED = "Sources : aucune enregistrée"
COG = "COG 2026 du 2026-01-01"


@pytest.fixture
def world(client, django_user_model):
    """Région 84, one commune and a CH with an emergency authorisation, one recorded import
    (a national file, so every run of the region reads it), a computed run and an
    administrator signed in."""
    region = make_region("84")
    commune = make_commune("01001", department=make_department("01", "Ain", region=region))
    hospital = Facility.objects.create(
        finess_et="010000001", name="CH", kind="ch", source="manual", commune=commune,
        point=commune.point,
    )  # fmt: skip
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    now = timezone.now()
    ImportRecord.objects.create(
        kind="regions", file_name="regions-cog2026.json", sha256="ab" * 32, status="done",
        started_at=now, finished_at=now, source_version="COG 2026", source_date="2026-01-01",
    )  # fmt: skip
    run = services.run_compute(services.run_create(region=region, enqueue=False).pk)
    assert run.status == IndicatorRun.Status.DONE, run.error
    assert [e["file"] for e in run.inputs_provenance] == ["regions-cog2026.json"]
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    client.force_login(user)
    return {"region": region, "run": run, "client": client}


def without_provenance(run: IndicatorRun) -> None:
    """The run as one made before imports were recorded (or on the fictitious demo)."""
    IndicatorRun.objects.filter(pk=run.pk).update(inputs_provenance=[])


def export(world, extension: str, **params):
    query = "&".join(f"{k}={v}" for k, v in {"run": world["run"].pk, **params}.items())
    url = reverse("dashboard:export_indicators", args=["84", extension]) + f"?{query}"
    response = follow(world["client"], url)
    assert response.status_code == 200, response.content[:300]
    return response


def linked_sources(world, response) -> dict:
    """The document the download's ``Link: <…>; rel="describedby"`` names, fetched."""
    link = response["Link"]
    assert link.endswith('>; rel="describedby"; type="application/json"')
    url = link[1 : link.index(">")].removeprefix("http://testserver")
    return world["client"].get(url).json()


@pytest.mark.parametrize("recorded", [True, False])
def test_a_csv_keeps_its_header_and_links_to_the_sources_of_its_run(world, recorded):
    if not recorded:
        without_provenance(world["run"])
    response = export(world, "csv")

    assert response.content.decode("utf-8-sig").split("\r\n")[1].startswith("run;unit_kind;code;")
    document = linked_sources(world, response)
    assert document["run"] == world["run"].pk and document["region"] == "84"
    if recorded:
        assert [entry["sha256"] for entry in document["sources"]] == ["ab" * 32]
        assert COG in document["statement"]
    else:
        assert document["sources"] == []
        assert document["statement"].startswith(NONE_RECORDED)


def test_a_csv_built_by_a_job_links_to_the_same_document(world, settings):
    settings.SROS_EXPORT_INLINE_MAX_ROWS = 0  # every export a job
    response = export(world, "csv")

    assert response.request["PATH_INFO"].endswith("/fichier")  # the job's file
    assert COG in linked_sources(world, response)["statement"]


@pytest.mark.parametrize("recorded", [True, False])
def test_the_xlsx_sheet_and_the_geojson_name_the_sources(world, recorded):
    if not recorded:
        without_provenance(world["run"])
    sheet = openpyxl.load_workbook(BytesIO(export(world, "xlsx").content)).worksheets[0]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    collection = json.loads(export(world, "geojson", units="communes").content)

    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 1
    if recorded:
        assert COG in rows["Sources"]
        assert rows["Source : regions"] == f"regions-cog2026.json sha256:{'ab' * 32}"
        [entry] = collection["sources"]
        assert (entry["file"], entry["source_date"]) == ("regions-cog2026.json", "2026-01-01")
        assert COG in collection["sros_metadata"]["Sources"]
    else:
        assert rows["Sources"].startswith(NONE_RECORDED)
        assert collection["sources"] == []
        assert collection["sros_metadata"]["Sources"].startswith(NONE_RECORDED)


@pytest.mark.parametrize("recorded", [True, False])
def test_the_geopackage_has_a_sources_table_and_layer_metadata(world, recorded, tmp_path):
    if not recorded:
        without_provenance(world["run"])
    path = tmp_path / "export.gpkg"
    path.write_bytes(export(world, "gpkg", units="communes").content)

    files = pyogrio.read_dataframe(path, layer="sources")
    metadata = pyogrio.read_dataframe(path, layer="metadonnees")
    sources_row = metadata.loc[metadata["cle"] == "Sources", "valeur"].item()
    with sqlite3.connect(path) as db:
        [(description,)] = db.execute(
            "select description from gpkg_contents where data_type = 'features'"
        ).fetchall()
        documents = [row[0] for row in db.execute("select metadata from gpkg_metadata")]
    if recorded:
        assert list(files["file"]) == ["regions-cog2026.json"]
        assert list(files["sha256"]) == ["ab" * 32]
        assert COG in sources_row and COG in description
        assert any("regions-cog2026.json" in document for document in documents)
    else:
        assert len(files) == 0
        assert sources_row.startswith(NONE_RECORDED) and description.startswith(NONE_RECORDED)


def test_the_facility_exports_name_the_files_of_the_registry(world):
    url = reverse("dashboard:export_facilities", args=["84", "geojson"])
    response = follow(world["client"], url)
    collection = json.loads(response.content)

    assert [entry["file"] for entry in collection["sources"]] == ["regions-cog2026.json"]
    document = linked_sources(world, response)
    assert document["run"] is None and COG in document["statement"]
    csv = follow(world["client"], reverse("dashboard:export_facilities", args=["84", "csv"]))
    assert csv.content.decode("utf-8-sig").split("\r\n")[1].startswith("finess_et;")
    assert linked_sources(world, csv)["sources"] == document["sources"]


@pytest.mark.parametrize("recorded", [True, False])
def test_the_pdf_report_has_a_sources_section(world, recorded):
    import subprocess

    if not recorded:
        without_provenance(world["run"])
    url = reverse("dashboard:export_territory_report", args=["84", "commune", "01001"])
    pdf = follow(world["client"], f"{url}?run={world['run'].pk}").content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()

    section = text.split("Provenance des chiffres")[0].rsplit("Sources\n", 1)[1]
    if recorded:
        assert COG in section and "regions-cog2026.json" in section
    else:
        assert NONE_RECORDED in " ".join(section.split())


@pytest.mark.parametrize("recorded", [True, False])
def test_the_api_run_lists_its_provenance(world, recorded):
    if not recorded:
        without_provenance(world["run"])
    data = world["client"].get(f"/api/calculs/{world['run'].pk}/").json()

    if recorded:
        [entry] = data["inputs_provenance"]
        assert (entry["file"], entry["sha256"]) == ("regions-cog2026.json", "ab" * 32)
        assert COG in data["sources"]
    else:
        assert data["inputs_provenance"] == []
        assert data["sources"].startswith(NONE_RECORDED)


def test_the_map_page_lists_the_sources_beside_the_export_links(world):
    import html

    page = world["client"].get(reverse("dashboard:map", args=["84"])).content.decode()
    details = html.unescape(page.split('id="export-sources"')[1].split("</details>")[0])

    assert "1 fichier importé" in details and COG in details
    assert f"/tableau-de-bord/84/exports/sources.json?run={world['run'].pk}" in details
    without_provenance(world["run"])
    page = world["client"].get(reverse("dashboard:map", args=["84"])).content.decode()
    assert NONE_RECORDED in html.unescape(page.split('id="export-sources"')[1])


def test_the_job_page_of_a_done_export_links_to_its_sources(world, settings):
    from urllib.parse import urlsplit

    from django.urls import resolve

    from dashboard.exports import jobs

    settings.SROS_EXPORT_INLINE_MAX_ROWS = 0
    url = reverse("dashboard:export_indicators", args=["84", "csv"])
    location = world["client"].get(f"{url}?run={world['run'].pk}")["Location"]
    jobs.export_job_run(resolve(urlsplit(location).path).kwargs["job_id"])
    page = world["client"].get(location, HTTP_ACCEPT="text/html").content.decode()

    link = page.split('class="export-job-sources" href="')[1].split('"')[0]
    assert link == f"/tableau-de-bord/84/exports/sources.json?run={world['run'].pk}"
