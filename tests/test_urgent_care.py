"""Urgent care within 30 minutes for a region (issue 11 §3): the run, what it says of the means
it could not count, the page « Accès aux soins urgents » and its candidate MCS, and the
retired levels.

The region is a row of 16 communes (grid cells 0.05° apart, 3.9 km at 45.5° N: 6.1 minutes
each at the default crow-fly ×1.3 at 50 km/h). A structure des urgences sits in cell 0 and an
antenne de médecine d'urgence in cell 7: cells 0–11 are within 30 minutes, 12–15 beyond.
"""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.urls import reverse

from access.models import RegionMembership
from access.services import membership_grant
from facilities.emergency import EmergencyResource
from facilities.models import Facility
from indicators import services as run_services
from indicators import urgent_services
from indicators.urgent_models import UrgentCareRun, UrgentCareValue
from pathways.models import Level
from tests.factories import make_commune, make_department, make_region
from tests.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def row():
    region = make_region("84")
    department = make_department("01", "Ain", region=region)
    communes = [
        make_commune(f"01{i + 1:03d}", col=i, population=100 * (i + 1), department=department)
        for i in range(16)
    ]
    return {"region": region, "communes": communes}


def site(commune, finess, modality, mention=""):
    facility = Facility.objects.create(
        finess_et=finess, name=f"Site {finess}", kind="ch", source="manual", commune=commune,
        point=Point(*commune.point.coords, srid=4326),
    )  # fmt: skip
    facility.authorisations.create(
        activity="urgences", modality=modality, mention=mention, start_date="2020-01-01"
    )
    return facility


@pytest.fixture
def served(row):
    site(row["communes"][0], "010000001", "su")
    site(row["communes"][7], "010000002", "amu")
    # A SMUR pédiatrique serves children only: not counted, even next to the beyond communes.
    site(row["communes"][14], "010000003", "smur", mention="smur_pediatrique")
    return row


def beyond_codes(run):
    return sorted(run.values.filter(beyond=True).values_list("commune__code", flat=True))


def test_the_nearest_means_of_each_commune_and_the_population_beyond(served):
    run = urgent_services.urgent_compute(served["region"].pk)

    assert beyond_codes(run) == ["01013", "01014", "01015", "01016"]
    region = run.group_values.get(unit_kind="region")
    assert region.population == sum(100 * (i + 1) for i in range(16))
    assert region.population_beyond == 1300 + 1400 + 1500 + 1600
    # Without the antenne (outside its opening hours) cells 5–15 are beyond.
    assert region.population_beyond_without_amu == sum(100 * (i + 1) for i in range(5, 16))
    # Cells 0–3 are nearer the SU, 4–15 the antenne (the unreachable count in neither).
    assert region.by_means == {"su": 1000.0, "amu": region.population - 1000.0}
    value = run.values.get(commune__code="01008")
    assert value.means == "amu" and value.minutes < 1 and value.facility.finess_et == "010000002"
    assert run.values.get(commune__code="01001").means == "su"
    department = run.group_values.get(unit_kind="department", unit_code="01")
    assert department.population_beyond == region.population_beyond
    means = run.summary["means"]
    assert means["su"]["counted"] and means["su"]["places"] == 1
    assert means["amu"]["note"] == "aux heures d'ouverture"
    assert not means["smur"]["counted"]  # only a pédiatrique one is loaded
    assert means["smur"]["direction"] == "base → commune"


def test_means_not_loaded_are_said_not_counted_never_zero(served):
    run = urgent_services.urgent_compute(served["region"].pk)

    means = run.summary["means"]
    assert "import_open_data mcs" in means["mcs"]["not_counted"]
    assert "vitesse et délai de décollage" in means["helismur"]["not_counted"]
    assert run.parameters["helismur"] is None
    assert set(run.group_values.get(unit_kind="region").by_means) == {"su", "amu"}


def test_an_mcs_and_a_helismur_with_its_stated_speed_are_counted(served):
    communes = served["communes"]
    EmergencyResource.objects.create(
        kind="mcs", source_id="MCS-01", name="Dr Fictif", commune=communes[14],
        start_date=dt.date(2021, 1, 1),
    )  # fmt: skip
    EmergencyResource.objects.create(  # ended: not counted
        kind="mcs", source_id="MCS-02", name="Dr Parti", commune=communes[15],
        end_date=dt.date(2022, 1, 1),
    )  # fmt: skip
    EmergencyResource.objects.create(
        kind="helismur", source_id="HS-01", name="Base fictive",
        point=Point(communes[15].point.x + 0.5, communes[15].point.y, srid=4326),
    )  # fmt: skip

    run = urgent_services.urgent_compute(
        served["region"].pk, helismur_speed_kmh=240, helismur_takeoff_minutes=10
    )

    assert beyond_codes(run) == []
    assert run.summary["means"]["mcs"]["places"] == 1
    assert run.parameters["helismur"]["speed_kmh"] == 240.0
    assert run.parameters["helismur"]["takeoff_minutes"] == 10.0
    mcs = run.values.get(commune__code="01015")
    assert mcs.means == "mcs" and mcs.resource.source_id == "MCS-01" and mcs.facility is None


def test_a_helismur_speed_without_its_take_off_delay_is_refused(served):
    with pytest.raises(urgent_services.UrgentCareRefused, match="délai de décollage"):
        urgent_services.urgent_compute(served["region"].pk, helismur_speed_kmh=240)
    assert not UrgentCareRun.objects.exists()


def test_a_region_without_any_su_or_smur_authorisation_is_missing_not_zero(row):
    with pytest.raises(urgent_services.UrgentCareRefused, match="données manquantes"):
        urgent_services.urgent_compute(row["region"].pk)
    assert not UrgentCareRun.objects.exists() and not UrgentCareValue.objects.exists()
    with pytest.raises(CommandError, match="données manquantes"):
        call_command("compute_urgent_care", "84")


def test_the_command_prints_the_region_figure(served, capsys):
    call_command("compute_urgent_care", "84")
    out = capsys.readouterr().out
    assert "5800 of 13600 inhabitants beyond 30 min" in out
    assert "mcs: non compté" in out


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def reader(served):
    user = make_user("lecteur")
    membership_grant(user=user, region=served["region"], role=RegionMembership.Role.DIRECTOR)
    return user


def test_the_page_lists_the_communes_beyond_and_the_nearest_means_of_the_others(
    served, reader, client, django_assert_max_num_queries
):
    urgent_services.urgent_compute(served["region"].pk)
    client.force_login(reader)
    url = reverse("indicators:urgent_care", args=["84"])
    client.get(url)

    with django_assert_max_num_queries(14):  # a fixed count, whatever the number of communes
        html = client.get(url).content.decode()

    assert "Accès aux soins urgents" in html
    beyond = html.split('class="urgent urgent-beyond-communes"')[1].split("</table>")[0]
    assert 'data-commune="01016"' in beyond and 'data-commune="01012"' not in beyond
    within = html.split('class="urgent urgent-within-communes"')[1].split("</table>")[0]
    assert "Antenne de médecine d&#x27;urgence — Site 010000002" in within
    assert "aux heures d&#x27;ouverture" in within
    assert "HéliSMUR non compté" in html


def test_a_candidate_mcs_brings_the_communes_it_reaches_within_30_minutes(served, reader, client):
    run = urgent_services.urgent_compute(served["region"].pk)
    result = urgent_services.candidate_mcs(run, served["communes"][14])
    # From cell 14, cells 12–15 are within 4 cells (24.3 min); 10–11 were already within.
    assert [row["code"] for row in result.communes] == ["01013", "01014", "01015", "01016"]
    assert result.population_brought == 5800

    client.force_login(reader)
    url = reverse("indicators:urgent_care", args=["84"])
    html = client.get(url, {"candidat": "01015"}).content.decode()
    assert "amènerait 5800 habitants à moins de 30 minutes" in html
    html = client.get(url, {"candidat": "99999"}).content.decode()
    assert "aucune commune 99999 dans la région" in html


def test_the_page_of_a_region_the_user_may_not_view_is_a_404(served, client):
    urgent_services.urgent_compute(served["region"].pk)
    other = make_user("ailleurs")
    membership_grant(user=other, region=make_region("11", "Île-de-France"), role="analyst")
    client.force_login(other)
    assert client.get(reverse("indicators:urgent_care", args=["84"])).status_code == 404


def test_a_commune_without_population_is_said_not_hidden(served, reader, client):
    served["communes"][3].__class__.objects.filter(code="01004").update(population=None)
    run = urgent_services.urgent_compute(served["region"].pk)
    assert run.summary["communes_without_population"] == ["01004"]
    client.force_login(reader)
    html = client.get(reverse("indicators:urgent_care", args=["84"])).content.decode()
    assert "1 commune sans population chargée" in html and "(01004)" in html


def test_the_page_without_a_run_says_so(served, reader, client):
    client.force_login(reader)
    html = client.get(reverse("indicators:urgent_care", args=["84"])).content.decode()
    assert "Aucun calcul de l'accès aux soins urgents" in html


# --- the retired levels --------------------------------------------------------------------


def test_the_invented_levels_are_retired_with_an_end_date_not_deleted():
    retired = Level.objects.filter(pathway__code="urgences", active=False)
    assert sorted(retired.values_list("code", flat=True)) == [
        "regulation-samu",
        "urgences-recours",
    ]
    assert {level.retired_on for level in retired} == {dt.date(2026, 12, 3)}
    assert all(level.retirement_reason for level in retired)
    assert Level.current.filter(pathway__code="urgences").get().code == "soins-urgents"


def test_new_runs_leave_retired_levels_out_and_refuse_them(served):
    run = run_services.run_create(region=served["region"], enqueue=False)
    assert not run.levels.filter(active=False).exists()
    assert run.levels.filter(code="soins-urgents").exists()
    retired = Level.objects.get(code="regulation-samu")
    with pytest.raises(run_services.RunRefused, match="niveau retiré"):
        run_services.run_create(region=served["region"], levels=[retired], enqueue=False)


def test_the_levels_api_lists_current_levels_and_still_reads_a_retired_one(reader, client):
    client.force_login(reader)
    codes = [level["code"] for level in client.get("/api/niveaux/").json()["results"]]
    assert "soins-urgents" in codes and "urgences-recours" not in codes
    retired = Level.objects.get(code="urgences-recours")
    body = client.get(f"/api/niveaux/{retired.pk}/").json()
    assert body["active"] is False and body["retired_on"] == "2026-12-03"


def test_mcs_imported_from_the_ars_csv_are_counted_from_their_commune(served, tmp_path):
    from facilities.importers_emergency import import_emergency_resources

    path = tmp_path / "mcs-84.csv"
    path.write_text(
        "id;nom;commune;lon;lat;samu;date_debut;date_fin\n"
        "MCS-01-15;Dr Fictif (MCS);01015;;;SAMU 01;2021-01-01;\n",
        encoding="utf-8",
    )
    import_emergency_resources(path, "mcs")

    run = urgent_services.urgent_compute(served["region"].pk)

    assert beyond_codes(run) == []  # cells 12–15 are within 4 cells of cell 14
    value = run.values.get(commune__code="01016")
    assert value.means == "mcs" and value.resource.source_id == "MCS-01-15"
    assert (
        run.summary["means"]["mcs"] | {"places": 1, "counted": True} == run.summary["means"]["mcs"]
    )


def test_a_planner_starts_a_run_from_the_page_with_the_helismur_inputs(served, client):
    planner = make_user("planificateur")
    membership_grant(user=planner, region=served["region"], role=RegionMembership.Role.PLANNER)
    client.force_login(planner)
    url = reverse("indicators:urgent_care_start", args=["84"])

    response = client.post(url, {"helismur_speed_kmh": "", "helismur_takeoff_minutes": "8"})
    assert response.status_code == 400 and not UrgentCareRun.objects.exists()
    assert "ou aucun des deux" in response.content.decode()

    response = client.post(
        url, {"helismur_speed_kmh": "220", "helismur_takeoff_minutes": "8"}, follow=True
    )
    run = UrgentCareRun.objects.get()
    assert run.requested_by == planner and run.parameters["helismur"]["speed_kmh"] == 220.0
    assert f"Calcul n° {run.pk} terminé" in response.content.decode()


def test_a_reader_sees_no_start_form_and_may_not_post(served, reader, client):
    client.force_login(reader)
    html = client.get(reverse("indicators:urgent_care", args=["84"])).content.decode()
    assert "urgent-start" not in html
    response = client.post(reverse("indicators:urgent_care_start", args=["84"]))
    assert response.status_code == 403 and not UrgentCareRun.objects.exists()
