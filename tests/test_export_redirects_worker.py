"""The redirects of an export followed by an HTTP client (as ``curl -L``) against a live server
and a real Celery worker yield the bytes the direct build gives. Apart from
test_export_redirects, whose module data a transactional test may not share."""

from __future__ import annotations

import io

import openpyxl
import pytest
import requests
from django.http import QueryDict

from dashboard.exports import build
from dashboard.models import ExportJob
from territories.models import Region
from tests.worker import celery_worker


def sheets_without_stamp(body: bytes) -> dict[str, list]:
    """The workbook's cells, the export time left out (it differs between two builds)."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    return {
        sheet.title: [row for row in sheet.values if row[:1] != ("Exporté le",)] for sheet in book
    }


@pytest.mark.django_db(transaction=True)
def test_a_script_following_the_redirects_gets_the_workers_file(
    live_server, demo_chief, client, settings
):
    """``curl -L -b cookies URL`` as a ``requests`` session: a CSV over the threshold and an
    XLSX, built by a real Celery worker, give the bytes (the CSV) and the cells (the XLSX,
    its export time aside) of the direct build."""
    settings.SROS_EXPORT_INLINE_MAX_ROWS = 100
    client.force_login(demo_chief)
    session = requests.Session()
    cookie = settings.SESSION_COOKIE_NAME
    session.cookies.set(cookie, client.cookies[cookie].value)
    query = "units=communes&indicator=nearest_minutes"
    region = Region.objects.get(code="99")
    direct_csv = build.indicator_export(region, demo_chief, "csv", QueryDict(query)).body
    direct_xlsx = build.indicator_export(region, demo_chief, "xlsx", QueryDict(query)).body
    url = live_server.url + "/tableau-de-bord/99/exports/indicateurs.{}?" + query

    with celery_worker():
        got_csv = session.get(url.format("csv"), timeout=120)
        got_xlsx = session.get(url.format("xlsx"), timeout=120)

    assert [r.status_code for r in got_csv.history][:1] == [303]
    assert got_csv.status_code == 200 and got_csv.content == direct_csv
    assert got_xlsx.status_code == 200
    assert got_xlsx.history[-1].headers["Location"].endswith("/fichier")
    assert sheets_without_stamp(got_xlsx.content) == sheets_without_stamp(direct_xlsx)
    assert ExportJob.objects.filter(status="done").count() == 2
