"""Population by age (INSEE base-cc-evol-struct-pop) and zonings as commune lists: fixtures
generated from the field names of INSEE's dictionary of variables (docs/population-by-age.md)
and of the bassins de vie composition and DREES's TVS file (docs/zonings.md), on real codes
(Lyon and its arrondissements, communes of the Ain)."""

from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from opendata.models import ImportRecord
from territories.models import (
    CommunePopulationByAge,
    FormerCommuneCode,
    Zone,
    ZoneMembership,
    Zoning,
)
from territories.services import zoning_replace_composition
from tests.factories import make_commune, make_department, make_region

pytestmark = pytest.mark.django_db

BANDS = ["POP0014", "POP1529", "POP3044", "POP4559", "POP6074", "POP7589", "POP90P"]
VARIABLES = ["POP", *BANDS, "POPH", "POPF", "F1529", "F3044"]
#: Up to RP 2020, 75 years and over is one band, POP75P.
VARIABLES_RP2020 = [v for v in VARIABLES if v not in ("POP7589", "POP90P")] + ["POP75P"]


def census_file(tmp_path, rows, yy="21", sep=";", variables=VARIABLES, name=None):
    """A base-cc-evol-struct-pop CSV: CODGEO, an earlier year's P15_POP (1 everywhere, never
    read) and the ``P{yy}_`` counts; ``rows`` are (code, values) with values as numbers or as
    the text to write."""
    header = sep.join(["CODGEO", "P15_POP", *[f"P{yy}_{v}" for v in variables]])
    lines = [header] + [sep.join([code, "1", *[str(x) for x in values]]) for code, values in rows]
    path = tmp_path / (name or "base-cc-evol-struct-pop.csv")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_open_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refusal(*args) -> str:
    """The command's error for a refused file (``manage.py`` exits 1 with it)."""
    with pytest.raises(CommandError) as error:
        run(*args)
    message = str(error.value)
    assert message.startswith("Nothing imported. ") and "Traceback" not in message
    return message


def csv_file(tmp_path, name, *lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


# --- Population by age and sex -----------------------------------------------------------------

COUNTS = [100.5, 10, 20, 30, 20, 10, 8, 2.5, 50, 50.5, 7, 9]  # in the order of VARIABLES


def test_arrondissements_are_summed_into_their_commune_and_reimport_changes_nothing(tmp_path):
    make_region()
    make_commune("69123", population=519127)
    path = census_file(tmp_path, [("69381", COUNTS), ("69382", COUNTS)])
    out, err = run("population-age", str(path))
    row = CommunePopulationByAge.objects.get()
    assert (row.year, row.population, row.women_15_44) == (2021, 201.0, 32.0)
    assert row.counts["POP90P"] == 5.0
    assert "2 arrondissement row(s) summed" in err
    out, _err = run("population-age", str(path))
    assert "0 created, 0 updated, 1 unchanged" in out


def test_lyon_arrondissements_are_not_added_to_the_communes_own_row(tmp_path):
    """A file with both 69123 and its arrondissements would count Lyon twice if summed."""
    make_region()
    make_commune("69123", population=519127)
    lyon = [3000, *COUNTS[1:]]
    rows = [("69123", lyon), ("69381", COUNTS), ("69382", COUNTS), ("69389", COUNTS)]
    out, err = run("population-age", str(census_file(tmp_path, rows)))
    row = CommunePopulationByAge.objects.get()
    assert (row.commune.code, row.population, row.counts["POP0014"]) == ("69123", 3000.0, 10.0)
    assert "3 arrondissement row(s) skipped: their commune's own row is in the file" in err
    assert "summed" not in err
    assert "population-age: 1 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert "rows by département: 69: 4" in out  # the file's rows, skipped ones included


def test_a_former_cog_code_is_summed_into_its_commune_nouvelle_and_counted(tmp_path):
    """A file on an older COG: 01340 was absorbed by the commune nouvelle 01015 (its code is
    in the ``anciens_codes`` of the population file, hence FormerCommuneCode); a code of a
    département that is not loaded is skipped and counted, not refused."""
    make_region()
    commune = make_commune("01015", population=700)
    FormerCommuneCode.objects.create(code="01340", commune=commune)
    other = [40, 5, 5, 10, 10, 5, 4, 1, 20, 20, 1, 2]
    rows = [("01015", COUNTS), ("01340", other), ("38185", COUNTS)]
    out, err = run("population-age", str(census_file(tmp_path, rows)))
    row = CommunePopulationByAge.objects.get()
    assert (row.commune.code, row.population, row.women_15_44) == ("01015", 140.5, 19.0)
    assert row.counts["POPF"] == 70.5
    assert "1 row(s) under a former commune code, summed into their current commune" in err
    assert "1 row(s) of départements not loaded skipped (38)" in err
    assert "rows by département: 01: 2" in out


def test_a_code_found_nowhere_is_refused_naming_its_line(tmp_path):
    make_region()
    make_commune("01001")
    path = census_file(tmp_path, [("01001", COUNTS), ("01999", COUNTS)])
    message = refusal("population-age", str(path))
    assert f"{path}, line 3 (code 01999): commune 01999 is found nowhere" in message
    assert not CommunePopulationByAge.objects.exists()


@pytest.mark.parametrize(
    ("yy", "sep", "variables", "written", "population", "women"),
    [
        # RP 2020 layout (POP75P), comma-separated, decimal point
        ("20", ",", VARIABLES_RP2020, ["100.5", "10", "20", "30", "20", "10", "50", "50.5",
                                        "7.25", "9.5", "10.5"], 100.5, 16.75),
        # RP 2021 layout (POP7589 + POP90P), semicolon-separated, decimal comma
        ("21", ";", VARIABLES, ["100,5", "10", "20", "30", "20", "10", "8", "2,5", "50",
                                "50,5", "7,25", "9,5"], 100.5, 16.75),
    ],
    ids=["P20-comma", "P21-semicolon"],
)  # fmt: skip
def test_the_year_prefix_is_read_and_stored_and_women_15_44_is_f1529_plus_f3044(
    tmp_path, yy, sep, variables, written, population, women
):
    make_region()
    make_commune("69123")
    path = census_file(tmp_path, [("69123", written)], yy=yy, sep=sep, variables=variables)
    run("population-age", str(path))
    row = CommunePopulationByAge.objects.get()
    year = 2000 + int(yy)
    assert (row.year, row.population) == (year, population)
    assert row.women_15_44 == women == row.counts["F1529"] + row.counts["F3044"]
    assert set(row.counts) == set(variables) - {"POP"}  # every band kept, without its prefix
    record = ImportRecord.objects.get()
    assert (record.source_date.isoformat(), record.source_version) == (
        f"{year}-01-01",
        f"RP {year}",
    )


def test_the_latest_year_of_the_file_is_the_reference_year(tmp_path):
    """INSEE files carry earlier years' populations too (P15_POP here, P20_POP in a file of
    RP 2021 if a user joins two): the most recent P{yy}_POP is the reference year."""
    make_region()
    make_commune("69123")
    header = ";".join(["CODGEO", "P20_POP", *[f"P21_{v}" for v in VARIABLES]])
    path = csv_file(tmp_path, "pop.csv", header, ";".join(["69123", "999", *map(str, COUNTS)]))
    run("population-age", str(path))
    assert CommunePopulationByAge.objects.values_list("year", "population").get() == (2021, 100.5)


def test_a_second_import_changes_nothing_and_a_changed_count_updates_one_row(tmp_path):
    make_region()
    make_commune("01001", col=0)
    make_commune("01002", col=1)
    rows = [("01001", COUNTS), ("01002", COUNTS)]
    path = census_file(tmp_path, rows)
    run("population-age", str(path))
    before = list(CommunePopulationByAge.objects.order_by("pk").values())
    out, err = run("population-age", str(path))
    assert "population-age: 0 created, 0 updated, 2 unchanged, 0 rejected" in out
    assert list(CommunePopulationByAge.objects.order_by("pk").values()) == before
    changed = [("01001", COUNTS), ("01002", [*COUNTS[:-1], 10])]  # F3044 9 → 10
    out, _err = run("population-age", str(census_file(tmp_path, changed)))
    assert "population-age: 0 created, 1 updated, 1 unchanged, 0 rejected" in out
    assert CommunePopulationByAge.objects.get(commune__code="01002").women_15_44 == 17.0


# --- Zonings ------------------------------------------------------------------------------------

ARS_HEADER = "code_commune;code_zone;libelle_zone"
BV_HEADER = ["CODGEO", "LIBGEO", "BV2022", "LIBBV2022", "DEP", "REG"]
AIN = {"01001": 100, "01002": 200, "01003": 300, "01004": 400}


@pytest.fixture
def ain():
    """Région 84, the Ain and four neighbouring communes of populations 100 to 400."""
    department = make_department("01", "Ain", region=make_region())
    return {
        code: make_commune(code, col=col, population=population, department=department)
        for col, (code, population) in enumerate(AIN.items())
    }


def composition(zoning=None):
    """{zone code: (name, commune codes, population)} of ``zoning`` (the only one if None)."""
    zoning = zoning or Zoning.objects.get()
    return {
        zone.code: (zone.name, set(zone.communes.values_list("code", flat=True)), zone.population)
        for zone in zoning.zones.all()
    }


def bassins_workbook(tmp_path, rows):
    """INSEE's BV2022_au_01-01-2024.xlsx as docs/zonings.md describes it: a first sheet of
    documentation, then ``Composition_communale`` with 5 title lines above the header (row
    6), so the data start on row 7."""
    book = openpyxl.Workbook()
    book.active.title = "Documentation"
    book.active["A1"] = "Base des bassins de vie 2022"
    sheet = book.create_sheet("Composition_communale")
    sheet["A1"] = "Base des bassins de vie 2022 - composition communale"
    sheet["A2"] = "Découpage de la France en bassins de vie au 1er janvier 2024"
    sheet["A4"] = "Source : Insee"
    for number, values in enumerate([BV_HEADER, *rows], start=6):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    path = tmp_path / "BV2022_au_01-01-2024.xlsx"
    book.save(path)
    return path


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


def test_an_ars_commune_list_needs_name_and_kind_and_becomes_a_zoning(tmp_path, ain):
    path = csv_file(
        tmp_path, "zones.csv", ARS_HEADER,
        "01001;Z1;Zone nord", "01002;Z1;Zone nord", "01003;Z2;Zone sud",
    )  # fmt: skip
    message = refusal("zoning", str(path))
    assert f"{path}: a file of the ARS layout needs --name and --kind" in message
    assert not Zoning.objects.exists()

    out, err = run("zoning", str(path), "--name", "Zones du schéma", "--kind", "schema")

    zoning = Zoning.objects.get()
    assert (zoning.region.code, zoning.name, zoning.kind) == ("84", "Zones du schéma", "schema")
    assert composition() == {
        "Z1": ("Zone nord", {"01001", "01002"}, 300),
        "Z2": ("Zone sud", {"01003"}, 300),
    }
    assert all(zone.geometry and zone.geometry.valid for zone in zoning.zones.all())
    assert "zoning: 2 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert "rows by département: 01: 3" in out
    assert "note: zoning 84 « Zones du schéma »: 2 zone(s)" in err
    record = ImportRecord.objects.get(status="done")  # --kind reached the importer
    assert record.options == {"name": "Zones du schéma", "kind": "schema"}


def test_codes_of_another_cog_year_join_their_communes_zone(tmp_path):
    """Lyon's arrondissements and the former code of a commune nouvelle's absorbed commune
    join their commune's zone; two of them in different zones is an error naming both."""
    make_region()
    lyon = make_commune("69123", population=500, col=0)
    nouvelle = make_commune("01015", population=70, col=1)
    FormerCommuneCode.objects.create(code="01340", commune=nouvelle)
    rows = ["69381;L;Lyon", "69382;L;Lyon", "01015;B;Bugey", "01340;B;Bugey"]
    path = csv_file(tmp_path, "zones.csv", ARS_HEADER, *rows)
    out, err = run("zoning", str(path), "--name", "CPTS", "--kind", "cpts")
    assert composition() == {"L": ("Lyon", {"69123"}, 500), "B": ("Bugey", {"01015"}, 70)}
    assert "2 arrondissement(s) read as their commune" in err
    assert "1 former commune code(s) read as their commune" in err
    assert ZoneMembership.objects.filter(commune=lyon).count() == 1

    split = csv_file(tmp_path, "split.csv", ARS_HEADER, *rows[:3], "01340;C;Revermont")
    message = refusal("zoning", str(split), "--name", "CPTS", "--kind", "cpts")
    assert (
        f"{split}, line 5 (code 01340): commune 01015 (listed as 01340 here, 01015 on line 4) "
        "would be in two zones, B and C"
    ) in message
    assert composition()["B"] == ("Bugey", {"01015"}, 70)


def test_the_bassins_de_vie_workbook_is_read_from_its_sheet_below_the_title_lines(tmp_path, ain):
    rows = [
        ("01001", "L'Abergement-Clémenciat", "01053", "Bourg-en-Bresse", "01", "84"),
        ("01002", "L'Abergement-de-Varey", "01053", "Bourg-en-Bresse", "01", "84"),
        ("01003", "Ambérieu-en-Bugey", "01004", "Ambérieu-en-Bugey", "01", "84"),
        ("01004", "Commune hors bassin", "ZZZZZ", "Sans bassin de vie", "01", "84"),
        ("38185", "Grenoble", "38185", "Grenoble", "38", "84"),
    ]
    out, err = run("zoning", str(bassins_workbook(tmp_path, rows)))
    zoning = Zoning.objects.get()
    assert (zoning.kind, zoning.name) == ("living_area", "Bassins de vie 2022")
    assert composition() == {
        "01053": ("Bourg-en-Bresse", {"01001", "01002"}, 300),
        "01004": ("Ambérieu-en-Bugey", {"01003"}, 300),
    }
    assert "1 commune(s) of départements not loaded skipped (38)" in err
    assert "1 commune(s) in no zone (ZZZZZ) skipped" in err
    record = ImportRecord.objects.get()
    assert record.source_version == "Base des bassins de vie 2022 (INSEE)"


@pytest.mark.parametrize(
    ("separator", "code", "label"), [(";", "tvs", "libtvs"), (",", "tv", "libtv")]
)
def test_a_drees_territoires_de_vie_sante_composition_becomes_a_zoning(
    tmp_path, ain, separator, code, label
):
    """The columns DREES's zoning tool reads (docs/zonings.md): depcom, libcom, tv, libtv,
    code_reg, code_dep, libdep, libreg; ``tvs``/``libtvs`` accepted too."""
    header = ["depcom", "libcom", code, label, "code_reg", "code_dep", "libdep", "libreg"]
    rows = [
        ["01001", "L'Abergement-Clémenciat", "01053", "Bourg-en-Bresse", "84", "01", "Ain", "ARA"],
        ["01002", "L'Abergement-de-Varey", "01004", "Ambérieu-en-Bugey", "84", "01", "Ain", "ARA"],
        ["01003", "Ambérieu-en-Bugey", "01004", "Ambérieu-en-Bugey", "84", "01", "Ain", "ARA"],
    ]
    path = csv_file(tmp_path, "tvs.csv", *(separator.join(row) for row in [header, *rows]))
    out, _err = run("zoning", str(path))
    zoning = Zoning.objects.get()
    assert (zoning.kind, zoning.name) == ("tvs", "Territoires de vie-santé")
    assert composition() == {
        "01053": ("Bourg-en-Bresse", {"01001"}, 100),
        "01004": ("Ambérieu-en-Bugey", {"01002", "01003"}, 500),
    }
    assert ImportRecord.objects.get().source_version == "Territoires de vie-santé (DREES)"


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_commune_listed_twice_is_a_line_error_naming_both_lines(tmp_path, ain, form):
    rows = [
        ("01001", "L'Abergement-Clémenciat", "01053", "Bourg-en-Bresse", "01", "84"),
        ("01002", "L'Abergement-de-Varey", "01053", "Bourg-en-Bresse", "01", "84"),
        ("01001", "L'Abergement-Clémenciat", "01004", "Ambérieu-en-Bugey", "01", "84"),
    ]
    if form == "csv":
        path = csv_file(tmp_path, "bv.csv", *(";".join(row) for row in [BV_HEADER, *rows]))
        first, again = 2, 4
    else:
        path = bassins_workbook(tmp_path, rows)
        first, again = 7, 9  # the sheet's row numbers
    message = refusal("zoning", str(path))
    assert (
        f"{path}, line {again} (code 01001): duplicate: commune 01001 listed twice "
        f"(also line {first})"
    ) in message
    assert not Zoning.objects.exists() and not Zone.objects.exists()
    record = ImportRecord.objects.get()
    assert (record.status, record.error_where) == ("failed", f"line {again} (code 01001)")


def test_region_scopes_a_file_whose_communes_are_in_several_regions(tmp_path, ain):
    bfc = make_region("27", "Bourgogne-Franche-Comté")
    cote_dor = make_department("21", "Côte-d'Or", region=bfc)
    make_commune("21001", col=9, population=50, department=cote_dor)
    rows = ["01001;Z1;Val de Saône", "21001;Z1;Val de Saône", "01002;Z2;Bugey"]
    path = csv_file(tmp_path, "zones.csv", ARS_HEADER, *rows)
    flags = ["--name", "Zones", "--kind", "schema"]

    message = refusal("zoning", str(path), *flags)
    assert "the file's communes are in 2 loaded regions (27, 84): name one with --region" in message
    assert "not loaded" in refusal("zoning", str(path), *flags, "--region", "93")
    assert not Zoning.objects.exists()

    _out, err = run("zoning", str(path), *flags, "--region", "84")
    assert composition(Zoning.objects.get(region__code="84")) == {
        "Z1": ("Val de Saône", {"01001"}, 100),
        "Z2": ("Bugey", {"01002"}, 200),
    }
    assert "1 commune(s) of other regions left out" in err

    _out, err = run("zoning", str(path), *flags, "--region", "27")
    assert composition(Zoning.objects.get(region__code="27")) == {
        "Z1": ("Val de Saône", {"21001"}, 50)
    }
    assert "2 commune(s) of other regions left out" in err
    assert Zoning.objects.count() == 2


def test_importing_a_zoning_again_replaces_its_composition_in_one_transaction(tmp_path, ain):
    flags = ["--name", "Zones", "--kind", "schema"]
    first = csv_file(
        tmp_path, "v1.csv", ARS_HEADER, "01001;Z1;Nord", "01002;Z1;Nord", "01003;Z2;Sud"
    )
    run("zoning", str(first), *flags)
    z1 = Zone.objects.get(code="Z1").pk

    second = csv_file(
        tmp_path, "v2.csv", ARS_HEADER, "01001;Z1;Nord", "01002;Z3;Est", "01003;Z3;Est"
    )
    out, err = run("zoning", str(second), *flags)
    assert "zoning: 1 created, 1 updated, 0 unchanged, 0 rejected" in out
    assert "1 zone(s) no longer in the file removed" in err
    replaced = {"Z1": ("Nord", {"01001"}, 100), "Z3": ("Est", {"01002", "01003"}, 500)}
    assert composition() == replaced
    assert Zone.objects.get(code="Z1").pk == z1  # rewritten in place
    out, _err = run("zoning", str(second), *flags)
    assert "zoning: 0 created, 0 updated, 2 unchanged, 0 rejected" in out

    # A refused file (a code found nowhere on its last line) changes nothing…
    bad = csv_file(tmp_path, "v3.csv", ARS_HEADER, "01001;Z4;Tout", "01999;Z4;Tout")
    assert "line 3 (code 01999)" in refusal("zoning", str(bad), *flags)
    assert composition() == replaced
    # …and a composition the database refuses half-way (a commune in two zones, which the
    # importer checks before) leaves no part of it: zones deleted, created, rolled back.
    zoning = Zoning.objects.get()
    with pytest.raises(IntegrityError):
        zoning_replace_composition(
            region=zoning.region,
            name="Zones",
            kind="schema",
            zones={"Z5": ("Cinq", {ain["01001"].pk}), "Z6": ("Six", {ain["01001"].pk})},
        )
    assert composition() == replaced
