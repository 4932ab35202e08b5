"""The doctors' zoning of a region (issue 11 §2): computed from the APL of its TVS by the rules
of an arrêté version, edited by its planners within the caps, with history, optimistic
locking, the confirmation of an estimate, the page and the annex CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from access.services import membership_grant
from core.locking import ConflictError
from core.maps import number
from indicators.apl_services import UNIT_CONSULTATIONS, UNIT_ETP
from indicators.models import AplRun, AplValue, DreesApl
from sros import doctors_zoning as service
from sros.models import DoctorsZoning, DoctorsZoningEntry, ZoningCap, ZoningMethod
from territories.services import zoning_create
from tests.factories import make_commune, make_department, make_region
from tests.personas import make_user

pytestmark = pytest.mark.django_db

# TVS T1..T5, one commune each: automatic ZIP, vivier (2.5 inclusive), vivier, hors vivier,
# unknown APL. The region has 100,000 inhabitants.
POPULATIONS = [30_000, 10_000, 20_000, 35_000, 5_000]
DREES = [1.9, 2.5, 3.1, 4.2, None]


@pytest.fixture
def world():
    region = make_region("84", "Région d'essai")
    other = make_region("11", "Autre région")
    department = make_department("01", "Ain", region=region)
    make_commune("75056", department=make_department("75", "Paris", region=other))
    communes = [
        make_commune(f"01{i + 1:03d}", col=i, population=p, department=department)
        for i, p in enumerate(POPULATIONS)
    ]
    zoning_create(
        region=region, name="TVS", kind="tvs",
        zones={f"T{i + 1}": (f"TVS {i + 1}", [c.code]) for i, c in enumerate(communes)},
    )  # fmt: skip
    for commune, value in zip(communes, DREES, strict=True):
        if value is not None:
            DreesApl.objects.create(commune=commune, year=2022, value=value, value_under_65=value)
    method = ZoningMethod.objects.get(code="2017-11-13")
    ZoningCap.objects.create(
        method=method, region_code="84", zip_share=0.45, zac_share=0.15, source="essai"
    )
    users = {name: make_user(name) for name in ("planner", "director", "other_planner")}
    membership_grant(user=users["planner"], region=region, role="planner")
    membership_grant(user=users["director"], region=region, role="director")
    membership_grant(user=users["other_planner"], region=other, role="planner")
    return {"region": region, "communes": communes, "method": method, "users": users}


def compute(world) -> DoctorsZoning:
    return service.zoning_compute(world["region"], world["method"], user=world["users"]["planner"])


def categories(zoning: DoctorsZoning) -> dict[str, str]:
    return dict(zoning.entries.values_list("zone__code", "category"))


def move(world, zoning, code, category, lock_version=None):
    zoning.refresh_from_db()
    zone = zoning.entries.get(zone__code=code).zone
    return service.zoning_move(
        zoning.pk, zone_id=zone.pk, category=category, user=world["users"]["planner"],
        lock_version=zoning.lock_version if lock_version is None else lock_version,
    )  # fmt: skip


def test_the_seeded_arretes_cite_their_source_and_only_2017_has_thresholds():
    methods = {m.code: m for m in ZoningMethod.objects.all()}
    assert set(methods) == {"2017-11-13", "2021-10-01", "2025-05-09"}
    assert (methods["2017-11-13"].zip_below, methods["2017-11-13"].pool_up_to) == (2.5, 4.0)
    assert all(m.source for m in methods.values())
    assert not methods["2021-10-01"].usable and not methods["2025-05-09"].usable
    assert service.default_method() == methods["2017-11-13"]


def test_the_automatic_selection_from_the_drees_apl(world):
    zoning = compute(world)
    assert categories(zoning) == {
        "T1": "zip", "T2": "vivier", "T3": "vivier", "T4": "hors_zonage", "T5": "hors_zonage",
    }  # fmt: skip
    t5 = zoning.entries.get(zone__code="T5")
    assert t5.automatic == "apl_manquante" and t5.apl is None
    assert zoning.basis == DoctorsZoning.Basis.DREES and not zoning.needs_confirmation
    assert zoning.entries.get(zone__code="T2").apl_basis == "DREES 2022 (65 ans ou moins)"
    assert zoning.method.code == "2017-11-13" and zoning.region_population == 100_000
    assert zoning.summary["communes_without_apl"] == 1


def test_without_the_under_65_column_the_all_ages_apl_is_read_and_named(world):
    DreesApl.objects.update(value_under_65=None)
    zoning = compute(world)
    t2 = zoning.entries.get(zone__code="T2")
    assert (t2.apl, t2.apl_basis) == (2.5, "DREES 2022 (tous âges)")
    assert zoning.basis == DoctorsZoning.Basis.DREES


def test_a_tvs_mixing_the_drees_apl_and_ours_asks_for_confirmation(world):
    run = estimate(world)
    DreesApl.objects.create(commune=world["communes"][0], year=2022, value=1.9)
    zoning = compute(world)
    assert zoning.basis == DoctorsZoning.Basis.MIXED and zoning.needs_confirmation
    assert zoning.basis_label == f"DREES 2022 (tous âges), calcul #{run.pk}"


def test_a_version_without_thresholds_cannot_zone(world):
    with pytest.raises(service.ZoningRefused, match="seuils"):
        service.zoning_compute(world["region"], ZoningMethod.objects.get(code="2021-10-01"))


@pytest.mark.parametrize("zip_share", [0.0, 0.1, 0.45])
def test_an_automatic_zip_stays_zip_whatever_the_cap(world, zip_share):
    ZoningCap.objects.filter(region_code="84").update(zip_share=zip_share)
    zoning = compute(world)
    assert categories(zoning)["T1"] == "zip"
    state = service.state_of(zoning).cap_states()["zip"]
    assert state.automatic == 30_000
    assert state.automatic_over_cap is (zip_share * 100_000 < 30_000)
    with pytest.raises(service.ZoningRefused, match="sélection nationale"):
        move(world, zoning, "T1", "hors_zonage")
    assert categories(zoning)["T1"] == "zip"
    page = client_of(world, "director").get(page_url()).content.decode()
    assert ('id="zoning-auto-over-cap"' in page) is state.automatic_over_cap


def test_the_ars_additions_never_exceed_the_cap_and_a_refusal_says_by_how_many(world):
    zoning = compute(world)
    move(world, zoning, "T2", "zip")  # 30,000 + 10,000 <= 45,000
    with pytest.raises(service.ZoningRefused) as refused:
        move(world, zoning, "T3", "zip")  # 60,000: 15,000 over
    assert f"de {number(15_000)} habitants" in str(refused.value)
    assert f"plafond : {number(45_000)} habitants" in str(refused.value)
    with pytest.raises(service.ZoningRefused, match="plafond régional de"):
        move(world, zoning, "T3", "zac")  # 20,000 > 15,000
    with pytest.raises(service.ZoningRefused, match="hors vivier"):
        move(world, zoning, "T4", "zac")
    with pytest.raises(service.ZoningRefused, match="pas d'APL connue"):
        move(world, zoning, "T5", "zip")
    assert categories(zoning) == {
        "T1": "zip", "T2": "zip", "T3": "vivier", "T4": "hors_zonage", "T5": "hors_zonage",
    }  # fmt: skip
    states = service.state_of(zoning).cap_states()
    assert states["zip"].total == 40_000 and states["zac"].total == 0


def test_without_a_cap_no_addition_is_accepted(world):
    ZoningCap.objects.all().delete()
    zoning = compute(world)
    with pytest.raises(service.ZoningRefused, match="n'est pas renseigné"):
        move(world, zoning, "T2", "zac")
    move(world, zoning, "T2", "hors_zonage")  # taking out of the pool needs no cap


def test_a_stale_lock_is_refused_and_history_is_kept(world):
    zoning = compute(world)
    stale = zoning.lock_version
    move(world, zoning, "T2", "zac")
    with pytest.raises(ConflictError):
        move(world, zoning, "T3", "hors_zonage", lock_version=stale)
    assert categories(zoning)["T3"] == "vivier"
    move(world, zoning, "T2", "hors_zonage")
    records = DoctorsZoningEntry.history.filter(zone__code="T2").order_by("history_date")
    assert [r.category for r in records] == ["vivier", "zac", "hors_zonage"]
    assert records.last().history_user == world["users"]["planner"]
    assert DoctorsZoning.history.filter(id=zoning.pk).count() == 3  # computed, two moves


def test_recomputing_keeps_the_choices_that_still_hold_and_lists_the_others(world):
    zoning = compute(world)
    move(world, zoning, "T2", "zip")
    move(world, zoning, "T3", "hors_zonage")
    ZoningCap.objects.filter(region_code="84").update(zip_share=0.35)
    zoning = compute(world)
    assert categories(zoning)["T2"] == "vivier"  # 40,000 > 35,000: dropped
    assert categories(zoning)["T3"] == "hors_zonage"  # kept
    assert [d["zone"] for d in zoning.summary["dropped"]] == ["T2"]
    assert "dépasserait le plafond" in zoning.summary["dropped"][0]["reason"]


def estimate(world, unit=UNIT_CONSULTATIONS) -> AplRun:
    DreesApl.objects.all().delete()
    run = AplRun.objects.create(region=world["region"], provider="crow_fly", unit=unit)
    for commune, value in zip(world["communes"], DREES, strict=True):
        AplValue.objects.create(
            run=run, commune=commune, population=commune.population, value=value,
            ages_known=True, estimated_supply=True, incomplete_catchment=False,
        )  # fmt: skip
    return run


def test_a_zoning_on_our_estimate_must_be_confirmed_before_a_choice_is_kept(world):
    run = estimate(world)
    zoning = compute(world)
    assert zoning.basis == DoctorsZoning.Basis.ESTIMATE and zoning.needs_confirmation
    assert zoning.basis_label == f"calcul #{run.pk}"
    with pytest.raises(service.ZoningRefused, match="confirmer"):
        move(world, zoning, "T2", "zac")
    with pytest.raises(ConflictError):
        service.zoning_confirm(zoning.pk, lock_version=zoning.lock_version + 5, user=None)
    service.zoning_confirm(
        zoning.pk, lock_version=zoning.lock_version, user=world["users"]["planner"]
    )
    move(world, zoning, "T2", "zac")
    zoning = compute(world)
    assert zoning.needs_confirmation  # a new computation asks again
    assert "non confirmé" in service.annex_csv(zoning)


def test_an_estimate_in_etp_is_not_read_against_the_arretes_thresholds(world):
    estimate(world, unit=UNIT_ETP)
    zoning = compute(world)
    assert set(zoning.entries.values_list("automatic", flat=True)) == {"apl_manquante"}
    assert zoning.summary["communes_other_unit"] == 4


# --- the page and the annex -------------------------------------------------------------------


def client_of(world, name: str) -> Client:
    client = Client()
    client.force_login(world["users"][name])
    return client


def page_url(name="doctors_zoning"):
    return reverse(f"schema:{name}", kwargs={"region_code": "84"})


def test_readers_see_the_page_planners_edit_it_others_are_refused(world):
    zoning = compute(world)
    reader = client_of(world, "director").get(page_url())
    assert reader.status_code == 200
    text = reader.content.decode()
    assert 'id="zoning-table"' in text and 'data-zone="T1" data-category="zip"' in text
    assert page_url("doctors_zoning_move") not in text and "Classer" not in text
    assert 'id="zoning-layer"' in text and "Arrêté du 13 novembre 2017" in text

    planner = client_of(world, "planner")
    assert "Classer" in planner.get(page_url()).content.decode()
    zone = zoning.entries.get(zone__code="T2").zone
    data = {"zone": zone.pk, "category": "zac", "lock_version": zoning.lock_version}
    assert (
        client_of(world, "director").post(page_url("doctors_zoning_move"), data).status_code == 403
    )
    assert client_of(world, "other_planner").get(page_url()).status_code == 403
    assert (
        client_of(world, "other_planner").post(page_url("doctors_zoning_move"), data).status_code
        == 403
    )
    assert categories(zoning)["T2"] == "vivier"

    answer = planner.post(page_url("doctors_zoning_move"), data)  # 10,000 <= 15,000: ok
    assert answer.status_code == 302 and categories(zoning)["T2"] == "zac"
    data = {"zone": zoning.entries.get(zone__code="T3").zone.pk, "category": "zac",
            "lock_version": zoning.lock_version + 1}  # fmt: skip
    refused = planner.post(page_url("doctors_zoning_move"), data)
    assert refused.status_code == 422
    assert f"de {number(15_000)} habitants" in refused.content.decode()  # 30,000 − 15,000
    data["lock_version"] = zoning.lock_version
    assert planner.post(page_url("doctors_zoning_move"), data).status_code == 409


def test_the_page_says_when_the_zoning_rests_on_our_estimate(world):
    estimate(world)
    compute(world)
    text = client_of(world, "planner").get(page_url()).content.decode()
    assert 'id="zoning-estimate"' in text and "Confirmer le classement" in text
    zoning = DoctorsZoning.objects.get()
    answer = client_of(world, "planner").post(
        page_url("doctors_zoning_confirm"), {"lock_version": zoning.lock_version}
    )
    assert answer.status_code == 302
    zoning.refresh_from_db()
    assert zoning.confirmed_by == world["users"]["planner"] and not zoning.needs_confirmation


def test_the_planner_computes_from_the_page(world):
    client = client_of(world, "planner")
    empty = client.get(page_url()).content.decode()
    assert 'id="zoning-none"' in empty and 'id="zoning-compute"' in empty
    assert (
        client.post(page_url("doctors_zoning_compute"), {"method": "2021-10-01"}).status_code == 422
    )
    assert not DoctorsZoning.objects.exists()
    assert (
        client.post(page_url("doctors_zoning_compute"), {"method": "2017-11-13"}).status_code == 302
    )
    assert DoctorsZoning.objects.get().method.code == "2017-11-13"


def test_the_annex_csv(world):
    zoning = compute(world)
    move(world, zoning, "T2", "zip")
    answer = client_of(world, "director").get(page_url("doctors_zoning_annex"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode()), delimiter=";"))
    assert rows[0] == service.ANNEX_HEADER
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {"T1", "T2", "T3", "T4", "T5"}
    t2 = by_code["T2"]
    assert (t2["communes"], t2["categorie"], t2["population"], t2["apl"]) == (
        "01002", "ZIP", "10000", "2.50",
    )  # fmt: skip
    assert (
        t2["base_apl"] == "DREES 2022 (65 ans ou moins)" and t2["unite_apl"] == UNIT_CONSULTATIONS
    )
    assert t2["arrete"].startswith("Arrêté du 13 novembre 2017")
    assert t2["confirmation"] == "APL publiée par la DREES"
    assert by_code["T5"]["apl"] == "" and by_code["T5"]["categorie"] == "Hors zonage"
    assert (
        client_of(world, "other_planner").get(page_url("doctors_zoning_annex")).status_code == 403
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_colours_each_tvs_by_its_category_in_chromium(world, live_server, client):
    from tests.browser import open_browser, session_cookie
    from tests.test_csp_browser import RECORD_VIOLATIONS, csp_console_errors

    zoning = compute(world)
    move(world, zoning, "T2", "zac")
    expected = {
        "T1": "zip", "T2": "zac", "T3": "vivier", "T4": "hors_zonage", "T5": "apl_manquante",
    }  # fmt: skip
    cookie = session_cookie(client, world["users"]["director"])
    with open_browser() as session:
        page = session.page
        page.add_init_script(RECORD_VIOLATIONS)
        session.sign_in(live_server.url, cookie)
        page.goto(live_server.url + page_url())
        page.wait_for_selector("#zoning-map[data-loaded='5']")
        page.wait_for_selector("path[data-zone='T5']", state="attached")
        drawn = dict(
            page.eval_on_selector_all(
                "path[data-zone]",
                "els => els.map(e => [e.getAttribute('data-zone'), e.getAttribute('data-status')])",
            )
        )
        violations = page.evaluate("window.__cspViolations") + csp_console_errors(session)
    session.assert_no_console_errors()
    session.assert_all_requests_to(live_server.url)
    assert drawn == expected
    assert violations == []
