"""Every pathway level in one of three states (computed, approximated by facility kind,
missing an input), recorded by the run: the rule on a tiny region, what a run does with each
state, and the states on the real Auvergne-Rhône-Alpes files."""

import pytest
from django.contrib.gis.geos import Point

from facilities.models import Facility
from indicators import services
from indicators.models import IndicatorRun, IndicatorValue
from pathways.models import Level, LevelRequirement, Pathway
from pathways.selectors import (
    APPROXIMATED,
    COMPUTED,
    MISSING,
    level_facilities,
    level_state,
    level_states,
    state_sentence,
)
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db


def seeded(pathway: str, rank: int) -> Level:
    return Level.objects.get(pathway__code=pathway, rank=rank)


@pytest.fixture
def tiny():
    """Région 84 with one commune, a CHU and a psychiatric hospital, and one authorisation:
    urgences / SU at the CHU. Obstetrics and psychiatry have none."""
    region = make_region("84")
    commune = make_commune("01001", department=make_department("01", "Ain", region=region))
    point = Point(commune.point.x, commune.point.y + 0.05, srid=4326)
    chu = Facility.objects.create(
        finess_et="010000001", name="CHU", kind="chu", source="manual", commune=commune,
        point=point,
    )  # fmt: skip
    psy = Facility.objects.create(
        finess_et="010000002", name="CHS", kind="psychiatrie", source="manual", commune=commune,
        point=point,
    )  # fmt: skip
    chu.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    return {"region": region, "chu": chu, "psy": psy}


def test_a_level_whose_activity_is_authorised_in_the_region_is_computed(tiny):
    state = level_state(seeded("urgences", 1), tiny["region"])

    assert state.state == COMPUTED and state.missing == [] and state.kinds == []
    assert state_sentence(state.as_json()) == ""


def test_a_level_without_authorisations_but_with_a_facility_kind_is_approximated(tiny):
    tiny["chu"].authorisations.all().delete()
    recourse = seeded("urgences", 2)  # urgences / SU at a CHU

    state = level_state(recourse, tiny["region"])

    assert state.state == APPROXIMATED
    assert state.missing == [{"activity": "urgences", "modalities": ["su"]}]
    assert state.kinds == ["chu"]
    assert list(level_facilities(recourse, absent=state.absent)) == [tiny["chu"]]
    assert list(level_facilities(recourse)) == []  # the rule as written finds none
    sentence = state_sentence(state.as_json())
    assert sentence.startswith("approximation par type d'établissement (CHU / CHR)")
    assert "aucune autorisation de Médecine d'urgence (Structure des urgences) chargée" in sentence


def test_a_level_whose_other_requirement_names_a_kind_is_approximated_by_that_kind(tiny):
    adults = seeded("sante-mentale", 1)  # psychiatrie / adultes, or any psychiatric hospital

    state = level_state(adults, tiny["region"])

    assert state.state == APPROXIMATED and state.kinds == ["psychiatrie"]
    assert list(level_facilities(adults, absent=state.absent)) == [tiny["psy"]]


def test_a_level_without_authorisations_nor_facility_kind_is_missing_and_names_the_file(tiny):
    maternity = seeded("perinatalite", 1)

    state = level_state(maternity, tiny["region"])

    assert state.state == MISSING
    # Maternity levels require a maternity type derived from the units, not a modality.
    assert state.missing == [
        {"activity": "obstetrique", "modalities": [], "maternity_types": ["1", "2a", "2b", "3"]}
    ]
    assert not level_facilities(maternity, absent=state.absent).exists()
    sentence = state_sentence(state.as_json())
    assert sentence.startswith("données manquantes : aucune autorisation de Gynécologie-")
    assert "chargée" in sentence and "« authorisations »" in sentence
    assert "« finess-authorisations »" in sentence and "« finess-plus-activites »" in sentence


def test_the_worst_requirement_wins_and_a_kind_only_requirement_is_computed(tiny):
    pathway = Pathway.objects.create(code="test", name="Test")
    mixed = Level.objects.create(pathway=pathway, rank=1, code="mixed", name="Mixte")
    LevelRequirement.objects.create(level=mixed, facility_kind="ch", access_target_minutes=30)
    kind_only = level_state(mixed, tiny["region"])
    LevelRequirement.objects.create(
        level=mixed, activity="urgences", modality="smur", access_target_minutes=30
    )
    LevelRequirement.objects.create(
        level=mixed, activity="cancer", facility_kind="chu", access_target_minutes=30
    )
    approximated = level_state(mixed, tiny["region"])  # cancer falls back on CHU
    bare = Level.objects.create(pathway=pathway, rank=2, code="bare", name="Sans type")
    LevelRequirement.objects.create(
        level=bare, activity="urgences", modality="su", access_target_minutes=30
    )
    LevelRequirement.objects.create(level=bare, activity="had", access_target_minutes=30)
    missing = level_state(bare, tiny["region"])  # urgences computed, had missing

    assert kind_only.state == COMPUTED
    assert approximated.state == APPROXIMATED and approximated.kinds == ["chu"]
    assert [m["activity"] for m in approximated.missing] == ["cancer"]
    assert missing.state == MISSING
    assert missing.missing == [{"activity": "had", "modalities": []}]
    assert "aucune autorisation de Hospitalisation à domicile chargée" in state_sentence(
        missing.as_json()
    )


def test_an_authorisation_outside_the_region_or_ended_does_not_count(tiny):
    elsewhere = make_commune("38001", department=make_department("38", "Isère"))
    elsewhere.department.region = make_region("93", "PACA")
    elsewhere.department.save()
    other = Facility.objects.create(
        finess_et="380000001", name="Ailleurs", kind="ch", source="manual", commune=elsewhere
    )
    other.authorisations.create(
        activity="obstetrique", modality="obstetrique", start_date="2020-01-01"
    )
    tiny["chu"].authorisations.create(
        activity="obstetrique", modality="obstetrique", start_date="2010-01-01",
        end_date="2015-01-01",
    )  # fmt: skip

    assert level_state(seeded("perinatalite", 1), tiny["region"]).state == MISSING


def test_a_run_records_each_state_and_writes_no_value_for_a_missing_level(tiny):
    run = services.run_create(region=tiny["region"], enqueue=False)
    run = services.run_compute(run.pk)

    assert run.status == IndicatorRun.Status.DONE, run.error
    states = {Level.objects.get(pk=int(pk)).code: s["state"] for pk, s in run.level_states.items()}
    assert states == {
        "soins-urgents": COMPUTED,  # the retired urgences levels are not computed (pathways 0005)
        "maternite": MISSING,
        "maternite-type-2": MISSING,
        "maternite-type-3": MISSING,
        "psychiatrie-adultes": APPROXIMATED,
        "psychiatrie-infanto-juvenile": MISSING,
    }
    missing = Level.objects.filter(code__startswith="maternite")
    assert not IndicatorValue.objects.filter(run=run, level__in=missing).exists()
    per_level = run.inputs_summary["facilities_per_level"]
    assert all(str(level.pk) not in per_level for level in missing)
    adults = seeded("sante-mentale", 1)
    assert per_level[str(adults.pk)] == 1  # the psychiatric hospital, by kind
    share = IndicatorValue.objects.get(
        run=run, unit_kind="region", indicator="share_beyond", level=adults
    )
    assert share.value == 0.0
    assert run.level_states[str(missing[0].pk)]["files"] == [
        "authorisations", "finess-authorisations", "finess-plus-activites"
    ]  # fmt: skip


# --- shown everywhere: pages, map layer, exports, API ---------------------------------------


@pytest.fixture
def shown(tiny, client, django_user_model):
    """The tiny region computed, and an administrator signed in."""
    run = services.run_compute(services.run_create(region=tiny["region"], enqueue=False).pk)
    assert run.status == IndicatorRun.Status.DONE, run.error
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    client.force_login(user)
    return {
        **tiny, "run": run, "client": client, "user": user,
        "maternity": seeded("perinatalite", 1), "adults": seeded("sante-mentale", 1),
    }  # fmt: skip


MISSING_OBSTETRICS = "données manquantes : aucune autorisation de Gynécologie-obstétrique"


def page(shown, name, *args, **params) -> str:
    from django.urls import reverse

    response = shown["client"].get(reverse(f"dashboard:{name}", args=["84", *args]), params)
    assert response.status_code == 200, name
    return response.content.decode()


def test_the_pages_say_which_levels_are_missing_or_approximated(shown):
    import html

    maternity = shown["maternity"]
    region = html.unescape(page(shown, "region"))
    row = region.split(f'<tr data-level="{maternity.pk}">')[1].split("</tr>")[0]
    assert MISSING_OBSTETRICS in row and "« authorisations »" in row
    assert "0 établissement" not in row and "%" not in row
    adults = region.split(f'<tr data-level="{shown["adults"].pk}">')[1].split("</tr>")[0]
    assert "approximation par type d'établissement" in adults
    assert 'class="level-states"' in region  # the banner above every page of the run

    for text in (
        page(shown, "map", level=maternity.pk),
        page(shown, "pathway", "perinatalite"),
        page(shown, "territory", "commune", "01001"),
    ):
        assert MISSING_OBSTETRICS in html.unescape(text)
    territory = html.unescape(page(shown, "territory", "commune", "01001"))
    nearest = territory.split(f'<tr data-level="{maternity.pk}">')[1].split("</tr>")[0]
    assert MISSING_OBSTETRICS in nearest and "non atteint" not in nearest


def test_the_region_page_counts_a_levels_facilities_in_the_region_apart_from_france(
    tiny, client, django_user_model
):
    """The engine reads a level's facilities anywhere in France: the real demo showed the 06
    "(147 établissements)" of psychiatry beside a facility table of 5 (the other 142 in
    AURA). The page says how many are in the region and how many were counted."""
    import html

    from django.urls import reverse

    nice = make_department("06", "Alpes-Maritimes", region=make_region("93"))
    elsewhere = make_commune("06088", department=nice)
    Facility.objects.create(
        finess_et="060000001", name="CHS Nice", kind="psychiatrie", source="manual",
        commune=elsewhere, point=elsewhere.point,
    )  # fmt: skip
    run = services.run_compute(services.run_create(region=tiny["region"], enqueue=False).pk)
    adults = seeded("sante-mentale", 1)
    assert run.inputs_summary["facilities_per_level"][str(adults.pk)] == 2
    assert run.inputs_summary["facilities_per_level_in_region"][str(adults.pk)] == 1

    client.force_login(django_user_model.objects.create_superuser("chef", "c@e.org", "pw-c-123"))
    text = html.unescape(client.get(reverse("dashboard:region", args=["84"])).content.decode())
    row = text.split(f'<tr data-level="{adults.pk}">')[1].split("</tr>")[0]
    assert "(1 établissement dans la région, 2 comptés en France)" in row


def test_the_map_opens_on_the_first_level_with_values(tiny, client, django_user_model):
    """The real demo's map opened on urgences 1, missing (no authorisation loaded): a region
    all grey. With no level asked, the first level that is not missing is shown."""
    from django.urls import reverse

    tiny["chu"].authorisations.all().delete()
    services.run_compute(services.run_create(region=tiny["region"], enqueue=False).pk)
    client.force_login(django_user_model.objects.create_superuser("chef", "c@e.org", "pw-c-123"))
    page = client.get(reverse("dashboard:map", args=["84"])).content.decode()

    # The first level not missing: psychiatrie adultes, approximated by kind (the retired
    # "urgences de recours", approximated by the CHU, came first before pathways 0005).
    recourse = seeded("sante-mentale", 1)
    assert f'<option value="{recourse.pk}" selected>' in page
    asked = seeded("urgences", 1)
    page = client.get(reverse("dashboard:map", args=["84"]), {"level": asked.pk}).content.decode()
    assert f'<option value="{asked.pk}" selected>' in page  # a missing level asked is shown
    for name, args in (("pathway", ["sante-mentale"]), ("territory", ["commune", "01001"])):
        page = client.get(reverse(f"dashboard:{name}", args=["84", *args])).content.decode()
        assert f'<option value="{recourse.pk}" selected>' in page, name


def test_the_map_legend_carries_the_state_of_the_level_shown(shown):
    import json

    from django.urls import reverse

    url = reverse("dashboard:choropleth", args=["84"])
    params = {"units": "communes", "indicator": "nearest_minutes"}
    missing = json.loads(
        shown["client"].get(url, {**params, "level": shown["maternity"].pk}).content
    )["legend"]
    approximated = json.loads(
        shown["client"].get(url, {**params, "level": shown["adults"].pk}).content
    )["legend"]

    assert missing["state"] == MISSING and missing["note"].startswith(MISSING_OBSTETRICS)
    assert missing["entries"] == [{"colour": missing["entries"][0]["colour"],
                                   "label": "données manquantes"}]  # fmt: skip
    assert approximated["state"] == APPROXIMATED
    assert approximated["note"].startswith("approximation par type d'établissement (Psychiatrie)")


def test_the_exports_carry_each_level_state(shown):
    import csv
    import io
    import json

    import openpyxl
    from django.urls import reverse

    from tests.export_fixtures import follow

    def url(extension, **params):
        return (
            reverse("dashboard:export_indicators", args=["84", extension])
            + "?"
            + "&".join(f"{k}={v}" for k, v in params.items())
        )

    client, maternity, adults = shown["client"], shown["maternity"], shown["adults"]
    text = follow(client, url("csv", units="communes")).content.decode("utf-8")[1:]
    under_codes = text.split("\r\n", 1)[1]  # the first header row names, the second codes
    rows = list(csv.DictReader(io.StringIO(under_codes), delimiter=";"))
    states = {(r["level"], r["level_state"]) for r in rows if r["level_id"]}
    assert ("psychiatrie-adultes", APPROXIMATED) in states
    assert ("soins-urgents", COMPUTED) in states
    assert not any(r["level_id"] == str(maternity.pk) for r in rows)

    book = openpyxl.load_workbook(io.BytesIO(follow(client, url("xlsx")).content))
    meta = {r[0]: r[1] for r in book["Métadonnées"].iter_rows(values_only=True) if r[0]}
    assert MISSING_OBSTETRICS in meta[f"Niveau {maternity.pk}"]
    assert "approximation par type d'établissement" in meta[f"Niveau {adults.pk}"]

    layer = json.loads(
        follow(
            client, url("geojson", units="communes", indicator="nearest_minutes",
                        level=maternity.pk)
        ).content
    )  # fmt: skip
    properties = layer["features"][0]["properties"]
    assert properties["level_state"] == MISSING and properties["value"] is None
    assert properties["level_note"].startswith(MISSING_OBSTETRICS)
    assert MISSING_OBSTETRICS in layer["sros_metadata"][f"Niveau {maternity.pk}"]


def test_the_api_gives_each_level_state(shown):
    run, maternity, adults = shown["run"], shown["maternity"], shown["adults"]
    client = shown["client"]

    detail = client.get(f"/api/calculs/{run.pk}/").json()
    assert detail["level_states"][str(maternity.pk)]["state"] == MISSING
    assert detail["level_states"][str(maternity.pk)]["note"].startswith(MISSING_OBSTETRICS)
    assert detail["level_states"][str(adults.pk)]["kinds"] == ["psychiatrie"]
    values = client.get(f"/api/indicateurs/?run={run.pk}&level={adults.pk}").json()["results"]
    assert values and {v["level_state"] for v in values} == {APPROXIMATED}
    population = client.get(f"/api/indicateurs/?run={run.pk}&indicator=population").json()
    assert {v["level_state"] for v in population["results"]} == {None}

    levels = {lv["code"]: lv for lv in client.get("/api/niveaux/?region=84").json()["results"]}
    assert levels["maternite"]["state"] == MISSING
    assert levels["maternite"]["state_note"].startswith(MISSING_OBSTETRICS)
    assert levels["psychiatrie-adultes"]["state"] == APPROXIMATED
    assert (
        levels["soins-urgents"]["state"] == COMPUTED and levels["soins-urgents"]["state_note"] == ""
    )
    plain = client.get("/api/niveaux/").json()["results"]
    assert {lv["state"] for lv in plain} == {None}
    pathway = client.get("/api/filieres/perinatalite/?region=84").json()
    assert {lv["state"] for lv in pathway["levels"]} == {MISSING}


# --- the real Auvergne-Rhône-Alpes files --------------------------------------------------


@pytest.mark.open_data
def test_the_states_of_every_level_on_the_real_aura_files(open_data):
    from opendata.layout import AURA_FILES
    from opendata.registry import importer_for
    from territories.models import Region

    for kind, name in AURA_FILES:
        importer_for(kind)(open_data / name)
    region = Region.objects.get(code="84")
    levels = Level.objects.select_related("pathway").prefetch_related("requirements")

    states = {f"{lv.pathway.code}:{lv.code}": s for lv, s in zip(
        levels, level_states(region, levels).values(), strict=True
    )}  # fmt: skip

    listing = {key: state.state for key, state in states.items()}
    print("\n".join(f"{key}: {state}" for key, state in listing.items()))
    assert listing == {
        "urgences:soins-urgents": MISSING,
        "urgences:urgences-recours": APPROXIMATED,
        "urgences:regulation-samu": MISSING,
        "perinatalite:maternite": MISSING,
        "perinatalite:maternite-type-2": MISSING,
        "perinatalite:maternite-type-3": MISSING,
        "sante-mentale:psychiatrie-adultes": APPROXIMATED,
        "sante-mentale:psychiatrie-infanto-juvenile": MISSING,
    }
    assert states["urgences:urgences-recours"].kinds == ["chu"]
    assert level_facilities(
        seeded("urgences", 2), absent=states["urgences:urgences-recours"].absent
    ).exists()  # the real CHU sites serve it
