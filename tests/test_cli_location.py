"""``python -m indicators.cli mclp|lscp|pmedian|drop-one`` on the real AURA communes and GISCO
hospitals: the answer equals the engine's, the last stderr line says how it was solved, and bad
input exits 2 with a message."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from indicators.cli import main
from indicators.engine import location
from indicators.engine.travel import Places
from indicators.engine.travel.crowfly import CrowFly
from tests.test_cli import aura_csvs, places, read_rows, run_cli, write  # noqa: F401

SUMMARY = re.compile(
    r"^objective=(?P<objective>[-\d.e+]+) covered=(?P<covered>[-\d.e+]+) "
    r"solver=(?P<solver>highs|greedy) gap=(?P<gap>[-\d.e+inf]+) engine_seconds=\d+\.\d+"
    r"(?: goal_met=(?P<goal_met>True|False))?$"
)


@pytest.fixture(scope="module")
def candidates(aura_csvs, tmp_path_factory) -> Path:  # noqa: F811
    """Every 13th AURA commune's point as a candidate site (309 candidates)."""
    communes = read_rows(aura_csvs[0])
    path = tmp_path_factory.mktemp("candidates") / "candidates.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lon", "lat"])
        writer.writerows((f"c{row['id']}", row["lon"], row["lat"]) for row in communes[::13])
    return path


def engine_inputs(aura_csvs, candidates):  # noqa: F811
    communes = read_rows(aura_csvs[0])
    demand = places(communes)
    population = np.array([float(row["population"]) for row in communes])
    existing, new = places(read_rows(aura_csvs[1])), places(read_rows(candidates))
    sites = Places(
        np.concatenate([existing.ids, new.ids]),
        np.concatenate([existing.lon, new.lon]),
        np.concatenate([existing.lat, new.lat]),
    )
    fixed = np.arange(len(sites)) < len(existing)
    return demand, population, sites, fixed


def summary_of(done) -> dict[str, str]:
    match = SUMMARY.match(done.stderr.strip().splitlines()[-1])
    assert match, done.stderr
    return match.groupdict()


@pytest.mark.open_data
def test_mclp_on_aura_keeps_the_hospitals_and_equals_the_engine(aura_csvs, candidates, tmp_path):  # noqa: F811
    communes, hospitals = aura_csvs
    out = tmp_path / "mclp.csv"
    done = run_cli(
        "mclp", "--demand", str(communes), "--candidates", str(candidates),
        "--existing", str(hospitals), "--max-minutes", "20", "--p", "3", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = summary_of(done)
    chosen = read_rows(out)
    assert list(chosen[0]) == ["id", "added"] and 1 <= len(chosen) <= 3
    assert all(row["id"].startswith("c") for row in chosen)  # only candidates are opened
    demand, population, sites, fixed = engine_inputs(aura_csvs, candidates)
    pairs = CrowFly().within(demand, sites, 20)
    expected = location.mclp(population, pairs, fixed, 3, 20)
    assert float(printed["objective"]) == pytest.approx(expected.objective)
    assert printed["solver"] == "highs" and float(printed["gap"]) == 0.0
    assert [row["id"] for row in chosen] == list(sites.ids[expected.opened])
    base = population[
        np.isin(np.arange(len(population)), pairs.origin[fixed[pairs.destination]])
    ].sum()
    added = sum(float(row["added"]) for row in chosen)
    assert base + added == pytest.approx(float(printed["objective"]))


@pytest.mark.open_data
def test_lscp_and_pmedian_on_aura(aura_csvs, candidates, tmp_path):  # noqa: F811
    communes, hospitals = aura_csvs
    common = ["--demand", str(communes), "--candidates", str(candidates),
              "--existing", str(hospitals)]  # fmt: skip
    lscp_out, pmedian_out = tmp_path / "lscp.csv", tmp_path / "pmedian.csv"
    done = run_cli("lscp", *common, "--max-minutes", "25", "--out", str(lscp_out))
    assert done.returncode == 0, done.stderr
    printed = summary_of(done)
    assert float(printed["objective"]) == len(read_rows(lscp_out)) > 0
    demand, population, sites, fixed = engine_inputs(aura_csvs, candidates)
    expected = location.lscp(population, CrowFly().within(demand, sites, 25), fixed, 25)
    assert float(printed["objective"]) == expected.objective
    assert float(printed["covered"]) == pytest.approx(expected.covered)

    done = run_cli("pmedian", *common, "--max-minutes", "60", "--p", "2", "--out", str(pmedian_out))
    assert done.returncode == 0, done.stderr
    printed = summary_of(done)
    expected = location.pmedian(population, CrowFly().within(demand, sites, 60), fixed, 2)
    assert float(printed["objective"]) == pytest.approx(expected.objective)
    assert len(read_rows(pmedian_out)) == 2


@pytest.mark.open_data
def test_coverage_goal_on_aura_equals_the_engine(aura_csvs, candidates, tmp_path):  # noqa: F811
    communes, hospitals = aura_csvs
    out = tmp_path / "goal.csv"
    done = run_cli(
        "goal", "--demand", str(communes), "--candidates", str(candidates),
        "--existing", str(hospitals), "--max-minutes", "20", "--goal", "99.5",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = summary_of(done)
    demand, population, sites, fixed = engine_inputs(aura_csvs, candidates)
    expected = location.coverage_goal(
        population, CrowFly().within(demand, sites, 20), fixed, 0.995, 20
    )
    assert float(printed["objective"]) == expected.objective == len(read_rows(out))
    assert float(printed["covered"]) == pytest.approx(expected.covered)
    assert printed["goal_met"] == str(expected.goal_met)


@pytest.mark.open_data
def test_drop_one_on_aura_equals_full_recomputes_for_the_most_harmful(aura_csvs, tmp_path):  # noqa: F811
    communes, hospitals = aura_csvs
    out = tmp_path / "drop.csv"
    done = run_cli(
        "drop-one", "--demand", str(communes), "--facilities", str(hospitals),
        "--target-minutes", "30", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.match(r"^sites=566 engine_seconds=\d+\.\d+$", done.stderr.strip())
    rows = read_rows(out)
    assert len(rows) == 566 and [row["rank"] for row in rows[:3]] == ["1", "2", "3"]
    harm = [float(row["population_beyond"]) + float(row["population_losing_reach"]) for row in rows]
    assert harm == sorted(harm, reverse=True) and harm[0] > 0
    demand_rows = read_rows(communes)
    units, sites = places(demand_rows), places(read_rows(hospitals))
    population = np.array([float(row["population"]) for row in demand_rows])
    before = CrowFly().nearest(units, sites, 1)[0][:, 0]
    for row in rows[:5]:
        keep = np.flatnonzero(sites.ids != row["id"])
        after = CrowFly().nearest(units, sites.subset(keep), 1)[0][:, 0]
        crossing = (before <= 30) & (after > 30)
        assert float(row["population_beyond"]) == pytest.approx(population[crossing].sum())
        assert int(row["communes_beyond"]) == np.count_nonzero(crossing)
        mean_after = (population * after).sum() / population.sum()
        assert float(row["mean_minutes_after"]) == pytest.approx(mean_after)


def test_location_commands_refuse_bad_input(tmp_path, capsys):
    demand = write(tmp_path / "d.csv", "id,lon,lat,population\na,5.0,45.0,10\n")
    sites = write(tmp_path / "s.csv", "id,lon,lat\nx,5.01,45.0\n")
    out = str(tmp_path / "out.csv")
    base = ["--demand", str(demand), "--candidates", str(sites), "--out", out]
    assert main(["mclp", *base, "--p", "1"]) == 2
    assert "--max-minutes is required" in capsys.readouterr().err
    assert main(["mclp", *base, "--p", "-1", "--max-minutes", "30"]) == 2
    assert "--p must be" in capsys.readouterr().err
    assert main(["lscp", *base, "--existing", str(sites), "--max-minutes", "30"]) == 2
    assert "'x' is also an existing site" in capsys.readouterr().err
    bad = write(tmp_path / "bad.csv", "id,lon,lat,population\na,5.0,95.0,10\n")
    assert main(["pmedian", "--demand", str(bad), "--candidates", str(sites), "--p", "1",
                 "--out", out]) == 2  # fmt: skip
    assert "line 2, column 'lat'" in capsys.readouterr().err
    assert main(["mclp", *base, "--p", "1", "--max-minutes", "30"]) == 0
    assert read_rows(Path(out)) == [{"id": "x", "added": "10.0"}]
    assert capsys.readouterr().err.startswith("objective=10.0 covered=10.0 solver=highs gap=0.0")
    assert main(["goal", *base, "--goal", "0", "--max-minutes", "30"]) == 2
    assert "--goal must be a percent in (0, 100]" in capsys.readouterr().err
    assert main(["goal", *base, "--goal", "100", "--max-minutes", "30"]) == 0
    assert capsys.readouterr().err.strip().endswith("goal_met=True")
