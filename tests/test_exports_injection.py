"""Exports cannot attack the analyst who opens them: a facility, a commune or a filter named like
a formula (``=cmd|' /C calc'!A0``) is neutralised in the CSV and in every sheet of the XLSX
(OWASP: a leading single quote), its XLSX cells are strings, numbers stay numbers; GeoJSON,
GeoPackage and PDF are not spreadsheets and carry the name intact."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import openpyxl
import pytest

from dashboard.exports import writers
from dashboard.exports.cells import neutralised
from dashboard.exports.tables import CODE, NUMBER, TEXT, Column, Table
from facilities.models import Facility
from territories.models import Commune
from tests.export_fixtures import facilities_url, follow, values_url
from tests.test_exports import pdf_text, read_csv, read_gpkg

pytest_plugins = ["tests.api_fixtures", "tests.export_fixtures"]

ATTACK = "=cmd|' /C calc'!A0"
ATTACKS = [ATTACK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tx", "\r=1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_text_that_starts_a_formula_gets_a_leading_quote(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("text", ["-12,5", "+3", "-0.25", "1e-3", "Lyon", "01001", "", "a=b"])
def test_numbers_and_plain_text_are_left_alone(text):
    assert neutralised(text) == text


def test_the_writers_neutralise_text_cells_and_keep_numbers():
    table = Table(
        "t",
        [Column("name", "Nom", TEXT), Column("code", "Code", CODE), Column("x", "X", NUMBER)],
        [(ATTACK, "=01", -12.5), ("#N/A", "-7", -3), ("-12,5", "01001", None)],
        metadata=[("Filtre : search", ATTACK), ("Calcul n°", 7)],
    )

    lines = writers.to_csv(table).decode("utf-8-sig").splitlines()
    book = openpyxl.load_workbook(io.BytesIO(writers.to_xlsx(table)))
    data, meta = book["Données"], book["Métadonnées"]

    assert lines == [
        "Nom;Code;X",
        "name;code;x",
        "'=cmd|' /C calc'!A0;'=01;-12,5",
        "#N/A;-7;-3",
        "-12,5;01001;",
    ]
    assert [c.value for c in data[1]] == ["Nom", "Code", "X"]
    assert [c.value for c in data[2]] == ["name", "code", "x"]
    assert [c.value for c in data[3]] == ["'" + ATTACK, "'=01", -12.5]
    assert [c.data_type for c in data[3]] == ["s", "s", "n"]
    assert [(c.value, c.data_type) for c in data[4]] == [("#N/A", "s"), ("-7", "s"), (-3, "n")]
    assert (data["A5"].value, data["A5"].data_type) == ("-12,5", "s")
    assert (meta["B1"].value, meta["B1"].data_type) == ("'" + ATTACK, "s")
    assert (meta["B2"].value, meta["B2"].data_type) == (7, "n")


@pytest.fixture
def attack(demo):
    """A facility of the region and a commune named like a formula."""
    facility = Facility.objects.filter(commune__department__region=demo.region).first()
    commune = Commune.objects.filter(department__region=demo.region).order_by("code").first()
    Facility.objects.filter(pk=facility.pk).update(name=ATTACK)
    Commune.objects.filter(pk=commune.pk).update(name=ATTACK)
    return facility.finess_et, commune.code


def cells(sheet) -> list:
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]


def test_the_csv_exports_neutralise_names_and_keep_french_decimals(analyst, run, attack):
    finess, code = attack
    facilities = read_csv(follow(analyst, facilities_url("csv")))
    values = read_csv(follow(analyst, values_url("csv", indicator="nearest_minutes")))

    assert [r["name"] for r in facilities if r["finess_et"] == finess] == ["'" + ATTACK]
    assert {r["name"] for r in values if r["code"] == code} == {"'" + ATTACK}
    assert not any(v.startswith(("=", "+", "@")) for r in facilities + values for v in r.values())
    decimals = [r["value"] for r in values if r["value"]]
    assert all(re.fullmatch(r"-?\d+(,\d+)?", v) for v in decimals)  # numbers, no quote in front
    assert any("," in v for v in decimals)


def test_every_sheet_of_the_xlsx_exports_neutralises_names_and_filters(analyst, run, attack):
    finess, code = attack
    search = quote(ATTACK)
    books = [
        openpyxl.load_workbook(io.BytesIO(follow(analyst, url).content))
        for url in (
            facilities_url("xlsx", search=search),
            values_url("xlsx", indicator="nearest_minutes"),
            values_url("xlsx", department=search),  # no rows; the filter is echoed
        )
    ]

    texts = [c for book in books for sheet in book for c in cells(sheet) if c.data_type == "s"]
    assert not [c for book in books for sheet in book for c in cells(sheet) if c.data_type == "f"]
    assert not [c.value for c in texts if c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    facilities, values, empty = (
        {str(row[0].value): row for row in book["Métadonnées"].iter_rows()} for book in books
    )
    assert facilities["Filtre : search"][1].value == "'" + ATTACK
    assert empty["Filtre : department"][1].value == "'" + ATTACK
    names = [r[2].value for r in books[0]["Données"].iter_rows(min_row=3)]
    assert names == ["'" + ATTACK]
    value_rows = [r for r in books[1]["Données"].iter_rows(min_row=3) if r[2].value == code]
    assert {r[3].value for r in value_rows} == {"'" + ATTACK}
    value_column = [c.value for c in books[1]["Données"][2]].index("value")
    assert {r[value_column].data_type for r in value_rows if r[value_column].value is not None} == {
        "n"
    }
    assert (
        values["Calcul n°"][1].data_type == "n" and books[2]["Données"].max_row == 2
    )  # the two header rows only


def test_geojson_geopackage_and_pdf_carry_the_name_intact(analyst, run, attack, level):
    finess, code = attack
    points = json.loads(follow(analyst, facilities_url("geojson")).content)
    layer = read_gpkg(follow(analyst, facilities_url("gpkg")), "etablissements")
    communes = json.loads(follow(analyst, values_url("geojson", level=level.pk)).content)
    shapes = read_gpkg(follow(analyst, values_url("gpkg", level=level.pk)), "commune")
    pdf = pdf_text(follow(analyst, f"/tableau-de-bord/99/exports/diagnostic/commune/{code}.pdf"))

    named = {f["properties"]["finess_et"]: f["properties"]["name"] for f in points["features"]}
    assert named[finess] == ATTACK
    assert layer.loc[layer["finess_et"] == finess, "name"].tolist() == [ATTACK]
    assert [
        f["properties"]["name"] for f in communes["features"] if f["properties"]["code"] == code
    ] == [ATTACK]
    assert shapes.loc[shapes["code"] == code, "name"].tolist() == [ATTACK]
    assert ATTACK in pdf
