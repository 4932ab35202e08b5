"""Every admin page renders for a superuser, with no map widget fetching remote tiles."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.models import ExportJob
from facilities.models import Facility
from opendata.models import ImportUpload
from tests.factories import make_commune

pytestmark = pytest.mark.django_db

FOREIGN_URL = re.compile(r"""(?:src|href)=["']https?://""")


@pytest.fixture
def some_data():
    commune = make_commune("42218", name="Saint-Étienne")
    facility = Facility.objects.create(
        finess_et="420000001", name="CHU de Saint-Étienne", kind="chu", source="manual",
        commune=commune, point=commune.point,
    )  # fmt: skip
    facility.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    return facility


def admin_urls(some_data, user) -> list[str]:
    """Every list, add and change page of the admin (add pages only where adding is allowed:
    export jobs are made by the pages, never by hand)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = []
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{prefix}_add"))
        obj = model._default_manager.first()
        if obj is not None:
            urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
    return urls


def test_every_admin_page_renders_without_remote_assets(admin_client, admin_user, some_data):
    ExportJob.objects.create(
        user=admin_user, region=some_data.commune.department.region, target="facilities",
        extension="csv", status="done", content=b"x", size=1, filename="etablissements.csv",
    )  # fmt: skip
    upload = ImportUpload.objects.create(
        user=admin_user, kind="authorisations", file_name="autorisations.csv", size=3,
        sha256="0" * 64, content=b"abc",
    )  # fmt: skip
    urls = admin_urls(some_data, admin_user)
    assert reverse("admin:dashboard_exportjob_changelist") in urls
    assert reverse("admin:opendata_importupload_change", args=[upload.pk]) in urls
    assert len(urls) > 20
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert not FOREIGN_URL.search(response.content.decode()), url


def test_the_facility_list_searches_by_finess_number(admin_client, some_data):
    url = reverse("admin:facilities_facility_changelist")
    assert "CHU de Saint-Étienne" in admin_client.get(url, {"q": "420000001"}).content.decode()
    assert "CHU de Saint-Étienne" not in admin_client.get(url, {"q": "999"}).content.decode()


def test_a_facility_point_is_edited_as_text(admin_client, some_data):
    url = reverse("admin:facilities_facility_change", args=[some_data.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="point"' in html
    assert "OpenLayers" not in html and "ol.js" not in html


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("admin:facilities_facility_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_an_upload_is_shown_read_only_without_its_file(admin_client, admin_user):
    """The upload's file (up to SROS_UPLOAD_MAX_BYTES) is never read by the admin: not a field
    of its form, deferred in its queries; nothing can be changed or added there."""
    upload = ImportUpload.objects.create(
        user=admin_user, kind="authorisations", file_name="autorisations.csv", size=9,
        sha256="0" * 64, content=b"CONTENU-9",
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        listing = admin_client.get(reverse("admin:opendata_importupload_changelist"))
        page = admin_client.get(reverse("admin:opendata_importupload_change", args=[upload.pk]))
    assert listing.status_code == page.status_code == 200
    assert "autorisations.csv" in listing.content.decode()
    assert "CONTENU-9" not in page.content.decode() and 'name="status"' not in page.content.decode()
    upload_queries = [q["sql"] for q in queries if '"opendata_importupload"' in q["sql"]]
    assert upload_queries and not any('"content"' in sql for sql in upload_queries)
    assert (
        admin_client.post(
            reverse("admin:opendata_importupload_change", args=[upload.pk]), {"status": "done"}
        ).status_code
        == 403
    )
    assert ImportUpload.objects.get(pk=upload.pk).status == "queued"
