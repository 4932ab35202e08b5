"""Fixtures and URLs shared by the export tests: the demo region with a computed run, its
analyst signed in, the first emergency level, and the export URLs of region 99."""

from __future__ import annotations

import subprocess
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse

from dashboard.exports import jobs
from indicators.selectors import latest_run
from pathways.models import Level
from territories.models import Zoning


@pytest.fixture
def run(demo, demo_computed_of_the_module):
    return latest_run(demo.region)


@pytest.fixture
def analyst(client, demo):
    client.force_login(demo.users["analyst"])
    return client


@pytest.fixture
def level(run):
    return Level.objects.get(pathway__code="urgences", rank=1)


def values_url(extension: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("dashboard:export_indicators", args=["99", extension]) + f"?{query}"


def facilities_url(extension: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("dashboard:export_facilities", args=["99", extension]) + f"?{query}"


def zone_report_url(zoning: Zoning, code: str) -> str:
    return reverse("dashboard:export_zone_report", args=["99", zoning.pk, code])


def follow(client, url: str, **headers):
    """GET an export URL as a script does (``curl -L``): follow the 303s to the file. A job the
    redirects lead to is built here, as the worker's task does (``jobs.export_job_run``)."""
    response = client.get(url, HTTP_ACCEPT="*/*", **headers)
    for _hop in range(10):
        if response.status_code != 303:
            return response
        location = response["Location"]
        match = resolve(urlsplit(location).path)
        if match.url_name == "export_job":
            jobs.export_job_run(match.kwargs["job_id"])
        response = client.get(location, HTTP_ACCEPT="*/*", **headers)
    raise AssertionError(f"{url}: more than 10 redirects")


def pdf_pages(body: bytes) -> list[str]:
    """A PDF's pages as poppler's ``pdftotext -layout`` reads them, one string per page."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
