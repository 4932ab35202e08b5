"""Export buttons in headless Chromium on the demo region: after the indicator selector changed
the map without a reload, the map's CSV link downloads the values now shown; the territory
page's link downloads its PDF; no console error, no request to any host but the test server."""

import csv
import io

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser import open_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(client, django_user_model):
    call_command("load_demo", verbosity=0)
    call_command("compute_indicators", "--sync", verbosity=0)
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_export_buttons_download_what_the_map_and_the_territory_show(
    live_server, session_cookie
):
    with open_browser() as session:
        page = session.page
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie,
              "url": live_server.url}]
        )  # fmt: skip
        page.goto(live_server.url + "/tableau-de-bord/99/carte/?indicator=nearest_minutes")
        page.wait_for_selector("#map-legend[data-indicator='nearest_minutes'] li")
        page.select_option("#map-indicator", "access_2sfca")
        page.wait_for_selector("#map-legend[data-indicator='access_2sfca'] li")
        with page.expect_download() as csv_download:
            page.click("#map-exports a[data-export-values]:has-text('CSV')")
        values = csv_download.value.path().read_bytes()

        page.goto(live_server.url + "/tableau-de-bord/99/territoires/departement/96/")
        with page.expect_download() as pdf_download:
            page.click("#report-pdf")
        pdf = pdf_download.value.path().read_bytes()
        name = pdf_download.value.suggested_filename

    text = values.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert text.startswith("\ufeff")
    assert len(rows) == 540
    assert {r["indicator"] for r in rows} == {"access_2sfca"}  # the selection now shown
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert name.startswith("diagnostic-99-departement-96-") and name.endswith(".pdf")
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
