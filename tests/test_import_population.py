"""Population importer (INSEE populations légales CSV) and the import_open_data command."""

import pytest
from django.core.management import CommandError, call_command

from core.importing import ImportFailed
from territories.importers import import_departments, import_population, import_regions
from territories.models import Commune, MunicipalDistrict

pytestmark = [pytest.mark.django_db, pytest.mark.open_data]

AURA_CSV = "population/communes-aura-cog2026.csv"
HEADER = "code_insee,nom,type,departement,region,arrondissement,population,codes_postaux,siren,commune_parente,anciens_codes"  # noqa: E501


@pytest.fixture
def departments(open_data):
    import_regions(open_data / "population/regions-cog2026.json")
    import_departments(open_data / "population/departements-cog2026.json")


def test_it_imports_the_aura_legal_populations(open_data, departments):
    report = import_population(open_data / AURA_CSV, reference_year=2023)

    assert (report.created, report.updated, report.rejected) == (4025 + 9, 0, 0)
    assert Commune.objects.count() == 4025
    assert Commune.objects.get(code="42218").population == 173_136
    assert Commune.objects.get(code="38185").population == 156_140
    lyon = Commune.objects.get(code="69123")
    assert (lyon.population, lyon.population_year) == (519_127, 2023)
    assert sum(Commune.objects.values_list("population", flat=True)) == 8_205_557
    districts = MunicipalDistrict.objects.filter(commune=lyon)
    assert districts.count() == 9
    assert sum(d.population for d in districts) == lyon.population
    assert not Commune.objects.filter(code__startswith="6938").exists()
    assert Commune.objects.get(code="15031").geometry is None


def test_importing_it_twice_changes_nothing(open_data, departments):
    import_population(open_data / AURA_CSV, reference_year=2023)
    report = import_population(open_data / AURA_CSV, reference_year=2023)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4034)


def test_a_new_reference_year_updates_rows_in_place(open_data, departments):
    import_population(open_data / AURA_CSV, reference_year=2022)
    report = import_population(open_data / AURA_CSV, reference_year=2023)
    assert (report.created, report.updated) == (0, 4025)
    assert set(Commune.objects.values_list("population_year", flat=True)) == {2023}


def test_other_row_types_are_skipped_and_counted(departments, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        f"{HEADER}\n"
        "01001,L'Abergement-Clémenciat,commune-actuelle,01,84,012,860,01400,210100012,,\n"
        "01015,Arbignieu,commune-deleguee,01,84,011,500,01300,,,\n"
        "01340,Brénaz,commune-deleguee,01,84,011,50,01260,,,\n",
        encoding="utf-8",
    )
    report = import_population(path)
    assert report.created == 1
    assert report.messages == [
        "2 row(s) of type 'commune-deleguee' skipped (not a current commune)"
    ]
    assert Commune.objects.get().population_year is None


LYON = "69123,Lyon,commune-actuelle,69,84,691,519127,69001,216901231,,"
BAD_FILES = {
    "missing-column": (
        "code_insee,nom,type,departement\n01001,A,commune-actuelle,01\n",
        "",
        "missing column(s) population, commune_parente",
    ),
    "not-an-integer": (
        f"{HEADER}\n{LYON}\n42218,Saint-Étienne,commune-actuelle,42,84,423,173 136,,,,\n",
        "line 3 (code 42218)",
        "'173 136' is not a whole number",
    ),
    "duplicate": (f"{HEADER}\n{LYON}\n{LYON}\n", "line 3 (code 69123)", "duplicate code 69123"),
    "unknown-department": (
        f"{HEADER}\n{LYON}\n96001,Nulle part,commune-actuelle,96,84,,10,,,,\n",
        "line 3 (code 96001)",
        "département 96 is not loaded",
    ),
    "latin-1": (
        f"{HEADER}\n{LYON}\n42218,Saint-Étienne,commune-actuelle,42,84,423,173136,,,,\n".encode(
            "latin-1"
        ),
        "line 3",
        "not UTF-8",
    ),
    "orphan-district": (
        f"{HEADER}\n69381,Lyon 1er,arrondissement-municipal,69,84,,28000,,,69999,\n",
        "line 2 (code 69381)",
        "parent commune 69999",
    ),
    "empty": (f"{HEADER}\n", "", "no data row"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_wrong_file_fails_naming_the_line_and_keeps_previous_data(
    open_data, departments, tmp_path, case
):
    import_population(open_data / AURA_CSV)
    before = sorted(Commune.objects.values_list("code", "name", "population"))
    content, where, reason = BAD_FILES[case]
    path = tmp_path / "population.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    with pytest.raises(ImportFailed) as failure:
        import_population(path)

    assert failure.value.path == str(path)
    assert failure.value.where.startswith(where)
    assert reason in failure.value.reason
    assert sorted(Commune.objects.values_list("code", "name", "population")) == before
    assert MunicipalDistrict.objects.count() == 9


def test_the_command_prints_counts_and_passes_the_year(open_data, departments, capsys):
    call_command("import_open_data", "population", str(open_data / AURA_CSV), "--year", "2023")
    assert "population: 4034 created, 0 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out
    assert Commune.objects.get(code="69123").population_year == 2023

    call_command("import_open_data", "population", str(open_data / AURA_CSV), "--year", "2023")
    assert "0 created, 0 updated, 4034 unchanged" in capsys.readouterr().out


def test_the_command_reports_a_wrong_file_as_a_command_error(departments, tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("code_insee,nom\n01001,A\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"Nothing imported\. .*population\.csv, line 1: missing column\(s\) ty"
    ):
        call_command("import_open_data", "population", str(path))
    assert not Commune.objects.exists()


def test_the_command_refuses_a_year_for_another_kind(open_data):
    with pytest.raises(CommandError, match="--year"):
        call_command(
            "import_open_data", "regions", str(open_data / "population/regions-cog2026.json"),
            "--year", "2023",
        )  # fmt: skip


def test_the_command_imports_commune_polygons(open_data, departments, capsys):
    path = open_data / "geo/communes-2018/communes-43-haute-loire.geojson"
    call_command("import_open_data", "communes", str(path))
    assert "communes: 257 created, 0 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out
