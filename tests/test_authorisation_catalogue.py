"""The one authorisation catalogue (facilities.catalogue) against the texts it comes from
(docs/authorisation-catalogue.md): R6122-25's 21 activities, R6122-26's heavy equipment since
1 June 2023, and the modalities and mentions of the décrets d'implantation."""

import datetime as dt

import pytest

from facilities.activities import catalogue
from facilities.models import Authorisation, AuthorisedActivity, Facility, Mention, Modality

pytestmark = pytest.mark.django_db

REFORM = dt.date(2023, 6, 1)


def test_the_21_activities_of_r6122_25_come_from_that_article():
    activities = AuthorisedActivity.objects.filter(kind="activity")
    assert activities.count() == 21
    assert set(activities.values_list("legal_text__code", flat=True)) == {"csp-r6122-25"}
    assert activities.get(code="medecine_nucleaire").label == "Médecine nucléaire"


def test_tep_and_gamma_cameras_are_no_heavy_equipment_after_2023_06_01():
    before = catalogue(dt.date(2023, 5, 31))
    after = catalogue(REFORM)
    assert before.is_equipment("tep") and before.is_equipment("gamma_camera")
    assert not after.is_equipment("tep") and "gamma_camera" not in after.kinds
    in_force = {code for code, kind in after.kinds.items() if kind == "equipment"}
    assert in_force == {"irm", "scanner", "caisson_hyperbare", "cyclotron"}
    tep = AuthorisedActivity.objects.get(code="tep")
    assert tep.legal_text.code == "decret-2021-1930" and tep.valid_to == dt.date(2023, 5, 31)
    # Médecine nucléaire, which took them in, is authorised with mention A or B.
    assert set(after.mentions[("medecine_nucleaire", "")]) == {"a", "b"}


def test_an_antenne_de_medecine_d_urgence_is_a_modality_of_medecine_d_urgence():
    antenne = Modality.objects.get(code="amu")
    assert antenne.activity.code == "urgences"
    assert antenne.legal_text.code == "decret-2023-1374"
    assert antenne.valid_from == dt.date(2023, 12, 31)
    assert "amu" not in catalogue(REFORM).modalities["urgences"]
    now = catalogue(dt.date(2024, 1, 1))
    assert {"samu", "smur", "su", "amu"} <= set(now.modalities["urgences"])
    assert now.allows("urgences", "amu")
    # The paediatric SMUR and SU are mentions of their modality.
    assert now.allows("urgences", "smur", "smur_pediatrique")
    assert now.allows("urgences", "su", "su_pediatrique")
    assert not now.allows("urgences", "samu", "smur_pediatrique")


def test_modalities_and_mentions_of_the_2022_decrets():
    index = catalogue(REFORM)
    assert {"chirurgie_adulte", "chirurgie_pediatrique", "chirurgie_bariatrique"} == set(
        index.modalities["chirurgie"]
    )
    assert {"adultes", "infanto_juvenile", "perinatale", "soins_sans_consentement"} == set(
        index.modalities["psychiatrie"]
    )
    assert set(index.modalities["soins_critiques"]) == {"adultes", "pediatriques"}
    assert len(index.mentions[("soins_critiques", "adultes")]) == 5
    assert len(index.mentions[("soins_critiques", "pediatriques")]) == 4
    assert set(index.mentions[("had", "")]) == {
        "socle", "readaptation", "ante_post_partum", "enfants_moins_3_ans",
    }  # fmt: skip
    assert len(index.mentions[("smr", "")]) == 11
    assert {"oncologie", "onco_hematologie", "enfants_adolescents", "jeunes_enfants"} <= set(
        index.modalities["smr"]
    )
    assert set(index.modalities["cancer"]) == {
        "chirurgie_oncologique", "radiotherapie", "traitements_systemiques",
    }  # fmt: skip
    # Every row the reform added names its text and the article it comes from.
    reformed = Mention.objects.filter(valid_from__gte=REFORM)
    assert reformed.exists() and not reformed.filter(legal_text__isnull=True).exists()
    assert not reformed.filter(legal_reference="").exists()


def test_rows_the_reform_replaced_are_ended_not_deleted():
    assert "adultes_generale" not in catalogue(REFORM).modalities["chirurgie"]
    # An authorisation granted before the reform still names a row of the catalogue.
    assert catalogue().allows("chirurgie", "adultes_generale")


def test_an_authorisation_keeps_the_code_in_its_column_and_is_a_key_of_the_catalogue():
    facility = Facility.objects.create(finess_et="690000001", name="CH fictif", source="manual")
    authorisation = Authorisation.objects.create(
        facility=facility, activity="urgences", modality="smur", start_date=dt.date(2024, 1, 1)
    )
    equipment = Authorisation.objects.create(
        facility=facility, equipment="irm", start_date=dt.date(2024, 1, 1)
    )
    assert authorisation.activity_id == "urgences"
    assert authorisation.activity.label == "Médecine d'urgence"
    assert equipment.activity_id is None and equipment.equipment.kind == "equipment"
    assert set(
        Authorisation.objects.filter(activity="urgences").values_list("activity", flat=True)
    ) == {"urgences"}
