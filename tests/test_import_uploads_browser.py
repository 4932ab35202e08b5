"""A planner uploads an authorisations file in headless Chromium and sees its report (issue 12
§2, done-when): the Imports page's form, a real Celery worker importing the file from the
database, the upload's page following the progress bar to the report (counts), then the
import listed on the Imports page; a second file with rows outside the region is refused,
naming the rows. The pages have no serious or critical axe violation; no console error, no
request to any host but the test server."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from access.services import membership_grant
from facilities.models import Facility
from opendata.models import ImportUpload
from tests.browser import axe_violations, open_browser, session_cookie
from tests.factories import make_commune, make_commune_grid, make_department, make_region
from tests.personas import make_user
from tests.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "finess_et;activity;modality;start_date;end_date"


@pytest.fixture
def planner():
    """The planner of région 84 (a hospital in 69001); a Nice hospital in région 93."""
    aura = make_region("84", "Auvergne-Rhône-Alpes")
    paca = make_region("93", "Provence-Alpes-Côte d'Azur")
    [lyon] = make_commune_grid(1, 1, department=make_department("69", region=aura))
    nice = make_commune("06088", col=4, department=make_department("06", region=paca))
    for number, commune in (("690000011", lyon), ("060000011", nice)):
        Facility.objects.create(
            finess_et=number, name=f"CH {number}", source="manual", commune=commune,
            point=Point(*commune.point.coords, srid=4326),
        )  # fmt: skip
    user = make_user("planificateur")
    membership_grant(user=user, region=aura, role="planner")
    return user


def upload(page, base_url: str, path) -> None:
    """Fill the Imports page's form with ``path`` and send it; wait for the upload's report."""
    page.goto(base_url + "/donnees/imports/")
    page.select_option("#id_kind", "authorisations")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Téléverser et importer").click()
    page.wait_for_selector("#upload-progress")
    page.wait_for_selector("#upload-report, #upload-error", timeout=120_000)


def test_a_planner_uploads_an_authorisations_file_and_sees_its_report(
    live_server, client, planner, tmp_path
):
    good = tmp_path / "autorisations-84.csv"
    good.write_text(
        f"{HEADER}\n690000011;urgences;su;2020-01-01;\n690000011;urgences;smur;2020-01-01;\n"
    )
    outside = tmp_path / "autorisations-06.csv"
    outside.write_text(
        f"{HEADER}\n690000011;medecine;;2020-01-01;\n060000011;urgences;su;2020-01-01;\n"
    )
    cookie = session_cookie(client, planner)
    with celery_worker(), open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + "/donnees/imports/")
        form_violations = axe_violations(page, live_server.url)
        upload(page, live_server.url, good)
        report = page.locator("#upload-report, #upload-error").first.inner_text()
        assert "Rapport" in report, report
        created = page.locator("#upload-report .upload-created").inner_text()
        progress = page.locator("#upload-progress progress").evaluate("p => p.value")
        report_violations = axe_violations(page, live_server.url)
        page.locator("#upload-report a").first.click()  # to the import's own page
        page.wait_for_selector("main h1")
        record_heading = page.locator("main h1").inner_text()
        page.goto(live_server.url + "/donnees/imports/")
        listed = page.locator(".imports tbody tr").count()

        upload(page, live_server.url, outside)
        refusal = page.locator("#upload-error").inner_text()
        refusal_violations = axe_violations(page, live_server.url)

    errors = list(ImportUpload.objects.values_list("error_where", "error"))
    assert (created, progress) == ("2", 100), errors
    assert "Rapport de l’import" in report and "Import n°" in report
    assert "autorisations-84.csv" in record_heading and listed == 1
    assert "ligne 3 : commune 06088 hors de la région Auvergne-Rhône-Alpes" in refusal
    assert "Rien n'a été importé" in refusal
    assert list(ImportUpload.objects.values_list("status", flat=True).order_by("created_at")) == [
        "done",
        "failed",
    ]
    assert form_violations == report_violations == refusal_violations == []
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
