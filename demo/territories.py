"""The fictitious region's territories: shape, communes, populations, and their files."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping

REGION_CODE = "99"
REGION_NAME = "Région fictive de démonstration"
CENTRE = (-3.4, 45.6)  # lon, lat: open sea west of the Gironde coast
DEPARTMENTS = [("96", "Valmont (fictif)", (-3.4, 45.7))]  # code, name, seed (lon, lat)
COMMUNE_COUNT = 540
SOURCE_DATE = "2026-01-15"

_ROOTS = [
    "Aub",
    "Bel",
    "Bren",
    "Cham",
    "Cor",
    "Dun",
    "Esc",
    "Fon",
    "Gar",
    "Hau",
    "Jal",
    "Lan",
    "Mar",
    "Mont",
    "Nav",
    "Orb",
    "Pel",
    "Quen",
    "Roc",
    "Sal",
    "Tal",
    "Val",
    "Ver",
    "Vil",
]
_ENDINGS = ["ac", "ay", "ert", "ieux", "ignac", "ille", "on", "ot", "ouze", "y", "elle", "ières"]
_PREFIXES = ["", "", "", "Saint-", "Sainte-", "Le ", "La ", "Les "]
_SUFFIXES = ["", "", "", "", "-sur-Loue", "-les-Bains", "-en-Val", "-le-Haut", "-la-Forêt"]


@dataclass(frozen=True)
class DemoCommune:
    code: str
    name: str
    department: str
    population: int
    polygon: shapely.Polygon
    point: shapely.Point


def make_region_shape(rng: np.random.Generator) -> shapely.Polygon:
    """A smooth irregular blob about 250 km × 220 km (a few random harmonics on the radius)."""
    angles = np.linspace(0, 2 * np.pi, 181)[:-1]
    radius = np.ones_like(angles)
    for k in (2, 3, 5):
        radius += rng.uniform(0.04, 0.10) * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    lon = CENTRE[0] + 1.6 * radius * np.cos(angles)
    lat = CENTRE[1] + 1.0 * radius * np.sin(angles)
    return shapely.Polygon(np.column_stack([lon, lat]).round(5))


def make_communes(region: shapely.Polygon, rng: np.random.Generator) -> list[DemoCommune]:
    seeds = _points_inside(region, COMMUNE_COUNT, rng)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=region, ordered=True)
    polygons = [
        shapely.set_precision(shapely.intersection(cell, region), 1e-5)
        for cell in shapely.get_parts(cells)
    ]
    dept_seeds = np.array([seed for _, _, seed in DEPARTMENTS])
    dept_index = np.argmin(((seeds[:, None, :] - dept_seeds[None]) ** 2).sum(axis=2), axis=1)
    populations = _populations(seeds, dept_seeds, dept_index, rng)
    names = _names(len(seeds), rng)
    communes = []
    for d, (dept_code, _, _) in enumerate(DEPARTMENTS):
        members = np.flatnonzero(dept_index == d)
        # Number communes north to south, then west to east, as the COG roughly does.
        members = members[np.lexsort((seeds[members, 0], -seeds[members, 1]))]
        for number, i in enumerate(members, start=1):
            polygon = polygons[i]
            communes.append(
                DemoCommune(
                    code=f"{dept_code}{number:03d}",
                    name=names[i],
                    department=dept_code,
                    population=int(populations[i]),
                    polygon=polygon,
                    point=polygon.point_on_surface(),
                )
            )
    return communes


def _points_inside(region: shapely.Polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = region.bounds
    found: list[np.ndarray] = []
    while sum(len(f) for f in found) < count:
        candidates = rng.uniform((minx, miny), (maxx, maxy), size=(count, 2))
        found.append(candidates[shapely.contains_xy(region, candidates[:, 0], candidates[:, 1])])
    return np.concatenate(found)[:count].round(5)


def _populations(seeds, dept_seeds, dept_index, rng) -> np.ndarray:
    """Mostly villages (log-normal, median ~450), a city near the département seed (the
    chef-lieu and regional capital), two sub-prefectures and a dozen small towns."""
    populations = np.clip(rng.lognormal(np.log(450), 0.9, len(seeds)), 40, 6000).round()
    towns = rng.choice(len(seeds), size=14, replace=False)
    populations[towns] = rng.integers(5_000, 25_000, size=len(towns))
    populations[towns[:2]] = (62_000, 48_000)
    for d, seed in enumerate(dept_seeds):
        chief = np.argmin(((seeds - seed) ** 2).sum(axis=1) + (dept_index != d) * 1e9)
        populations[chief] = 185_000
    return populations


def _names(count: int, rng: np.random.Generator) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = (
            rng.choice(_PREFIXES)
            + rng.choice(_ROOTS)
            + rng.choice(_ENDINGS)
            + rng.choice(_SUFFIXES)
        )
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _feature(properties: dict, geometry) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_territory_files(directory: Path, region, communes: list[DemoCommune]) -> None:
    chiefs = {}
    for commune in communes:  # the most populated commune of each département is its chef-lieu
        best = chiefs.get(commune.department)
        if best is None or commune.population > best.population:
            chiefs[commune.department] = commune
    capital = max(chiefs.values(), key=lambda c: c.population)
    _write_json(
        directory / "population" / "regions-demo.json",
        [{"code": REGION_CODE, "nom": REGION_NAME, "chefLieu": capital.code}],
    )
    _write_json(
        directory / "geo" / "regions-demo.geojson",
        {
            "type": "FeatureCollection",
            "features": [_feature({"code": REGION_CODE, "nom": REGION_NAME}, region)],
        },
    )
    _write_json(
        directory / "population" / "departements-demo.json",
        [
            {"code": code, "nom": name, "region": REGION_CODE, "chefLieu": chiefs[code].code}
            for code, name, _ in DEPARTMENTS
        ],
    )
    dept_features = []
    for code, name, _ in DEPARTMENTS:
        union = shapely.union_all([c.polygon for c in communes if c.department == code])
        dept_features.append(
            _feature({"code": code, "nom": name}, shapely.set_precision(union, 1e-5))
        )
    _write_json(
        directory / "geo" / "departements-demo.geojson",
        {"type": "FeatureCollection", "features": dept_features},
    )
    _write_json(
        directory / "geo" / "communes-demo.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                _feature(
                    {
                        "code": c.code,
                        "nom": c.name,
                        "departement": c.department,
                        "region": REGION_CODE,
                        "population": c.population,
                    },
                    c.polygon,
                )
                for c in communes
            ],
        },
    )
    _write_population_csv(directory / "population" / "communes-demo.csv", communes)


def _write_population_csv(path: Path, communes: list[DemoCommune]) -> None:
    columns = [
        "code_insee", "nom", "type", "departement", "region", "arrondissement", "population",
        "codes_postaux", "siren", "commune_parente", "anciens_codes",
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for c in communes:
            writer.writerow(
                [
                    c.code,
                    c.name,
                    "commune-actuelle",
                    c.department,
                    REGION_CODE,
                    f"{c.department}1",
                    c.population,
                    "",
                    "",
                    "",
                    "",
                ]  # fmt: skip
            )
