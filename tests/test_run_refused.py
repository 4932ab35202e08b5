"""A run for a region with no commune loaded is refused where it is created
(``indicators.services.run_create``): the page, the admin and ``compute_indicators`` all give
the same French reason and no ``IndicatorRun`` row is written."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators import services
from indicators.models import IndicatorRun
from tests.factories import make_department, make_region

pytestmark = pytest.mark.django_db

REASON = "aucune commune chargée pour la région Bretagne (53) : importez ses communes"


@pytest.fixture
def empty_region():
    """Région 53 with a département but not a single commune (as after ``regions`` and
    ``departments`` imports only)."""
    region = make_region("53", "Bretagne")
    make_department("29", "Finistère", region=region)
    return region


def test_the_service_refuses_an_empty_region_and_writes_nothing(empty_region):
    with pytest.raises(services.RunRefused, match=re.escape(REASON)):
        services.run_create(region=empty_region, enqueue=False)
    assert not IndicatorRun.objects.exists()


def test_the_page_says_why_and_redirects_without_queuing(
    empty_region, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("indicators:run_start", args=["53"]), follow=True)

    assert response.redirect_chain == [(reverse("indicators:run_list"), 302)]
    assert REASON in response.content.decode()
    assert not callbacks and not IndicatorRun.objects.exists()


def test_the_admin_new_run_says_why_and_writes_nothing(empty_region, admin_client):
    url = reverse("admin:indicators_indicatorrun_add")
    response = admin_client.post(url, {"region": empty_region.pk})

    assert response.status_code == 200  # the form again, the reason on its region field
    assert REASON in response.content.decode()
    assert not IndicatorRun.objects.exists()


def test_the_command_exits_non_zero_with_the_reason(empty_region):
    with pytest.raises(CommandError, match=re.escape(REASON)):
        call_command("compute_indicators", "--region", "53", "--sync")
    assert not IndicatorRun.objects.exists()


def test_restarting_a_failed_run_of_a_region_emptied_since_is_refused_too(
    empty_region, admin_client
):
    failed = IndicatorRun.objects.create(
        region=empty_region, provider="crowfly", status=IndicatorRun.Status.FAILED,
        parameters={"provider": services.default_provider_parameters()},
    )  # fmt: skip
    response = admin_client.post(reverse("indicators:run_restart", args=[failed.pk]), follow=True)

    assert REASON in response.content.decode()
    assert list(IndicatorRun.objects.all()) == [failed]


def test_the_api_answers_400_json_with_the_reason(empty_region, admin_client):
    response = admin_client.post(
        reverse("api:run-list"), {"region": "53"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert REASON in response.json()["detail"]
    assert not IndicatorRun.objects.exists()


def test_the_api_starts_a_run_of_a_loaded_region(empty_region, admin_client):
    from tests.factories import make_commune

    make_commune("29001", department=empty_region.departments.get())
    response = admin_client.post(
        reverse("api:run-list"), {"region": "53"}, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    run = IndicatorRun.objects.get()
    assert response.json()["id"] == run.pk and response.json()["region"] == "53"
    assert run.region == empty_region and run.status == IndicatorRun.Status.QUEUED
