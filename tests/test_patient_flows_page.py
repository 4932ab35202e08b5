"""The page « Flux de patients » and its CSV/XLSX export (issue 13 §3)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from access.services import membership_grant
from indicators.importers_flows import import_patient_flows, import_pmsi_geo_codes
from territories.services import zoning_replace_composition
from tests.factories import make_region
from tests.personas import make_user
from tests.test_patient_flows import FLOWS, GEO, ain  # noqa: F401 - the fixture

URL = "/tableau-de-bord/84/flux-patients/"


@pytest.fixture
def planner(ain, client):  # noqa: F811 - the fixture
    user = make_user("flows-planner")
    membership_grant(user=user, region=make_region("84"), role="planner")
    client.force_login(user)
    return client


@pytest.fixture
def zoning(ain):  # noqa: F811
    return zoning_replace_composition(
        region=make_region("84"),
        name="Territoires test",
        kind="other",
        zones={
            "BEL": ("Belley", [ain[c].pk for c in ("01006", "01034", "01061")]),
            "BRE": ("Bresse", [ain[c].pk for c in ("01053", "01451", "01065", "01259")]),
            "VDS": ("Val de Saône", [ain[c].pk for c in ("01306", "01420")]),
        },
    )


def test_without_flows_the_page_says_what_is_missing(planner, zoning):
    page = planner.get(URL).content.decode()
    assert 'id="flows-missing"' in page
    assert "flows-zones" not in page  # no table of zeros


def test_without_correspondence_the_page_says_so(planner, zoning):
    import_patient_flows(FLOWS)
    page = planner.get(URL).content.decode()
    assert 'id="correspondence-missing"' in page
    assert "flows-zones" not in page


def test_without_zoning_the_page_says_so(planner):
    import_pmsi_geo_codes(GEO)
    import_patient_flows(FLOWS)
    assert 'id="zonings-missing"' in planner.get(URL).content.decode()


def test_the_page_shows_each_zone_shares(planner, zoning):
    import_pmsi_geo_codes(GEO)
    import_patient_flows(FLOWS)
    response = planner.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-zone="BEL"' in page
    assert "83,3\u00a0%" in page  # Belley: 1,000 of 1,200 stays in the zone
    assert "Bresse 16,7\u00a0%" in page  # …and 200 in the Bresse
    assert "1 case masquée" in page
    assert "/exports/flux-patients.csv?zonage=" in page


def test_the_csv_export_has_french_headers_codes_and_the_page_figures(planner, zoning):
    import_pmsi_geo_codes(GEO)
    import_patient_flows(FLOWS)
    response = planner.get("/tableau-de-bord/84/exports/flux-patients.csv", {"edition": "2023|MCO"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Code de la zone", "Zone"]
    assert rows[1][:2] == ["zone_code", "zone_name"]
    belley = next(r for r in rows[2:] if r[0] == "BEL")
    assert float(belley[rows[1].index("share_inside")].replace(",", ".")) == pytest.approx(5 / 6)
    assert belley[rows[1].index("destinations")] == "BRE 0.1667"


def test_the_xlsx_export_names_its_rules(planner, zoning):
    import_pmsi_geo_codes(GEO)
    import_patient_flows(FLOWS)
    response = planner.get("/tableau-de-bord/84/exports/flux-patients.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    meta = {row[0]: row[1] for row in book["Métadonnées"].iter_rows(values_only=True) if row}
    assert meta["Cases masquées (secret statistique), hors des sommes"] == 1
    assert meta["Année de la correspondance des codes géographiques"] == 2023
    data = list(book["Données"].iter_rows(values_only=True))
    assert data[1][0] == "zone_code" and len(data) == 5


def test_an_unknown_format_is_404(planner, zoning):
    assert planner.get("/tableau-de-bord/84/exports/flux-patients.pdf").status_code == 404
