"""A decimal comma typed in a French page (issue 12 §2: « a decimal comma typed in those fields
is silently dropped (Chromium, fr-FR) with a 422 that does not say why »): the scenario form and
the scenario API read ``6,95`` as ``6.95``, whatever the language, and refuse what is not one
number saying why, never reading it as another number."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from core.form_fields import DecimalTextField
from core.formatting import parse_decimal
from sros.models import Scenario
from tests.api_helpers import api_client

pytest_plugins = ["tests.personas"]


@pytest.mark.parametrize(
    ("text", "number"),
    [("6,95", 6.95), ("6.95", 6.95), (" 45,7 ", 45.7), ("-1,5", -1.5), ("\u22121,5", -1.5),
     ("7", 7.0), (",5", 0.5), ("7,", 7.0), ("", None), ("  ", None)],
)  # fmt: skip
def test_a_comma_or_a_dot_is_the_decimal_separator(text, number):
    assert parse_decimal(text) == number


@pytest.mark.parametrize(
    ("text", "reason"),
    [("6,9,5", "un seul séparateur décimal"), ("6.9,5", "un seul séparateur décimal"),
     ("1.234,5", "un seul séparateur décimal"), ("abc", "n'est pas un nombre décimal"),
     ("6 ° E", "n'est pas un nombre décimal"), ("1e400", "n'est pas un nombre décimal")],
)  # fmt: skip
def test_anything_else_is_refused_saying_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_decimal(text)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_form_field_reads_a_comma_in_either_language(language):
    """Django's localised FloatField would read « 6,95 » as 695 in English."""
    with translation.override(language):
        field = DecimalTextField(required=False)
        assert field.clean("6,95") == 6.95
        assert 'inputmode="decimal"' in field.widget.render("lon", 6.95)
        assert 'value="6.95"' in field.widget.render("lon", field.prepare_value(6.95))


def _point_text(commune) -> tuple[str, str]:
    return (f"{commune.point.x:.5f}".replace(".", ","), f"{commune.point.y:.5f}".replace(".", ","))


def test_the_scenario_form_saves_a_site_typed_with_commas(world, client):
    lon, lat = _point_text(world.communes[4])
    client.force_login(world.users["planner"])
    data = {"name": "MSP", "description": "", "changes-TOTAL_FORMS": "1",
            "changes-INITIAL_FORMS": "0", "changes-0-kind": "open",
            "changes-0-label": "MSP fictive", "changes-0-facility_kind": "msp",
            "changes-0-lon": lon, "changes-0-lat": lat}  # fmt: skip
    url = reverse("schema:scenario_create", args=[world.draft.pk])

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    point = Scenario.objects.get(name="MSP").changes.get().point
    assert point.x == pytest.approx(world.communes[4].point.x, abs=1e-5)
    assert point.y == pytest.approx(world.communes[4].point.y, abs=1e-5)

    data["name"], data["changes-0-lon"] = "MSP 2", "6,9,5"
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert "un seul séparateur décimal" in refused.content.decode()
    assert not Scenario.objects.filter(name="MSP 2").exists()


def test_the_api_reads_a_comma_and_says_why_it_refuses(world):
    lon, lat = _point_text(world.communes[4])
    client = api_client(world.users["planner"])
    change = {"kind": "open", "label": "MSP fictive", "facility_kind": "msp", "lon": lon,
              "lat": lat}  # fmt: skip
    payload = {"version": world.draft.pk, "name": "MSP", "changes": [change]}

    created = client.post("/api/scenarios/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["changes"][0]["lon"] == pytest.approx(world.communes[4].point.x, abs=1e-5)

    payload["name"], change["lat"] = "MSP 2", "45.7,1"
    refused = client.post("/api/scenarios/", payload, format="json")
    assert refused.status_code == 400
    assert refused.json()["changes"] == {
        "0": {"lat": ["« 45.7,1 » : un seul séparateur décimal (une virgule ou un point)."]}
    }
