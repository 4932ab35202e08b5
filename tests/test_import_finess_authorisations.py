"""The FINESS authorisations extract and the FINESS+ "activités" flow
(``docs/finess-authorisations.md``): lines generated from the documented field tables, and the
verbatim extract of the ANS public example (``tests/fixtures/README.md``)."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.importing import ImportFailed
from facilities import finess_authorisations as fa
from facilities.importers import (
    import_authorisations,
    import_finess_authorisations,
    import_finess_plus_activities,
)
from facilities.models import Authorisation, Facility
from tests.finess_authorisation_lines import activity_line, equipment_line, write_extract

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
VERBATIM = ROOT / "tests" / "fixtures" / "finess-plus-activites-extrait-20260401.json"
SITES = {
    "010000024": "CH DE FLEYRIAT",
    "010000032": "CH DE BELLEY",
    "380780080": "CHU GRENOBLE ALPES",
    "690781810": "HOSPICES CIVILS DE LYON",
    "740781133": "CH ANNECY GENEVOIS",
}


@pytest.fixture()
def sites():
    for number, name in SITES.items():
        Facility.objects.create(finess_et=number, name=name, source=Facility.Source.MANUAL)


def stored(**filters) -> list[tuple]:
    """(site, activity, modality, equipment, end): "" where a key of the catalogue is NULL."""
    rows = (
        Authorisation.objects.filter(**filters)
        .order_by("source_key")
        .values_list("facility__finess_et", "activity", "modality", "equipment", "end_date")
    )
    return [(et, a or "", m, e or "", end) for et, a, m, e, end in rows]


def test_the_documented_field_tables_are_the_ones_read():
    """The docs quote the layout; the reader and the test generator use the same lists."""
    text = (ROOT / "docs" / "finess-authorisations.md").read_text(encoding="utf-8")
    tables = {}
    for tag in ("activiteoffresoin", "equipementmateriellourd"):
        section = text.split(f"<!-- fields:{tag} -->", 1)[1].split("<!-- /fields -->", 1)[0]
        tables[tag] = re.findall(r"^\| *\d+ *\| *`(\w+)`", section, flags=re.MULTILINE)
    assert tables["activiteoffresoin"] == fa.ACTIVITY_FIELDS
    assert tables["equipementmateriellourd"] == fa.EQUIPMENT_FIELDS


def test_it_imports_activities_and_equipment_with_their_official_codes(sites, tmp_path):
    path = write_extract(
        tmp_path / "etalab-autorisations.csv",
        activity_line(),
        activity_line(modalite="26", libmodalite="SMUR", noautor="842200002"),
        activity_line(activite="03", libactivite="Gynécologie, obstétrique", modalite="03",
                      libmodalite="Néonatologie avec soins intensifs", nofinesset="380780080"),
        activity_line(activite="18", libactivite="Traitement du cancer", modalite="91",
                      libmodalite="Chirurgie des cancers", datemeo="", nofinesset="690781810"),
        equipment_line(),
        equipment_line(eml="05602", libeml="Scanographe à utilisation médicale", numserie="S2"),
    )  # fmt: skip
    report = import_finess_authorisations(path)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (6, 0, 0, 0)
    assert report.source_date == dt.date(2026, 5, 12)
    assert report.rows_by_department == {"01": 4, "38": 1, "69": 1}
    assert stored() == [
        ("010000024", "urgences", "su", "", None),
        ("010000024", "urgences", "smur", "", None),
        ("380780080", "obstetrique", "neonatologie_si", "", None),
        ("690781810", "cancer", "", "", None),
        ("010000024", "", "", "scanner", None),
        ("010000024", "", "", "irm", None),
    ]
    su = Authorisation.objects.get(modality="su")
    assert su.source == Authorisation.Source.FINESS_EXTRACT
    assert (su.official_activity_code, su.official_activity_label) == ("14", "Médecine d'urgence")
    assert (su.official_modality_code, su.official_form_code) == ("23", "00")
    assert (su.authorisation_number, su.arhgos_number) == ("842200001", "84-82-00001")
    assert (su.decision_date, su.implementation_date) == (dt.date(2019, 6, 1), dt.date(2019, 7, 1))
    assert su.start_date == dt.date(2019, 7, 1)  # implementation, when known
    neonat = Authorisation.objects.get(activity="obstetrique")
    assert neonat.official_modality_label == "Néonatologie avec soins intensifs"
    cancer = Authorisation.objects.get(activity="cancer")
    assert cancer.start_date == dt.date(2019, 6, 1)  # no datemeo: the decision
    irm = Authorisation.objects.get(equipment="irm")
    assert (irm.official_equipment_code, irm.official_equipment_label) == (
        "06201", "Appareil d'IRM à utilisation clinique",
    )  # fmt: skip

    again = import_finess_authorisations(path)
    assert (again.created, again.updated, again.unchanged, again.ended) == (0, 0, 6, 0)


def test_unknown_codes_are_reported_with_their_line_never_coerced(sites, tmp_path):
    path = write_extract(
        tmp_path / "autorisations.csv",
        activity_line(),
        activity_line(activite="99", noautor="2"),
        activity_line(modalite="98", noautor="3"),
        equipment_line(eml="99999"),
        activity_line(activite="09", libactivite="Traitement des grands brûlés", noautor="4"),
        equipment_line(eml="05706", libeml="Caméra à positons"),
    )
    report = import_finess_authorisations(path)

    assert (report.created, report.rejected) == (1, 3)
    rejected = [m for m in report.messages if m.startswith("rejected")]
    assert rejected == [
        "rejected, line 3: activity code '99' is not in the TRE_R274 nomenclature",
        "rejected, line 4: modality code '98' of activity 14 (Médecine d'urgence) is not in "
        "the mapping table",
        "rejected, line 5: equipment code '99999' is not in the TRE_R272 nomenclature",
    ]
    outside = [m for m in report.messages if "outside the catalogue" in m]
    assert len(outside) == 2 and "09 Traitement des grands brûlés" in outside[1]
    assert "05706" in outside[0]
    assert Authorisation.objects.count() == 1


def test_an_establishment_not_loaded_is_counted_and_named_not_an_error(sites, tmp_path):
    path = write_extract(
        tmp_path / "autorisations.csv",
        activity_line(),
        activity_line(nofinesset="010009999", noautor="7"),
    )
    report = import_finess_authorisations(path)

    assert (report.created, report.rejected) == (1, 0)
    assert report.rows_by_department == {"01": 2}
    [note] = [m for m in report.messages if "non chargé" in m]
    assert "1 authorisation(s) of établissement(s) non chargé(s)" in note
    assert note.endswith("010009999")


def test_a_newer_extract_updates_ends_and_adds_in_the_departements_it_covers(sites, tmp_path):
    first = write_extract(
        tmp_path / "a.csv",
        activity_line(),
        activity_line(modalite="26", noautor="2"),
        activity_line(nofinesset="380780080", noautor="3"),
        activity_line(nofinesset="690781810", noautor="4"),
    )
    import_finess_authorisations(first)
    newer = write_extract(
        tmp_path / "b.csv",
        activity_line(datefin="2030-12-31"),  # updated: an end of validity appears
        activity_line(nofinesset="380780080", noautor="3"),
        activity_line(nofinesset="380780080", modalite="22", noautor="5"),  # added
        # the 01 SMUR is no longer listed: ended; the 69 one is out of scope
        date="2026-07-10",
    )
    report = import_finess_authorisations(newer)

    assert (report.created, report.updated, report.unchanged, report.ended) == (1, 1, 1, 1)
    assert report.rows_by_department == {"01": 1, "38": 2}
    assert stored() == [
        ("010000024", "urgences", "su", "", dt.date(2030, 12, 31)),
        ("010000024", "urgences", "smur", "", dt.date(2026, 7, 10)),
        ("380780080", "urgences", "samu", "", None),
        ("380780080", "urgences", "su", "", None),
        ("690781810", "urgences", "su", "", None),
    ]
    again = import_finess_authorisations(newer)
    assert (again.created, again.updated, again.ended) == (0, 0, 0)


def test_a_file_covering_much_less_than_loaded_needs_full(sites, tmp_path):
    national = write_extract(
        tmp_path / "a.csv",
        *(activity_line(nofinesset=n, noautor=str(i)) for i, n in enumerate(SITES)),
    )
    import_finess_authorisations(national)  # 4 départements: 01, 38, 69, 74
    partial = write_extract(tmp_path / "b.csv", activity_line(noautor="0"), date="2026-08-01")

    with pytest.raises(ImportFailed, match=r"covers 1 of the 4 départements.*--full"):
        import_finess_authorisations(partial)
    assert stored(end_date__isnull=False) == []

    out = StringIO()
    call_command("import_open_data", "finess-authorisations", str(partial), "--full", stdout=out)
    assert "ended: 4" in out.getvalue()
    assert Authorisation.objects.filter(end_date=dt.date(2026, 8, 1)).count() == 4
    with pytest.raises(CommandError, match="--full only applies"):
        call_command("import_open_data", "authorisations", str(partial), "--full")


def test_ars_csv_rows_and_finess_rows_of_the_same_site_stay_apart(sites, tmp_path):
    path = write_extract(tmp_path / "a.csv", activity_line(datemeo=""))
    import_finess_authorisations(path)
    csv = tmp_path / "ars.csv"
    csv.write_text(
        "finess_et;activity;modality;start_date;end_date\n010000024;urgences;su;2019-06-01;\n",
        encoding="utf-8",
    )
    report = import_authorisations(csv)

    assert report.created == 1
    assert sorted(Authorisation.objects.values_list("source", flat=True)) == [
        "ars",
        "finess_extract",
    ]


def test_the_verbatim_finess_plus_example_imports_its_site_authorisation_of_care():
    Facility.objects.create(
        finess_et="010780195", name="CLINIQUE DOCTEUR CONVERT", source=Facility.Source.MANUAL
    )
    report = import_finess_plus_activities(VERBATIM)

    assert report.source_date == dt.date(2026, 4, 1)
    assert report.source_version == "FINESS+ activités v1.0.0"
    assert (report.created, report.rejected) == (1, 0)
    [cancer] = Authorisation.objects.all()
    assert cancer.source == Authorisation.Source.FINESS_PLUS
    assert cancer.source_key == "J:43306"
    assert (cancer.facility.finess_et, cancer.activity_id, cancer.modality) == (
        "010780195", "cancer", "",
    )  # fmt: skip
    assert (cancer.official_activity_code, cancer.official_modality_code) == ("18", "91")
    assert cancer.official_form_code == "00"
    assert cancer.official_activity_label == "Traitement du cancer"
    assert cancer.authorisation_number == "43305"  # the EJ-level authorisation it exercises
    assert (cancer.start_date, cancer.end_date) == (dt.date(2009, 6, 10), None)
    notes = "\n".join(report.messages)
    assert "1 entr(y/ies) not read: ASR activité soumise à reconnaissance contractuelle" in notes
    assert "3 entr(y/ies) not read: ASDR activité sanitaire diverse régulée" in notes
    assert "1 entr(y/ies) not read: ASOCR activité sociale régulée" in notes

    again = import_finess_plus_activities(VERBATIM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_the_flow_ends_what_it_no_longer_lists_and_skips_inactive_entries(tmp_path):
    Facility.objects.create(finess_et="010780195", name="CLINIQUE", source=Facility.Source.MANUAL)
    import_finess_plus_activities(VERBATIM)
    text = VERBATIM.read_text(encoding="utf-8")
    # The same site authorisation, now inactive (etatObjet "I"), a day later.
    later = text.replace("2026-04-01T14:46:05", "2026-04-02T14:46:05").replace(
        '"activiteAeId" : "43306",\n          "etatObjet" : "A"',
        '"activiteAeId" : "43306",\n          "etatObjet" : "I"',
    )
    assert later != text
    path = tmp_path / "finess-activites-20260402.json"
    path.write_text(later, encoding="utf-8")
    report = import_finess_plus_activities(path)

    assert report.ended == 1
    assert stored() == [("010780195", "cancer", "", "", dt.date(2026, 4, 2))]


def test_official_codes_map_to_the_catalogue_units_and_mentions():
    """TRE_R405 units 01–04 of activity 03 become the catalogue's perinatal units (the type
    is derived from them); SMURP is the SMUR modality with its pédiatrique mention."""
    assert fa.activity_target("03", "04") == fa.Target(
        activity="obstetrique", modality="reanimation_neonatale"
    )
    assert fa.activity_target("03", "01").modality == "obstetrique"
    assert fa.activity_target("14", "27") == fa.Target(
        activity="urgences", modality="smur", mention="smur_pediatrique"
    )
    assert fa.activity_target("14", "26").mention == ""
