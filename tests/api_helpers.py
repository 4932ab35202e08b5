"""Helpers of the REST API tests (fixtures are in ``tests.api_fixtures``)."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=None)
        client.force_login(user)
    return client


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def decimals(coordinates) -> int:
    """The largest number of decimals in a nested list of coordinates."""
    text = repr(coordinates)
    return max((len(m) for m in re.findall(r"\.(\d+)", text)), default=0)
