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
    assert state.missing == [
        {"activity": "obstetrique", "modalities": ["type_1", "type_2a", "type_2b", "type_3"]}
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
    other.authorisations.create(activity="obstetrique", modality="type_1", start_date="2020-01-01")
    tiny["chu"].authorisations.create(
        activity="obstetrique", modality="type_3", start_date="2010-01-01", end_date="2015-01-01"
    )

    assert level_state(seeded("perinatalite", 1), tiny["region"]).state == MISSING


def test_a_run_records_each_state_and_writes_no_value_for_a_missing_level(tiny):
    run = services.run_create(region=tiny["region"], enqueue=False)
    run = services.run_compute(run.pk)

    assert run.status == IndicatorRun.Status.DONE, run.error
    states = {Level.objects.get(pk=int(pk)).code: s["state"] for pk, s in run.level_states.items()}
    assert states == {
        "soins-urgents": COMPUTED,
        "urgences-recours": COMPUTED,
        "regulation-samu": COMPUTED,  # urgences is authorised in the region (SU only)
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
