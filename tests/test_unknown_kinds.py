"""A facility kind that no loaded source lists is "non chargé", never 0: the real-data demo
loads a hospital list (Eurostat GISCO) only, and showed "0" MSP, centres de santé and EHPAD
on the home page and the region dashboards."""

import html

import pytest
from django.urls import reverse

from dashboard.selectors import NOT_IN_HOSPITAL_LISTS, unknown_kinds
from facilities.models import Facility
from indicators import services
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospitals_only(client, django_user_model):
    region = make_region("84")
    commune = make_commune("01001", department=make_department("01", "Ain", region=region))
    Facility.objects.create(
        finess_et="010000001", name="CH", kind="ch", source="gisco", commune=commune,
        point=commune.point,
    )  # fmt: skip
    services.run_compute(services.run_create(region=region, enqueue=False).pk)
    client.force_login(django_user_model.objects.create_superuser("chef", "c@e.org", "pw-c-123"))
    return {"client": client, "commune": commune}


def kind_cells(page: str) -> dict[str, str]:
    table = page.split('kind-counts">')[1].split("</table>")[0]
    cells = {}
    for row in table.split("<tr>")[2:]:
        label = row.split("</span>")[1].split("</td>")[0]
        cells[label] = row.split('class="num">')[1].split("</td>")[0]
    return cells


def test_only_a_hospital_list_leaves_the_other_kinds_unknown(hospitals_only):
    assert unknown_kinds(Facility.objects.all()) == frozenset(NOT_IN_HOSPITAL_LISTS)
    for url in (reverse("home"), reverse("dashboard:region", args=["84"])):
        page = hospitals_only["client"].get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        cells = kind_cells(page)
        assert "non chargé" in cells["EHPAD"] and "non chargé" in cells["Centre de santé"], url
        assert cells["Centre hospitalier"] == "1" and cells["Clinique"] == "0", url
        assert "chargez l'extraction FINESS (import « finess »)" in html.unescape(page), url


def test_a_registry_of_every_kind_makes_a_zero_a_zero(hospitals_only):
    Facility.objects.create(
        finess_et="010000002", name="MSP", kind="msp", source="finess",
        commune=hospitals_only["commune"], point=hospitals_only["commune"].point,
    )  # fmt: skip
    assert unknown_kinds(Facility.objects.all()) == frozenset()
    page = hospitals_only["client"].get(reverse("dashboard:region", args=["84"])).content.decode()
    assert kind_cells(page)["EHPAD"] == "0" and "non chargé" not in page
    assert unknown_kinds(Facility.objects.none()) == frozenset(Facility.Kind.values)
