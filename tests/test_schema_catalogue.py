"""The schema's reference data (activities of art. R6122-25, heavy equipment, volet themes,
initiatives of seed 001), its searchable inventory, and safe rendering of volet Markdown."""

import pytest
from django.urls import reverse

from core.markdown import render_markdown
from sros.models import AuthorisedActivity, Initiative, VoletTheme
from sros.schema_selectors import current_activities, initiative_list

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.personas"]


def test_the_21_activities_of_r6122_25_and_heavy_equipment_are_seeded_as_data():
    activities = AuthorisedActivity.objects.filter(kind="activity")
    assert activities.count() == 21
    assert set(activities.values_list("legal_reference", flat=True)) == {
        "Code de la santé publique, art. R6122-25"
    }
    equipment = set(
        AuthorisedActivity.objects.filter(kind="equipment").values_list("code", flat=True)
    )
    assert {"irm", "scanner", "tep", "caisson_hyperbare", "cyclotron"} <= equipment
    # The activities the imported authorisations carry are counted from them (one code each).
    counted = set(activities.filter(counted_by_registry=True).values_list("code", flat=True))
    assert counted == {
        "urgences", "obstetrique", "psychiatrie", "medecine", "chirurgie", "smr", "sld",
        "soins_critiques", "cancer", "irc", "had", "chirurgie_cardiaque", "cardio_interv",
        "neurochirurgie", "medecine_nucleaire",
    }  # fmt: skip


def test_an_activity_past_its_validity_is_no_longer_offered():
    import datetime as dt

    AuthorisedActivity.objects.filter(code="greffes").update(valid_to=dt.date(2024, 1, 1))
    assert not current_activities(dt.date(2025, 1, 1)).filter(code="greffes").exists()
    assert current_activities(dt.date(2023, 12, 1)).filter(code="greffes").exists()


def test_volet_themes_follow_the_pilot_programme():
    first = list(VoletTheme.objects.filter(phase=1).values_list("code", flat=True))
    assert first == ["sante-mentale", "perinatalite", "urgences"]
    assert set(VoletTheme.objects.filter(phase=2).values_list("code", flat=True)) == {
        "equipements-lourds", "chirurgie",
    }  # fmt: skip
    assert VoletTheme.objects.get(code="urgences").pathway.code == "urgences"


def test_initiatives_of_the_cnom_inventory_are_searchable_and_filterable():
    assert Initiative.objects.count() == 22
    limousin = initiative_list({"q": "montagne limousine"}).get()
    assert limousin.kind == "reseau" and limousin.cost == "Investissement minime."
    telemedicine = initiative_list({"kind": "telemedecine"})
    assert telemedicine.count() == 5
    assert {i.title for i in initiative_list({"department": "56"})} == {
        "Temps partagé hôpital – maison de santé à Belle-Île-en-Mer",
        "Téléconsultation à Coutras et à Belle-Île-en-Mer",
    }
    assert initiative_list({"q": "Cantal"}).get().kind == "terrain_stage"
    # Nothing is invented: no cost unless the source gives one.
    assert Initiative.objects.exclude(cost="").count() == 2


def test_the_initiatives_page_filters(world, login_as):
    page = login_as("director").get(reverse("schema:initiatives"), {"kind": "gcs_ght"})
    assert page.status_code == 200
    assert len(page.context["initiatives"]) == 3
    assert "IRFC" in page.content.decode()


def test_volet_markdown_is_rendered_without_scripts_or_javascript_links():
    html = render_markdown(
        "## Urgences\n\n**30 min** <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> [ARS](https://www.ars.sante.fr)'
    )
    assert "<h2>Urgences</h2>" in html and "<strong>30 min</strong>" in html
    # Raw HTML is shown as text, never as a tag.
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://www.ars.sante.fr"' in html
