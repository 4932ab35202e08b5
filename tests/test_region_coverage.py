"""A region with only some of its départements loaded says so wherever its figures appear,
and its tables and maps list only the loaded départements."""

import pytest
from django.urls import reverse
from django.utils import translation

from dashboard.exports.tables import UnitKind, Units, run_metadata, unit_names
from dashboard.territory import find_unit
from indicators import services
from indicators.models import IndicatorRun
from territories.selectors import loaded_departments, region_coverage, region_label
from territories.shapes import department_shapes
from tests.factories import make_commune_grid, make_department, make_region, square

PACA = "Provence-Alpes-Côte d'Azur"
PARTIAL = f"{PACA} — Alpes-Maritimes seulement, 1 département sur 6"
PACA_DEPARTMENTS = [
    ("04", "Alpes-de-Haute-Provence"), ("05", "Hautes-Alpes"), ("06", "Alpes-Maritimes"),
    ("13", "Bouches-du-Rhône"), ("83", "Var"), ("84", "Vaucluse"),
]  # fmt: skip


@pytest.fixture
def paca(db):
    """PACA and its six départements (with polygons), communes in the 06 only."""
    region = make_region("93", PACA)
    departments = {
        code: make_department(code, name, region, geometry=square(i, 5))
        for i, (code, name) in enumerate(PACA_DEPARTMENTS)
    }
    make_commune_grid(3, 2, department=departments["06"])
    return region


def test_a_partial_region_names_its_loaded_departments(paca):
    coverage = region_coverage(paca)
    assert (coverage.loaded, coverage.total, coverage.is_partial) == (("Alpes-Maritimes",), 6, True)
    with translation.override("fr"):
        assert region_label(paca) == PARTIAL
    with translation.override("en"):
        assert region_label(paca) == f"{PACA} — Alpes-Maritimes only, 1 département of 6"


def test_the_label_counts_several_departments_and_is_the_name_when_complete(paca):
    make_commune_grid(1, 1, department=paca.departments.get(code="83"))
    with translation.override("fr"):
        assert region_label(paca) == (
            f"{PACA} — Alpes-Maritimes, Var seulement, 2 départements sur 6"
        )
    aura = make_region("84", "Auvergne-Rhône-Alpes")
    make_commune_grid(1, 1, department=make_department("01", "Ain", aura))
    assert region_label(aura) == "Auvergne-Rhône-Alpes"
    assert region_label(make_region("11", "Île-de-France")) == "Île-de-France"


def test_tables_and_maps_list_only_the_loaded_departments(paca):
    assert list(loaded_departments(paca).values_list("code", flat=True)) == ["06"]
    assert [shape.code for shape in department_shapes(paca)] == ["06"]
    assert unit_names(paca, Units(UnitKind.DEPARTMENT)) == {"06": "Alpes-Maritimes"}
    assert find_unit(paca, "departement", "83", None) is None
    assert find_unit(paca, "departement", "06", None).name == "Alpes-Maritimes"


@pytest.fixture
def chief(client, django_user_model):
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    client.force_login(user)
    return user


def test_the_pages_label_the_region(paca, client, chief):
    with translation.override("fr"):
        home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        index = client.get(reverse("dashboard:index")).content.decode()
        region = client.get(reverse("dashboard:region", args=["93"])).content.decode()
    partial = PARTIAL.replace("'", "&#x27;")
    assert partial in home
    assert partial in index
    assert f"<h1>{partial} — chiffres clés</h1>" in region


def test_the_export_metadata_labels_the_region(paca, chief):
    run = services.run_create(region=paca, enqueue=False)
    run = services.run_compute(run.pk)
    assert run.status == IndicatorRun.Status.DONE, run.error
    with translation.override("fr"):
        metadata = dict(run_metadata(paca, run, {}, chief))
        assert metadata["Région"] == f"93 {PARTIAL}"
        assert unit_names(paca, Units(UnitKind.REGION)) == {"93": PARTIAL}
    assert run.inputs_summary["units"] == 6


def test_the_territory_page_compares_with_the_region_labelled_partial(paca, client, chief):
    """The real demo's 06 page compared the Alpes-Maritimes with a column headed
    "Provence-Alpes-Côte d'Azur": the same figures, for the one département loaded."""
    run = services.run_compute(services.run_create(region=paca, enqueue=False).pk)
    assert run.status == IndicatorRun.Status.DONE, run.error
    commune = paca.departments.get(code="06").communes.order_by("code").first()
    url = reverse("dashboard:territory", args=["93", "commune", commune.code])
    with translation.override("fr"):
        page = client.get(url).content.decode().replace("&#x27;", "'")
    comparison = page.split("Indicateurs comparés")[1].split("</thead>")[0]
    assert PARTIAL in comparison


def test_a_region_with_nothing_loaded_offers_its_import_not_a_run(paca, client, chief):
    """The real demo listed the 24 regions with no commune beside AURA and the 93, and their
    page offered « Lancer un calcul », a run that could only fail."""
    guadeloupe = make_region("01", "Guadeloupe")
    make_department("971", "Guadeloupe", guadeloupe)

    with translation.override("fr"):
        index = client.get(reverse("dashboard:index")).content.decode()
        empty = client.get(reverse("dashboard:region", args=["01"])).content.decode()
        loaded = client.get(reverse("dashboard:region", args=["93"])).content.decode()
    assert "aucune donnée chargée" in index.split("/tableau-de-bord/01/")[1].split("</li>")[0]
    assert "aucune donnée chargée" not in index.split("/tableau-de-bord/93/")[1].split("</li>")[0]
    assert "Aucune donnée chargée pour cette région" in empty
    assert 'class="run-start"' not in empty
    assert "Aucun calcul" in loaded and 'class="run-start"' in loaded
