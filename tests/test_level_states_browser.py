"""The map legend of a level missing an input says so, in headless Chromium (the note is drawn
by dashboard.js from the layer, under the page's CSP)."""

import pytest
from django.contrib.gis.geos import Point

from facilities.models import Facility
from indicators import services
from pathways.models import Level, LevelRequirement, Pathway
from tests.browser import open_browser, session_cookie
from tests.factories import make_commune, make_department, make_region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_legend_of_a_missing_level_names_what_to_load(live_server, client, django_user_model):
    region = make_region("84")
    commune = make_commune("01001", department=make_department("01", "Ain", region=region))
    hospital = Facility.objects.create(
        finess_et="010000001", name="CH", kind="ch", source="manual", commune=commune,
        point=Point(commune.point.x, commune.point.y + 0.05, srid=4326),
    )  # fmt: skip
    hospital.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    pathway = Pathway.objects.create(code="test-etats", name="États (test)")
    emergency = Level.objects.create(pathway=pathway, rank=1, code="su", name="SU")
    LevelRequirement.objects.create(
        level=emergency, activity="urgences", modality="su", access_target_minutes=30
    )
    maternity = Level.objects.create(pathway=pathway, rank=2, code="mat", name="Maternité")
    LevelRequirement.objects.create(
        level=maternity, activity="obstetrique", maternity_type="1", access_target_minutes=45
    )
    run = services.run_create(region=region, levels=[emergency, maternity], enqueue=False)
    assert services.run_compute(run.pk).status == "done"
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    cookie = session_cookie(client, user)

    with open_browser() as session:
        page = session.page
        session.sign_in(live_server.url, cookie)
        page.goto(
            live_server.url
            + f"/tableau-de-bord/84/carte/?indicator=nearest_minutes&level={maternity.pk}"
        )
        page.wait_for_selector("#map-legend .legend-note")
        note = page.inner_text("#map-legend .legend-note")
        legend = page.inner_text("#map-legend li")
        session.assert_no_console_errors()

    assert note.startswith("données manquantes : aucune autorisation de Gynécologie-obstétrique")
    assert "(Maternité de type 1) chargée" in note and "« authorisations »" in note
    assert legend.strip() == "données manquantes"
