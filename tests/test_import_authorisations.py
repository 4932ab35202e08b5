"""``import_authorisations``: the CSV documented in docs/authorisations-csv.md."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from core.importing import ImportFailed
from facilities.importers import import_authorisations
from facilities.models import Authorisation, Facility

pytestmark = pytest.mark.django_db

HEADER = "finess_et;activity;modality;start_date;end_date"


@pytest.fixture(autouse=True)
def registry():
    for number, name in [("010000024", "CH DE FLEYRIAT"), ("010000032", "CH DE BELLEY")]:
        Facility.objects.create(finess_et=number, name=name, source=Facility.Source.MANUAL)


def write(tmp_path: Path, *lines: str, prefix: str = "") -> Path:
    path = tmp_path / "autorisations.csv"
    path.write_text(prefix + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored() -> list[tuple]:
    return list(
        Authorisation.objects.order_by("facility__finess_et", "activity", "modality").values_list(
            "facility__finess_et", "activity", "modality", "start_date", "end_date"
        )
    )


def test_it_imports_codes_and_french_labels_in_both_date_formats(tmp_path):
    path = write(
        tmp_path,
        HEADER,
        "010000024;urgences;smur;2019-06-01;",
        "010000024;Médecine d'urgence;structure des urgences;01/06/2019;",
        "010000024;GYNECOLOGIE-OBSTETRIQUE, NEONATOLOGIE, REANIMATION NEONATALE;"
        "Néonatologie sans soins intensifs;2018-01-15;14/01/2025",
        "10000032;medecine;;2018-01-15;",
    )
    report = import_authorisations(path)

    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert stored() == [
        ("010000024", "obstetrique", "neonatologie", dt.date(2018, 1, 15), dt.date(2025, 1, 14)),
        ("010000024", "urgences", "smur", dt.date(2019, 6, 1), None),
        ("010000024", "urgences", "su", dt.date(2019, 6, 1), None),
        ("010000032", "medecine", "", dt.date(2018, 1, 15), None),
    ]


def test_it_reads_a_comma_separated_file_with_a_bom_and_without_end_date(tmp_path):
    path = write(
        tmp_path,
        "finess_et,activity,modality,start_date",
        '010000024,"Psychiatrie","Psychiatrie de l’enfant et de l\'adolescent",2020-02-01',
        prefix="\ufeff",
    )
    import_authorisations(path)
    assert stored() == [("010000024", "psychiatrie", "infanto_juvenile", dt.date(2020, 2, 1), None)]


def test_a_second_import_changes_nothing_and_a_new_end_date_updates_in_place(tmp_path):
    path = write(tmp_path, HEADER, "010000024;urgences;smur;2019-06-01;")
    import_authorisations(path)
    again = import_authorisations(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)

    ended = import_authorisations(
        write(tmp_path, HEADER, "010000024;urgences;smur;2019-06-01;2030-12-31")
    )
    assert (ended.created, ended.updated, ended.unchanged) == (0, 1, 0)
    assert stored() == [
        ("010000024", "urgences", "smur", dt.date(2019, 6, 1), dt.date(2030, 12, 31))
    ]


def test_the_management_command_imports_the_file(tmp_path, capsys):
    path = write(tmp_path, HEADER, "010000024;urgences;samu;2019-06-01;")
    call_command("import_open_data", "authorisations", str(path))
    assert "1 created" in capsys.readouterr().out
    assert Authorisation.objects.count() == 1


GOOD = "010000024;urgences;smur;2019-06-01;"
BAD_FILES = {
    "unknown-et": ("010999999;urgences;smur;2019-06-01;", "unknown FINESS ET 010999999"),
    "unknown-activity": ("010000024;cardiologie;;2019-06-01;", "unknown activity 'cardiologie'"),
    "unknown-modality": ("010000024;urgences;helicoptere;2019-06-01;", "unknown modality"),
    "modality-not-allowed": ("010000024;urgences;adultes;2019-06-01;", "not allowed"),
    "maternity-type-as-modality": (
        "010000024;obstetrique;type_3;2019-06-01;",
        "a maternity type is not a modality",
    ),
    "end-before-start": ("010000024;urgences;su;2019-06-01;2019-05-31", "before start_date"),
    "bad-date": ("010000024;urgences;su;2019-31-12;", "is not a date"),
    "missing-start": ("010000024;urgences;su;;", "start_date is required"),
    "wrong-field-count": ("010000024;urgences;su;2019-06-01", "4 fields, expected 5"),
    "duplicate": ("010000024;Médecine d'urgence;SMUR;01/06/2019;", "duplicate authorisation"),
}


@pytest.mark.parametrize(("row", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_it_rejects_a_bad_row_naming_its_line_and_writes_nothing(tmp_path, row, reason):
    import_authorisations(write(tmp_path, HEADER, "010000032;medecine;;2018-01-15;"))
    before = stored()

    with pytest.raises(ImportFailed) as failure:
        import_authorisations(write(tmp_path, HEADER, GOOD, row))

    assert failure.value.where == "line 3"
    assert reason in failure.value.reason
    assert failure.value.path == str(tmp_path / "autorisations.csv")
    assert stored() == before


def test_it_rejects_a_file_that_is_not_an_authorisation_csv(open_data):
    path = open_data / "facilities" / "eurostat-gisco-hospitals-aura-2020.csv"
    with pytest.raises(ImportFailed, match="not an authorisation CSV") as failure:
        import_authorisations(path)
    assert failure.value.where == "line 1"


def test_it_rejects_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n010000024;Médecine;;2019-06-01;\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match="not UTF-8") as failure:
        import_authorisations(path)
    assert failure.value.where == "line 2"
    assert not Authorisation.objects.exists()


def test_a_modality_code_wins_over_another_modality_whose_label_reads_the_same(tmp_path):
    # Code "adultes" (psychiatrie générale) vs the label "Adultes" of "adultes_generale".
    import_authorisations(write(tmp_path, HEADER, "010000024;psychiatrie;adultes;2020-01-01;"))
    assert stored() == [("010000024", "psychiatrie", "adultes", dt.date(2020, 1, 1), None)]


MATERNITY_HEADER = "finess_et;activity;modality;start_date;end_date;maternity_type"


def test_a_maternity_type_column_is_kept_only_where_it_agrees_with_the_units(tmp_path):
    """Décrets 98-899/98-900 authorise units; a type column is checked against them."""
    path = write(
        tmp_path,
        MATERNITY_HEADER,
        "010000024;obstetrique;obstetrique;2019-06-01;;2B",
        "010000024;obstetrique;neonatologie_si;2019-06-01;;",
        "010000032;obstetrique;obstetrique;2019-06-01;;1",
    )
    import_authorisations(path)
    assert [(et, m) for et, a, m, *_ in stored() if a == "obstetrique"] == [
        ("010000024", "neonatologie_si"), ("010000024", "obstetrique"),
        ("010000032", "obstetrique"),
    ]  # fmt: skip
    wrong = write(
        tmp_path,
        MATERNITY_HEADER,
        "010000024;urgences;su;2019-06-01;;",
        "010000024;obstetrique;obstetrique;2019-06-01;;3",
        "010000024;obstetrique;neonatologie;2019-06-01;;",
    )
    with pytest.raises(ImportFailed) as failed:
        import_authorisations(wrong)
    assert "line 3" in str(failed.value)
    assert "maternity_type 3 disagrees with the units of 010000024" in str(failed.value)
    assert "type 2A" in str(failed.value)
