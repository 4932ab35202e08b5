"""Population by age (INSEE base-cc-evol-struct-pop) and zonings as commune lists: fixtures
generated from the field names of INSEE's dictionary of variables (docs/population-by-age.md)
and of the bassins de vie composition (docs/zonings.md), on real Lyon codes."""

from io import StringIO

import pytest
from django.core.management import call_command

from territories.models import CommunePopulationByAge, Zone, Zoning
from tests.factories import make_commune, make_region

pytestmark = pytest.mark.django_db

BANDS = ["POP0014", "POP1529", "POP3044", "POP4559", "POP6074", "POP7589", "POP90P"]
VARIABLES = ["POP", *BANDS, "POPH", "POPF", "F1529", "F3044"]


def census_file(tmp_path, rows, yy="21", sep=";"):
    header = sep.join(["CODGEO", "P15_POP", *[f"P{yy}_{v}" for v in VARIABLES]])
    lines = [header] + [sep.join([code, "1", *[str(x) for x in values]]) for code, values in rows]
    path = tmp_path / "base-cc-evol-struct-pop.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_open_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_arrondissements_are_summed_into_their_commune_and_reimport_changes_nothing(tmp_path):
    make_region()
    make_commune("69123", population=519127)
    counts = [100.5, 10, 20, 30, 20, 10, 8, 2.5, 50, 50.5, 7, 9]
    path = census_file(tmp_path, [("69381", counts), ("69382", counts)])
    out, err = run("population-age", str(path))
    row = CommunePopulationByAge.objects.get()
    assert (row.year, row.population, row.women_15_44) == (2021, 201.0, 32.0)
    assert row.counts["POP90P"] == 5.0
    assert "2 arrondissement row(s) summed" in err
    out, _err = run("population-age", str(path))
    assert "0 created, 0 updated, 1 unchanged" in out


def test_a_bassins_de_vie_composition_becomes_a_zoning(tmp_path):
    make_region()
    make_commune("69123", population=500)
    path = tmp_path / "bv.csv"
    path.write_text("CODGEO;LIBGEO;BV2022;LIBBV2022;DEP;REG\n69123;Lyon;69123;Lyon;69;84\n")
    out, _err = run("zoning", str(path))
    zoning = Zoning.objects.get()
    assert (zoning.kind, zoning.name) == ("living_area", "Bassins de vie 2022")
    assert Zone.objects.get().population == 500
    out, _err = run("zoning", str(path))
    assert "0 created, 0 updated, 1 unchanged" in out
