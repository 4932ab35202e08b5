"""Exports of the dashboard on the demo region: each format opens with its own library (csv,
openpyxl, geopandas/pyogrio, pypdf), carries where its figures come from, respects the filters,
is refused to anonymous visitors and to another region's planner, and costs a fixed number of
queries; the same stored figure reads the same in the API, the map layer, GeoJSON and
GeoPackage (every digit), and in the page, the PDF, CSV and XLSX (rounded as the page shows
it). Downloads follow the redirects as a script does (``follow``: XLSX, GeoPackage and PDF are
built as jobs, see ``test_export_redirects``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
from io import StringIO

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from access.models import RegionMembership
from access.services import membership_grant
from dashboard.exports import jobs, report, writers
from dashboard.exports.tables import CODE, Column, Table
from facilities.models import Facility
from indicators.display import format_value, shown_value
from indicators.models import IndicatorValue
from indicators.selectors import latest_run
from territories.models import Commune, Zoning
from tests.export_fixtures import facilities_url, follow, values_url, zone_report_url
from tests.personas import make_user

pytest_plugins = ["tests.api_fixtures", "tests.export_fixtures"]

Indicator = IndicatorValue.Indicator
FORMATS = ["csv", "xlsx", "geojson", "gpkg"]


def read_csv(response) -> list[dict[str, str]]:
    """The rows under the codes (second header row; the first names the columns)."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:].split("\r\n", 1)[1]), delimiter=";"))


def read_sheets(response) -> tuple[dict, list[dict]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Métadonnées", "Données"]
    meta = {row[0]: row[1] for row in book["Métadonnées"].iter_rows(values_only=True) if row[0]}
    rows = list(book["Données"].iter_rows(values_only=True))
    return meta, [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]


def read_gpkg(response, layer: str | None = None, *, table: bool = False):
    """A layer of the downloaded GeoPackage, read from a ``.gpkg`` file as a user would."""
    with tempfile.NamedTemporaryFile(suffix=".gpkg") as file:
        file.write(response.content)
        file.flush()
        if table:
            return pyogrio.read_dataframe(file.name, layer=layer)
        return gpd.read_file(file.name, layer=layer)


def pdf_text(response) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return re.sub(r"\s+", " ", text)


def number(cell: str) -> float:
    return float(cell.replace(",", "."))


# --- every format opens and carries its provenance ------------------------------------------


def test_the_csv_is_excel_friendly_and_carries_the_pages_figures(analyst, run, level):
    response = follow(analyst, values_url("csv", indicator="nearest_minutes", level=level.pk))
    rows = read_csv(response)
    stored = dict(
        IndicatorValue.objects.filter(
            run=run, unit_kind="commune", indicator="nearest_minutes", level=level
        ).values_list("unit_code", "value")
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"calcul{run.pk}" in response["Content-Disposition"]
    assert len(rows) == len(stored) == 540
    assert {r["run"] for r in rows} == {str(run.pk)}
    for row in rows:
        shown = shown_value(Indicator.NEAREST_MINUTES, stored[row["code"]])
        assert (number(row["value"]) if row["value"] else None) == shown
    assert any("," in r["value"] for r in rows)  # a float with a decimal comma: "23,0"
    assert any(v is not None and v != round(v) for v in stored.values())  # rounding was needed


def test_the_xlsx_has_a_header_sheet_and_typed_cells(analyst, run, level):
    response = follow(analyst, values_url("xlsx", units="communes", level=level.pk))
    meta, rows = read_sheets(response)

    assert meta["Calcul n°"] == run.pk
    assert meta["Région"] == "99 Région fictive de démonstration"
    assert meta["Temps de trajet (fournisseur)"] == run.provider
    assert all(f"Paramètre : {name}" in meta for name in run.parameters)
    assert isinstance(meta["Calcul terminé le"], dt.datetime)
    assert isinstance(meta["Exporté le"], dt.datetime)
    assert meta["Filtre : level"] == str(level.pk)
    assert "Version du schéma en vigueur" in meta
    values = [r for r in rows if r["indicator"] == "nearest_minutes"]
    assert {r["level_id"] for r in values} == {level.pk}
    # numbers (a whole number of minutes reads back from Excel as an int)
    assert all(isinstance(r["value"], (int, float)) for r in values if r["value"] is not None)
    assert all(isinstance(r["code"], str) for r in rows)
    assert isinstance(rows[0]["run"], int)


def test_codes_keep_their_leading_zeros_and_dates_stay_dates():
    table = Table(
        "t",
        [Column("code", "Code", CODE), Column("day", "Jour", "date"), Column("x", "X", "number")],
        [("01001", dt.date(2024, 1, 2), 0.1 + 0.2)],
    )

    csv_rows = writers.to_csv(table).decode("utf-8-sig").splitlines()
    sheet = openpyxl.load_workbook(io.BytesIO(writers.to_xlsx(table)))["Données"]

    assert csv_rows == ["Code;Jour;X", "code;day;x", "01001;2024-01-02;0,30000000000000004"]
    assert sheet["A3"].value == "01001" and sheet["A3"].number_format == "@"
    assert sheet["B3"].value == dt.datetime(2024, 1, 2)
    assert sheet["C3"].value == 0.1 + 0.2


def test_geojson_and_geopackage_carry_the_layer_and_its_metadata(analyst, run, level):
    params = {"indicator": "nearest_minutes", "level": level.pk}
    geojson = follow(analyst, values_url("geojson", simplified=1, **params))
    gpkg = follow(analyst, values_url("gpkg", **params))
    lambert = follow(analyst, values_url("gpkg", crs=2154, **params))

    collection = json.loads(geojson.content)
    frame = read_gpkg(gpkg, "commune")
    metadata = read_gpkg(gpkg, "metadonnees", table=True)
    assert collection["sros_metadata"]["Calcul n°"] == run.pk
    assert len(collection["features"]) == 540
    assert frame.crs.to_epsg() == 4326 and len(frame) == 540
    assert dict(zip(metadata["cle"], metadata["valeur"], strict=True))["Calcul n°"] == str(run.pk)
    assert read_gpkg(lambert, "commune").crs.to_epsg() == 2154
    assert read_gpkg(lambert, "commune").total_bounds[1] > 1_000_000  # metres, not degrees
    assert set(frame["indicator"]) == {"nearest_minutes"}


def test_facilities_export_as_points_with_the_api_filters(analyst, run):
    everything = read_csv(follow(analyst, facilities_url("csv")))
    hospitals = read_csv(follow(analyst, facilities_url("csv", kind="ch")))
    lon, lat = (number(everything[0][k]) for k in ("longitude", "latitude"))
    bbox = f"{lon - 0.2},{lat - 0.2},{lon + 0.2},{lat + 0.2}"
    boxed = read_csv(follow(analyst, facilities_url("csv", in_bbox=bbox)))
    meta, sheet = read_sheets(follow(analyst, facilities_url("xlsx", kind="ch")))
    points = read_gpkg(follow(analyst, facilities_url("gpkg", kind="ch")), "etablissements")

    region_facilities = Facility.objects.filter(commune__department__region__code="99")
    assert len(everything) == region_facilities.count()
    assert {r["kind"] for r in hospitals} == {"ch"}
    assert len(hospitals) == region_facilities.filter(kind="ch").count() > 0
    assert 0 < len(boxed) < len(everything)
    assert all(abs(number(r["longitude"]) - lon) <= 0.2 for r in boxed)
    assert meta["Filtre : kind"] == "ch"
    assert all(isinstance(r["source_date"], dt.datetime | None) for r in sheet)
    assert sorted(points["finess_et"]) == sorted(r["finess_et"] for r in hospitals)
    assert set(points.geometry.geom_type) == {"Point"}


def test_the_pdf_report_opens_and_says_which_run(analyst, run, demo):
    zoning = Zoning.objects.get(region=demo.region)
    zone = zoning.zones.order_by("code").first()

    response = follow(analyst, zone_report_url(zoning, zone.code))
    text = pdf_text(response)

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"Diagnostic territorial — Zone {zone.name} ({zone.code})" in text
    assert f"Calcul n° {run.pk}" in text
    assert "Provenance des chiffres" in text and run.provider in text


# --- filters --------------------------------------------------------------------------------


def test_value_exports_respect_units_indicator_level_and_department(analyst, run, level, demo):
    zoning = Zoning.objects.get(region=demo.region)
    department = Commune.objects.filter(department__region=demo.region).first().department
    communes = set(department.communes.values_list("code", flat=True))

    zones = read_csv(follow(analyst, values_url("csv", units=zoning.pk, indicator="share_beyond")))
    filtered = read_csv(
        follow(analyst,
            values_url("csv", indicator="nearest_minutes", level=level.pk,
                       department=department.code)
        )
    )  # fmt: skip

    stored_zones = IndicatorValue.objects.filter(
        run=run, unit_kind="zone", zoning=zoning, indicator="share_beyond"
    )
    assert len(zones) == stored_zones.count() > 0
    assert {(r["unit_kind"], r["indicator"], r["zoning"]) for r in zones} == {
        ("zone", "share_beyond", zoning.name)
    }
    assert {r["code"] for r in filtered} <= communes
    assert {(r["indicator"], r["level_id"]) for r in filtered} == {
        ("nearest_minutes", str(level.pk))
    }


def test_a_chosen_run_is_exported_and_a_run_of_nowhere_is_not(analyst, run, level):
    call_command("compute_indicators", "--sync", stdout=StringIO())
    newer = latest_run(run.region)

    chosen = read_csv(analyst.get(values_url("csv", run=run.pk, indicator="population")))
    latest = read_csv(analyst.get(values_url("csv", indicator="population")))

    assert newer.pk != run.pk
    assert {r["run"] for r in chosen} == {str(run.pk)}
    assert {r["run"] for r in latest} == {str(newer.pk)}
    assert analyst.get(values_url("csv", run=newer.pk + 99)).status_code == 404


def test_bad_filters_are_a_400_with_the_reason(analyst, run):
    assert analyst.get(values_url("csv", units="nowhere")).status_code == 400
    assert analyst.get(values_url("csv", indicator="beauty")).status_code == 400
    assert analyst.get(values_url("gpkg", crs=3857)).status_code == 400
    assert analyst.get(values_url("geojson", crs=2154)).status_code == 400
    assert analyst.get(values_url("geojson", units="region")).status_code == 400
    assert analyst.get(facilities_url("csv", in_bbox="1,2,x")).status_code == 400
    assert analyst.get(values_url("html")).status_code == 404


# --- permissions and queries ----------------------------------------------------------------


def all_urls(demo) -> list[str]:
    zoning = Zoning.objects.get(region=demo.region)
    commune = Commune.objects.filter(department__region=demo.region).order_by("code").first()
    return [
        *[values_url(f) for f in FORMATS],
        *[facilities_url(f) for f in FORMATS],
        zone_report_url(zoning, zoning.zones.order_by("code").first().code),
        reverse("dashboard:export_territory_report", args=["99", "commune", commune.code]),
    ]


def test_exports_are_refused_to_anonymous_users_and_other_regions(client, demo, run):
    other_planner = make_user("planificateur_idf")
    membership_grant(
        user=other_planner, region=demo.other_region, role=RegionMembership.Role.PLANNER
    )
    urls = all_urls(demo)

    anonymous = [client.get(url) for url in urls]
    client.force_login(other_planner)
    foreign = [client.get(url).status_code for url in urls]
    client.force_login(demo.users["director"])
    member = [client.get(url).status_code for url in urls]

    assert all(r.status_code == 302 and r["Location"].startswith("/connexion/") for r in anonymous)
    assert foreign == [403] * len(urls)
    # CSV and GeoJSON of the demo answer at once, the others are jobs (303)
    assert member == [200, 303, 200, 303] * 2 + [303, 303]


#: Queries of each list export (session, user and roles included), pinned so that a query per
#: row shows up at once: the request (which answers the file, or 303 to a job), then the
#: job's build on the worker when there is one. A facility export's build reads the files of
#: the registry it names as its sources (the region's départements, their import records).
MAX_QUERIES = {
    "values-csv": (13, 0), "values-xlsx": (11, 21), "values-geojson": (21, 0),
    "values-gpkg": (17, 21), "facilities-csv": (8, 0), "facilities-xlsx": (8, 13),
    "facilities-geojson": (8, 0), "facilities-gpkg": (8, 12),
}  # fmt: skip


@pytest.mark.parametrize("export", list(MAX_QUERIES))
def test_list_exports_cost_a_fixed_number_of_queries(
    analyst, run, export, django_assert_max_num_queries
):
    kind, extension = export.split("-")
    url = values_url(extension) if kind == "values" else facilities_url(extension)
    in_request, in_worker = MAX_QUERIES[export]

    with django_assert_max_num_queries(in_request):
        response = analyst.get(url)
    if in_worker:
        job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
        with django_assert_max_num_queries(in_worker):
            job = jobs.export_job_run(job_id)

    assert response.status_code == (303 if in_worker else 200)
    assert not in_worker or job.status == "done"


# --- one figure, one value everywhere -------------------------------------------------------


def test_the_same_stored_figure_reads_the_same_in_page_api_layer_and_every_export(
    analyst, run, level, demo
):
    stored = (
        IndicatorValue.objects.filter(
            run=run, unit_kind="commune", indicator="nearest_minutes", level=level,
            value__isnull=False,
        )
        .exclude(value=round(0))
        .order_by("-value")
        .first()
    )  # fmt: skip
    code, value = stored.unit_code, stored.value
    params = {"indicator": "nearest_minutes", "level": level.pk, "units": "communes"}

    api = analyst.get(
        f"/api/indicateurs/?unit_kind=commune&unit_code={code}"
        f"&indicator=nearest_minutes&level={level.pk}"
    ).json()["results"]
    layer = analyst.get(
        reverse("dashboard:choropleth", args=["99"])
        + f"?units=communes&indicator=nearest_minutes&level={level.pk}"
    ).json()
    csv_rows = read_csv(follow(analyst, values_url("csv", **params)))
    _meta, sheet = read_sheets(follow(analyst, values_url("xlsx", **params)))
    geojson = json.loads(follow(analyst, values_url("geojson", **params)).content)
    gpkg = read_gpkg(follow(analyst, values_url("gpkg", **params)), "commune")
    territory = reverse("dashboard:territory", args=["99", "commune", code])
    page = analyst.get(territory + f"?level={level.pk}").content.decode()
    pdf = pdf_text(
        follow(
            analyst,
            reverse("dashboard:export_territory_report", args=["99", "commune", code])
            + f"?level={level.pk}",
        )
    )

    assert [v["value"] for v in api] == [value]
    assert [f["properties"]["v"] for f in layer["features"] if f["id"] == code] == [value]
    # CSV and XLSX carry the page's figure (a whole number of minutes), the others every digit
    assert [number(r["value"]) for r in csv_rows if r["code"] == code] == [round(value)]
    assert [r["value"] for r in sheet if r["code"] == code] == [round(value)]
    assert [
        f["properties"]["value"] for f in geojson["features"] if f["properties"]["code"] == code
    ] == [value]
    assert gpkg.loc[gpkg["code"] == code, "value"].tolist() == [value]
    shown = format_value(Indicator.NEAREST_MINUTES, value)  # what people read: "23 min"
    assert shown.replace("\xa0", " ") in page.replace("\xa0", " ")
    assert shown.replace("\xa0", " ") in pdf
    assert value != round(value)  # a float that would show any rounding on the way


# --- the report's map and its fetcher --------------------------------------------------------


def test_the_report_map_colours_every_commune_around_and_outlines_the_unit(run, level, demo):
    from dashboard import territory

    zoning = Zoning.objects.get(region=demo.region)
    zone = zoning.zones.order_by("code").first()
    unit = territory.find_unit(demo.region, "zone", zone.code, zoning.pk)

    svg = str(report.report_map(run, unit, level))

    fills = re.findall(r'<path d="[^"]+" fill="(#[0-9a-f]{6})"/>', svg)
    assert len(fills) >= len(unit.commune_codes)
    assert len(set(fills)) > 1
    assert 'stroke="#000091"' in svg and "<circle" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_the_pdf_fetcher_serves_our_static_files_and_refuses_the_network():
    fetcher = report.LocalOnlyFetcher()

    css = fetcher.fetch(report.REPORT_ORIGIN + "/static/dashboard/report.css")
    with pytest.raises(ValueError):
        fetcher.fetch("https://tiles.example.org/1/2/3.png")
    pdf = report.render_pdf('<p>x</p><img src="https://tiles.example.org/4/5/6.png">')

    assert b"@page" in css.read()
    assert fetcher.refused == ["https://tiles.example.org/1/2/3.png"]
    assert pdf.startswith(b"%PDF")


# --- headers in the page's language, codes on the second row ---------------------------------


@pytest.mark.parametrize(("language", "name"), [("fr", "Valeur"), ("en", "Value")])
def test_the_headers_speak_the_pages_language_and_keep_the_codes(analyst, level, language, name):
    from django.conf import settings

    analyst.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    text = follow(analyst, values_url("csv", level=level.pk)).content.decode("utf-8-sig")
    names, codes = (line.split(";") for line in text.split("\r\n")[:2])
    book = openpyxl.load_workbook(io.BytesIO(follow(analyst, values_url("xlsx")).content))
    # the « Données » sheet ("Data" in English)
    sheet_names, sheet_codes = (
        list(r) for r in book.worksheets[1].iter_rows(max_row=2, values_only=True)
    )

    assert codes[:3] == ["run", "unit_kind", "code"] and "value" in codes
    assert names[codes.index("value")] == name
    assert sheet_codes == codes and sheet_names == names


@pytest.mark.parametrize(
    ("indicator", "value", "shown"),
    [
        ("nearest_minutes", 125.5, 126.0),
        ("share_beyond", 0.37149, 0.371),
        ("share_beyond", 0.09951, 0.1),
        ("population", 1234.6, 1235.0),
        ("density_per_10k", 2.999, 3.0),
        ("access_2sfca", 0.0012345, 0.00123),
        ("nearest_minutes", float("inf"), None),
    ],
)
def test_csv_and_xlsx_figures_are_the_pages_rounding(indicator, value, shown):
    from django.utils import translation

    assert shown_value(indicator, value) == shown
    with translation.override("fr"):  # the page's text of the export's figure is the page's
        assert format_value(indicator, value) == format_value(indicator, shown)


def test_the_map_export_links_follow_the_selection_and_name_the_run(analyst, run, level):
    from urllib.parse import parse_qs, urlsplit

    page = analyst.get(
        reverse("dashboard:map", args=["99"])
        + f"?units=communes&indicator=nearest_minutes&level={level.pk}"
    ).content.decode()
    links = re.findall(r'<a data-export-values[^>]* href="([^"]+)"', page)

    assert len(links) == 4
    for link in links:
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        assert query["units"] == ["communes"] and query["indicator"] == ["nearest_minutes"]
        assert query["level"] == [str(level.pk)] and query["run"] == [str(run.pk)]
    facility_links = re.findall(r'<a data-export-facilities[^>]* href="([^"]+)"', page)
    assert len(facility_links) == 3
    for link in facility_links:  # the open facilities serving the level shown
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        assert query == {"status": ["open"], "level": [str(level.pk)]}


#: Headers whose English is the French word itself.
SAME_IN_ENGLISH = {"Source", "Type", "Zone", "Population", "Commune (code)", "Département (code)",
                   "Longitude (WGS84)", "Latitude (WGS84)"}  # fmt: skip


def test_every_export_header_has_its_english():
    """Each column header of the CSV/XLSX tables is in the English catalogue: a header written
    with an alias that makemessages does not know (``_l``) stayed French in English exports."""
    from django.utils import translation

    from dashboard.exports import flows, tables

    columns = tables.VALUE_COLUMNS + tables.FACILITY_COLUMNS + flows.COLUMNS

    def labels(language: str) -> list[str]:
        with translation.override(language):
            return [str(column.label) for column in columns]

    french, english = labels("fr"), labels("en")
    untranslated = [
        f for f, e in zip(french, english, strict=True) if f == e and f not in SAME_IN_ENGLISH
    ]
    assert len(columns) > 40 and untranslated == []
