"""Compliance of objectives: implantations counted by authorisation (persona world with an
authorisations file the test writes, and the demo region) or by facility kind (real AURA
GISCO hospitals, which carry no authorisation)."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.urls import reverse

from access.services import membership_grant
from facilities.models import Facility
from facilities.selectors import facilities_matching
from sros import services, workflow
from sros.compliance import (
    ABOVE,
    BELOW,
    BY_AUTHORISATION,
    BY_KIND,
    UNKNOWN,
    WITHIN,
    compliance_for,
    objective_compliance,
    status_of,
)
from sros.models import AuthorisedActivity, Schema
from territories.models import Region, Zone, ZoneMembership, Zoning
from territories.services import zoning_create

pytest_plugins = ["tests.personas"]


@pytest.mark.parametrize(
    ("count", "minimum", "maximum", "status"),
    [(0, 1, 2, BELOW), (1, 1, 2, WITHIN), (2, 1, 2, WITHIN), (3, 1, 2, ABOVE), (9, 0, None, WITHIN),
     (None, 1, 2, UNKNOWN)],
)  # fmt: skip
def test_status_compares_the_count_with_the_bounds(count, minimum, maximum, status):
    assert status_of(count, minimum, maximum) == status


def facility(number: str, commune, kind: str = "ch", status: str = "open") -> Facility:
    return Facility.objects.create(
        finess_et=number, name=f"CH fictif {number}", kind=kind, status=status, source="manual",
        commune=commune, point=Point(*commune.point.coords, srid=4326),
    )  # fmt: skip


def test_it_counts_current_authorisations_of_the_modality_in_the_zone(world, tmp_path):
    a1, a2, a3, b1 = world.communes[0], world.communes[1], world.communes[2], world.communes[3]
    facility("690000011", a1)
    facility("690000029", a2)
    facility("690000037", a3)
    facility("690000045", b1)
    facility("690000052", a1, status="closed")
    today = dt.date.today()
    rows = [
        "finess_et;activity;modality;start_date;end_date",
        "690000011;urgences;su;2020-01-01;",
        "690000029;urgences;su;2020-01-01;",
        "690000029;urgences;smur;2020-01-01;",  # same site twice: counted once per modality
        f"690000037;urgences;su;2010-01-01;{today - dt.timedelta(days=1)}",  # ended
        f"690000045;urgences;su;{today + dt.timedelta(days=30)};",  # not yet started
        "690000052;urgences;su;2020-01-01;",  # closed site
    ]
    path = tmp_path / "autorisations.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    call_command("import_open_data", "authorisations", str(path), stdout=StringIO())

    planner, urgences = world.users["planner"], world.activities["urgences"]
    make = lambda zone, modality, lo, hi: services.objective_create(  # noqa: E731
        version=world.draft, user=planner, zone=world.zones[zone], activity=urgences,
        modality=modality, minimum=lo, maximum=hi,
    )  # fmt: skip
    su_a, su_b, smur_a = make("A", "su", 1, 1), make("B", "su", 1, 2), make("A", "smur", 0, 0)
    results = compliance_for([su_a, su_b, smur_a])
    assert (results[su_a.pk].count, results[su_a.pk].status) == (2, ABOVE)
    assert (results[su_b.pk].count, results[su_b.pk].status) == (0, BELOW)
    assert (results[smur_a.pk].count, results[smur_a.pk].status) == (1, ABOVE)
    assert {r.method for r in results.values()} == {BY_AUTHORISATION}
    # Equipment has no count in the facility data: not measurable, never a made-up number.
    irm = services.objective_create(
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities["irm"], minimum=1, maximum=2,
    )  # fmt: skip
    assert objective_compliance(irm).status == UNKNOWN


def test_heavy_equipment_and_mentions_are_counted_per_site(world):
    """As the law counts implantations: an IRM site with three machines is one; an objective on
    a mention counts the sites holding it, one on the modality every site of the modality."""
    from facilities.models import Authorisation

    a1, a2 = world.communes[0], world.communes[1]
    three, one = facility("690000011", a1), facility("690000029", a2)
    start = dt.date(2024, 1, 1)
    for n in range(3):
        Authorisation.objects.create(
            facility=three, equipment="irm", start_date=start, source="finess_extract",
            source_key=f"E:{n}",
        )  # fmt: skip
    Authorisation.objects.create(facility=one, equipment="irm", start_date=start)
    Authorisation.objects.create(
        facility=three, activity="urgences", modality="smur", mention="smur_pediatrique",
        start_date=start,
    )  # fmt: skip
    Authorisation.objects.create(
        facility=one, activity="urgences", modality="smur", start_date=start
    )
    planner = world.users["planner"]
    make = lambda activity, **fields: services.objective_create(  # noqa: E731
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities[activity], minimum=1, maximum=1, **fields,
    )  # fmt: skip
    irm = make("irm")
    smur = make("urgences", modality="smur")
    paediatric = make("urgences", modality="smur", mention="smur_pediatrique")
    results = compliance_for([irm, smur, paediatric])
    assert (results[irm.pk].count, results[irm.pk].method) == (2, BY_AUTHORISATION)
    assert results[smur.pk].count == 2
    assert (results[paediatric.pk].count, results[paediatric.pk].status) == (1, WITHIN)


def test_the_version_page_shows_a_badge_per_objective_and_it_follows_an_edit(world, login_as):
    facility("690000011", world.communes[0], kind="psychiatrie")
    planner = world.users["planner"]
    objective = services.objective_create(
        version=world.draft, user=planner, zone=world.zones["A"],
        activity=world.activities["psychiatrie"], modality="adultes", minimum=2, maximum=3,
    )  # fmt: skip
    client = login_as("analyst")
    url = reverse("schema:version", args=[world.draft.pk])
    page = client.get(url)
    (row_objective, result), = page.context["objectives"]  # fmt: skip
    assert (result.count, result.status, result.method) == (1, BELOW, BY_KIND)
    assert 'data-status="below"' in page.content.decode()
    services.objective_update(objective, lock_version=0, user=planner, minimum=1)
    assert 'data-status="within"' in client.get(url).content.decode()
    # Filters by activity and zone.
    assert client.get(url, {"zone": world.zones["B"].pk}).context["objectives"] == []


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())
    return Region.objects.get(code="99")


def test_compliance_on_the_demo_region_counts_authorisations(demo):
    """load_demo's draft holds an SU objective per zone of the six-zone zoning."""
    draft = Schema.objects.get(region=demo).versions.get(state="draft")
    objectives = list(draft.objectives.filter(activity__code="urgences", modality="su"))
    assert len(objectives) == Zoning.objects.get(region=demo, kind="schema").zones.count()
    results = compliance_for(objectives)
    su_sites = facilities_matching(activity="urgences", modality="su")
    total = 0
    for objective in objectives:
        communes = ZoneMembership.objects.filter(zone=objective.zone).values("commune_id")
        expected = su_sites.filter(commune_id__in=communes).count()
        assert results[objective.pk].count == expected
        assert results[objective.pk].method == BY_AUTHORISATION
        assert results[objective.pk].status == status_of(
            expected, objective.minimum, objective.maximum
        )
        total += expected
    assert total == su_sites.count() > 0  # every demo emergency unit is in one of the six zones


@pytest.mark.open_data
def test_compliance_on_real_aura_hospitals_counts_sites_by_kind(open_data, db):
    from facilities.importers import import_gisco_hospitals
    from territories.importers import import_communes, import_departments, import_regions

    import_regions(open_data / "population/regions-cog2026.json")
    import_departments(open_data / "population/departements-cog2026.json")
    import_communes(open_data / "geo/communes-aura-cog2026.geojson")
    import_gisco_hospitals(open_data / "facilities/eurostat-gisco-hospitals-aura-2020.csv")
    region = Region.objects.get(code="84")
    zones = {}
    for code in ("15", "69"):
        communes = region.departments.get(code=code).communes.values_list("code", flat=True)
        zones[code] = (code, list(communes))
    zoning = zoning_create(region=region, name="Deux départements", kind="schema", zones=zones)
    planner = get_user_model().objects.create_user("aura-planner")
    membership_grant(user=planner, region=region, role="planner")
    draft = workflow.version_new_draft(services.schema_create(region=region), user=planner)
    services.version_set_zoning(version=draft, zoning=zoning, user=planner)
    objectives = {}
    for code, modality in (("psychiatrie", "adultes"), ("urgences", "su"), ("smr", "")):
        for zone in Zone.objects.filter(zoning=zoning):
            objectives[(code, zone.code)] = services.objective_create(
                version=draft, user=planner, zone=zone, modality=modality,
                activity=AuthorisedActivity.objects.get(code=code), minimum=1, maximum=None,
            )  # fmt: skip
    results = compliance_for(objectives.values())
    proxies = {"psychiatrie": ["psychiatrie"], "urgences": ["chu", "ch"], "smr": ["ssr"]}
    counted = 0
    for (code, department), objective in objectives.items():
        expected = Facility.objects.filter(
            status="open", kind__in=proxies[code], commune__department__code=department
        ).count()
        assert results[objective.pk].method == BY_KIND
        assert results[objective.pk].count == expected, (code, department)
        counted += expected
    assert counted > 20  # Rhône alone has dozens of hospitals: the count is not trivially zero
