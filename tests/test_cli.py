"""``python -m indicators.cli``: real AURA files in, CSV out, and a clear exit 2 on bad input."""

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indicators.cli import main
from indicators.engine import StepWeights, nearest_access, two_step_fca
from indicators.engine.travel import Places
from indicators.engine.travel.crowfly import CrowFly

ENGINE_LINE = re.compile(r"^engine_seconds=\d+\.\d+ pairs=\d+$")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The command as an analyst runs it: a new process without Django settings."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "indicators.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def aura_csvs(open_data, tmp_path_factory) -> tuple[Path, Path]:
    """Communes (point on surface, population) and the 566 GISCO hospitals, as CLI inputs."""
    import geopandas

    folder = tmp_path_factory.mktemp("aura")
    communes = geopandas.read_file(open_data / "geo/communes-aura-cog2026.geojson")
    points = communes.geometry.representative_point()
    origins = folder / "communes.csv"
    with open(origins, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lon", "lat", "population"])
        writer.writerows(
            zip(communes["code"], points.x, points.y, communes["population"], strict=True)
        )
    facilities = folder / "hospitals.csv"
    with open(
        open_data / "facilities/eurostat-gisco-hospitals-aura-2020.csv", encoding="utf-8"
    ) as f:
        rows = list(csv.DictReader(f))
    with open(facilities, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "hospital_name", "lat", "lon"])  # other columns are ignored
        writer.writerows((row["id"], row["hospital_name"], row["lat"], row["lon"]) for row in rows)
    return origins, facilities


def places(rows: list[dict[str, str]]) -> Places:
    return Places(
        np.array([row["id"] for row in rows]),
        np.array([float(row["lon"]) for row in rows]),
        np.array([float(row["lat"]) for row in rows]),
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.open_data
def test_nearest_on_real_aura_communes_and_hospitals(aura_csvs, tmp_path):
    origins, facilities = aura_csvs
    out = tmp_path / "nearest.csv"
    done = run_cli(
        "nearest", "--origins", str(origins), "--facilities", str(facilities), "--out", str(out)
    )

    assert done.returncode == 0, done.stderr
    assert ENGINE_LINE.match(done.stderr.strip())
    assert done.stderr.strip().endswith("pairs=4021")
    rows = read_rows(out)
    assert list(rows[0]) == ["id", "minutes", "nearest_id"]
    assert len(rows) == 4021
    hospital_ids = {row["id"] for row in read_rows(facilities)}
    assert {row["nearest_id"] for row in rows} <= hospital_ids
    minutes = np.array([float(row["minutes"]) for row in rows])
    assert minutes.min() >= 0 and minutes.max() < 90
    lyon = next(row for row in rows if row["id"] == "69123")
    assert float(lyon["minutes"]) < 5
    units, sites = places(read_rows(origins)), places(read_rows(facilities))
    expected = nearest_access(CrowFly(), units, sites, k=1)
    np.testing.assert_array_equal(minutes, expected.first_minutes)  # written losslessly
    assert [row["nearest_id"] for row in rows] == list(sites.ids[expected.first_facility])


@pytest.mark.open_data
def test_2sfca_on_real_aura_equals_the_engine_and_honours_the_options(aura_csvs, tmp_path):
    origins, facilities = aura_csvs
    out = tmp_path / "access.csv"
    done = run_cli(
        "2sfca", "--demand", str(origins), "--supply", str(facilities), "--out", str(out),
        "--max-minutes", "20", "--bands", "10:1,15:0.6667,20:0.3333", "--speed-kmh", "60",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    pairs_printed = int(done.stderr.strip().rsplit("pairs=", 1)[1])
    demand = read_rows(origins)
    units, sites = places(demand), places(read_rows(facilities))
    provider = CrowFly(speed_kmh=60)
    pairs = provider.within(units, sites, 20)
    population = np.array([float(row["population"]) for row in demand])
    expected = two_step_fca(
        pairs, population, np.ones(len(sites)), StepWeights.parse("10:1,15:0.6667,20:0.3333")
    ).access
    rows = read_rows(out)
    assert [row["id"] for row in rows] == list(units.ids)
    np.testing.assert_array_equal([float(row["access"]) for row in rows], expected)
    assert pairs_printed == len(pairs) > 4021


def test_capacity_is_optional_and_defaults_to_one(tmp_path):
    """One unit of 10 inhabitants next to one site: A = capacity / 10."""
    demand = write(tmp_path / "d.csv", "id,lon,lat,population\na,4.8,45.7,10\n")
    out = tmp_path / "out.csv"
    for supply_text, expected in [
        ("id,lon,lat\nh,4.8,45.7\n", 0.1),
        ("id,lon,lat,capacity\nh,4.8,45.7,\n", 0.1),
        ("id,lon,lat,capacity\nh,4.8,45.7,3\n", 0.3),
    ]:
        supply = write(tmp_path / "s.csv", supply_text)
        assert (
            main(["2sfca", "--demand", str(demand), "--supply", str(supply), "--out", str(out)])
            == 0
        )
        assert float(read_rows(out)[0]["access"]) == pytest.approx(expected, rel=1e-15)


HEADER = "id,lon,lat,population\n"
BAD_FILES = {
    "missing column": ("id,lon,population\na,4.8,10\n", r"line 1: missing column\(s\) lat"),
    "non-numeric value": (
        HEADER + "a,4.8,45.7,ten\n",
        r"line 2, column 'population': 'ten' is not a number",
    ),
    "non-numeric lat": (HEADER + "a,4.8,north,10\n", r"line 2, column 'lat': 'north' is not a"),
    "lon out of range": (
        HEADER + "a,4.8,45.7,1\nb,190,45,1\n",
        r"line 3, column 'lon': 190 is out of range \(between -180 and 180\)",
    ),
    "lat out of range": (HEADER + "a,4.8,-91,1\n", r"line 2, column 'lat': -91 is out of range"),
    "negative population": (
        HEADER + "a,4.8,45,-3\n",
        r"line 2, column 'population': -3 is out of range \(>= 0\)",
    ),
    "not finite": (HEADER + "a,4.8,45,nan\n", r"line 2, column 'population': nan is out of"),
    "empty value": (HEADER + "a,4.8,,5\n", r"line 2, column 'lat': empty value"),
    "duplicate ids": (
        HEADER + "a,4.8,45,1\nb,4.9,45,1\na,5,45,1\n",
        r"line 4, column 'id': duplicate id 'a' \(first on line 2\)",
    ),
    "empty file": ("", r"the file is empty"),
    "header only": (HEADER, r"no data rows"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_2sfca_rejects_a_malformed_demand_file_naming_file_line_and_column(case, tmp_path, capsys):
    text, message = BAD_FILES[case]
    demand = write(tmp_path / "demand.csv", text)
    supply = write(tmp_path / "supply.csv", "id,lon,lat,capacity\nh,4.8,45.7,2\n")
    out = tmp_path / "out.csv"

    code = main(["2sfca", "--demand", str(demand), "--supply", str(supply), "--out", str(out)])

    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith(f"error: {demand}: ")
    assert re.search(message, error), error
    assert "engine_seconds" not in error
    assert not out.exists()


def test_a_bad_facilities_file_is_named_too(tmp_path, capsys):
    origins = write(tmp_path / "o.csv", "id,lon,lat\na,4.8,45.7\n")
    facilities = write(tmp_path / "f.csv", "id,lon,lat,capacity\nh,4.8,45.7,lots\n")
    out = tmp_path / "out.csv"
    code = main(
        ["nearest", "--origins", str(origins), "--facilities", str(facilities), "--out", str(out)]
    )
    assert code == 2
    assert (
        f"{facilities}: line 2, column 'capacity': 'lots' is not a number"
        in capsys.readouterr().err
    )


def test_bad_bands_and_provider_settings_exit_with_code_2(tmp_path, capsys):
    demand = write(tmp_path / "d.csv", "id,lon,lat,population\na,4.8,45.7,10\n")
    supply = write(tmp_path / "s.csv", "id,lon,lat\nh,4.8,45.7\n")
    common = [
        "2sfca",
        "--demand",
        str(demand),
        "--supply",
        str(supply),
        "--out",
        str(tmp_path / "o.csv"),
    ]
    assert main([*common, "--bands", "10:1,20"]) == 2
    assert "--bands" in capsys.readouterr().err
    assert main([*common, "--speed-kmh", "0"]) == 2
    assert "speed" in capsys.readouterr().err
    assert main([*common, "--provider", "road"]) == 2
    assert "--osm" in capsys.readouterr().err


def test_a_malformed_file_exits_2_from_the_shell_too(tmp_path):
    demand = write(tmp_path / "d.csv", "id,lon,lat\na,4.8,45.7\n")
    supply = write(tmp_path / "s.csv", "id,lon,lat\nh,4.8,45.7\n")
    done = run_cli(
        "2sfca", "--demand", str(demand), "--supply", str(supply), "--out", str(tmp_path / "o.csv")
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"error: {demand}: line 1: missing column(s) population (header is id,lon,lat)"
    )


@pytest.mark.open_data
def test_nearest_by_road_on_the_real_monaco_extract(open_data, tmp_path):
    """Road times through --osm: never faster than a straight line at 130 km/h."""
    origins = write(
        tmp_path / "o.csv",
        "id,lon,lat,population\nmonaco,7.4246,43.7384,100\nmenton,7.48,43.77,50\n",
    )
    facilities = write(tmp_path / "f.csv", "id,lon,lat\nchpg,7.4206,43.7315\n")
    out = tmp_path / "road.csv"
    osm = open_data / "osm/monaco-alpes-maritimes-2016.osm.pbf"
    done = run_cli(
        "nearest", "--origins", str(origins), "--facilities", str(facilities), "--out", str(out),
        "--provider", "road", "--osm", str(osm),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert ENGINE_LINE.match(done.stderr.strip().splitlines()[-1])
    rows = read_rows(out)
    assert [row["nearest_id"] for row in rows] == ["chpg", "chpg"]
    road = np.array([float(row["minutes"]) for row in rows])
    fastest = nearest_access(CrowFly(detour=1.0, speed_kmh=130), places(read_rows(origins)),
                             places(read_rows(facilities)), k=1).first_minutes  # fmt: skip
    assert np.all(road >= fastest) and np.all(road < 30)
