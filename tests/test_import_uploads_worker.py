"""Uploads on real processes (issue 12 §2): a file posted on the Imports page is imported by a
real Celery worker fed through Redis, reading the file from the database (no shared disk); a
worker killed with ``kill -9`` in the middle of an import leaves an upload that the reaper (on
celery beat) re-enqueues once, and a second worker imports it; a second death fails it.

Timings as ``test_faults_worker``: the production ones divided by 15, so a dead worker's
upload is noticed in seconds. The import blocks deterministically where a worker would hold
it: the authorisations table locked by the test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from access.services import membership_grant
from facilities.models import Authorisation, Facility
from opendata.models import ImportUpload
from tests.factories import make_commune_grid, make_department, make_region
from tests.personas import make_user
from tests.test_faults_worker import fault_worker, kill_9, table_locked
from tests.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    b"finess_et;activity;modality;start_date;end_date\n"
    b"690000011;urgences;su;2020-01-01;\n"
    b"690000011;urgences;smur;2020-01-01;\n"
)


@pytest.fixture
def planner(client):
    """The planner of région 84 (a hospital in 69001), logged in on ``client``."""
    region = make_region("84", "Auvergne-Rhône-Alpes")
    [commune] = make_commune_grid(1, 1, department=make_department("69", region=region))
    Facility.objects.create(
        finess_et="690000011", name="CH", source="manual", commune=commune,
        point=Point(*commune.point.coords, srid=4326),
    )  # fmt: skip
    user = make_user("planner")
    membership_grant(user=user, region=region, role="planner")
    client.force_login(user)
    return region


def post_upload(client, region) -> str:
    file = SimpleUploadedFile("autorisations.csv", CSV, "text/csv")
    response = client.post(
        reverse("opendata:upload_start"),
        {"kind": "authorisations", "region": region.pk, "file": file},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    return response["Location"].rstrip("/").split("/")[-1]


def ended(upload_id) -> ImportUpload | None:
    return ImportUpload.objects.filter(pk=upload_id, status__in=["done", "failed"]).first()


def test_a_worker_imports_an_uploaded_file_and_its_report_lands_on_the_page(
    client, planner, tmp_path
):
    with fault_worker(tmp_path, "worker"):
        upload_id = post_upload(client, planner)
        upload = wait_until(lambda: ended(upload_id), what="the upload imported")

    assert upload.status == "done", upload.error
    assert (upload.progress, upload.attempt, upload.content) == (100, 1, None)
    assert (upload.record.created, upload.record.unchanged) == (2, 0)
    assert Authorisation.objects.filter(facility__finess_et="690000011").count() == 2
    page = client.get(reverse("opendata:upload_detail", args=[upload_id])).content.decode()
    assert "Rapport de l’import" in page and 'class="count upload-created">2<' in page


def test_an_upload_whose_worker_is_killed_is_re_enqueued_once_and_imported(
    client, planner, tmp_path
):
    with table_locked("facilities_authorisation"), fault_worker(tmp_path, "first") as first:
        upload_id = post_upload(client, planner)
        running = wait_until(
            lambda: (
                ImportUpload.objects.filter(pk=upload_id, status="running", stage="import")
                .defer("content")
                .first()
            ),
            what="the upload taken and importing",
        )
        wait_until(
            lambda: ImportUpload.objects.get(pk=upload_id).heartbeat_at > running.heartbeat_at,
            what="a heartbeat beaten while the import blocks",
        )
        kill_9(first)
    assert ImportUpload.objects.get(pk=upload_id).status == "running"
    assert Authorisation.objects.count() == 0  # the dead worker's transaction wrote nothing

    with fault_worker(tmp_path, "second", purge=False):
        upload = wait_until(lambda: ended(upload_id), what="the upload ended")

    assert upload.status == "done", upload.error
    assert upload.attempt == 2 and upload.record.created == 2
    assert Authorisation.objects.count() == 2


def test_an_upload_whose_worker_dies_twice_ends_failed(client, planner, tmp_path):
    upload_id = post_upload(client, planner)  # no worker yet: it waits in the queue
    ImportUpload.objects.filter(pk=upload_id).update(
        status="running", attempt=2, heartbeat_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )

    with fault_worker(tmp_path, "reaper"):
        upload = wait_until(lambda: ended(upload_id), what="the upload failed by the reaper")

    assert upload.status == "failed" and "ne répond plus" in upload.error
    assert upload.content is None and Authorisation.objects.count() == 0
    page = client.get(reverse("opendata:upload_detail", args=[upload_id])).content.decode()
    assert "Téléversez le fichier à nouveau" in page
