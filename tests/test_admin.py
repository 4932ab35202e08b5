"""Every admin page renders for a superuser, with no map widget fetching remote tiles."""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from dashboard.models import ExportJob
from facilities.models import Facility
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
    urls = admin_urls(some_data, admin_user)
    assert reverse("admin:dashboard_exportjob_changelist") in urls
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
