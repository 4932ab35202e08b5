"""A deterministic FICTITIOUS region for the demo, written as official-format files.

Nothing here is real: the region (code ``99``), its département (``96``), its communes,
inhabitants and facilities are invented, and every name says so. Both codes are well-formed
but used by no real region or département, so the demo can sit beside real data. The region lies
in the Bay of Biscay, where it overlaps no real commune. The files follow the official
layouts (COG JSON, GeoJSON, INSEE population CSV, FINESS cs1100507, authorisations CSV) so
that the demo goes through the very importers that load real data (``sros.open_data``).
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping

from facilities.finess import OPTIONAL_TRAILING_FIELD, STRUCTURE_FIELDS

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


def write_demo_files(directory: Path, seed: int = 2026) -> Path:
    """Write the fictitious region's files under ``directory`` in the open-data layout."""
    rng = np.random.default_rng(seed)
    region = _region_shape(rng)
    communes = _communes(region, rng)
    for sub in ("geo", "population", "facilities", "authorisations"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    _write_territories(directory, region, communes)
    facilities = _facilities(communes)
    _write_finess(directory / "facilities" / "etalab-cs1100507-demo.csv", facilities)
    _write_authorisations(directory / "authorisations" / "authorisations-demo.csv", facilities)
    return directory


# --- territories ------------------------------------------------------------------------------


def _region_shape(rng: np.random.Generator) -> shapely.Polygon:
    """A smooth irregular blob about 250 km × 220 km (a few random harmonics on the radius)."""
    angles = np.linspace(0, 2 * np.pi, 181)[:-1]
    radius = np.ones_like(angles)
    for k in (2, 3, 5):
        radius += rng.uniform(0.04, 0.10) * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    lon = CENTRE[0] + 1.6 * radius * np.cos(angles)
    lat = CENTRE[1] + 1.0 * radius * np.sin(angles)
    return shapely.Polygon(np.column_stack([lon, lat]).round(5))


def _communes(region: shapely.Polygon, rng: np.random.Generator) -> list[DemoCommune]:
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


def _write_territories(directory: Path, region, communes: list[DemoCommune]) -> None:
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


# --- facilities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFacility:
    finess_et: str
    finess_ej: str
    name: str
    category: tuple[str, str, str, str]  # catégorie code, label, aggregate code, label
    public: bool
    commune: DemoCommune
    point: shapely.Point
    authorisations: tuple[tuple[str, str], ...]  # (activity, modality)


# FINESS catégories (code, label, aggregate code, aggregate label) of the kinds we model.
CHR = ("101", "Centre Hospitalier Régional (C.H.R.)", "1101", "Centres Hospitaliers Régionaux")
CH = ("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers")
CLINIC = (
    "365", "Etablissement de Soins Pluridisciplinaire", "1106", "Autres Etablissements de Soins"
)  # fmt: skip
CHS = (
    "292", "Centre Hospitalier Spécialisé lutte Maladies Mentales",
    "1103", "Etablissements de Lutte contre les Maladies Mentales",
)  # fmt: skip
SSR = (
    "109", "Etablissement de Soins de Suite et de Réadaptation",
    "1106", "Autres Etablissements de Soins",
)  # fmt: skip
MSP = ("603", "Maison de santé (L.6223-3)", "2204", "Maisons de Santé")
HEALTH_CENTRE = ("124", "Centre de Santé", "2202", "Centres de Santé")
EHPAD = (
    "500", "Etablissement d'hébergement pour personnes âgées dépendantes",
    "4401", "Etablissements et Services pour Personnes Agées",
)  # fmt: skip
DIALYSIS = (
    "146", "Structure d'Alternative à la dialyse en centre",
    "1203", "Autres Etablissements Sanitaires",
)  # fmt: skip

EMERGENCY = (("urgences", "su"), ("urgences", "smur"))


def _facilities(communes: list[DemoCommune]) -> list[DemoFacility]:
    """Facilities placed by town size: CHU in the capital, CH and cliniques in towns, MSP and
    EHPAD across villages; authorisations cover every level of the seeded pathways."""
    by_size = sorted(communes, key=lambda c: (-c.population, c.code))
    capital, chiefs, towns = by_size[0], by_size[1:3], by_size[3:15]
    villages = by_size[15:]
    specs: list[tuple[tuple, bool, DemoCommune, tuple]] = [
        (
            CHR,
            True,
            capital,
            EMERGENCY
            + (
                ("urgences", "samu"),
                ("urgences", "su_pediatrique"),
                ("obstetrique", "type_3"),
                ("psychiatrie", "adultes"),
                ("chirurgie", ""),
            ),
        ),  # fmt: skip
        (
            CLINIC,
            False,
            capital,
            (("urgences", "su"), ("obstetrique", "type_1"), ("chirurgie", "")),
        ),
        (CHS, True, capital, (("psychiatrie", "adultes"), ("psychiatrie", "infanto_juvenile"))),
        (HEALTH_CENTRE, False, capital, ()),
        (DIALYSIS, False, capital, (("irc", ""),)),
    ]
    for i, chief in enumerate(chiefs):
        maternity = "type_2b" if i == 0 else "type_2a"
        specs += [
            (CH, True, chief, EMERGENCY + (("obstetrique", maternity), ("psychiatrie", "adultes"))),
            (CLINIC, False, chief, (("chirurgie", ""),)),
            (CHS, True, chief, (("psychiatrie", "infanto_juvenile"),)),
            (SSR, False, chief, (("smr", ""),)),
        ]
    for i, town in enumerate(towns):
        if i % 3 == 0:
            specs.append((CH, True, town, EMERGENCY + (("obstetrique", "type_1"),)))
        elif i % 3 == 1:
            specs.append((CH, True, town, (("urgences", "smur"), ("medecine", ""))))
        else:
            specs.append((HEALTH_CENTRE, False, town, ()))
        specs.append((EHPAD, i % 2 == 0, town, ()))
    for i, village in enumerate(villages[::9]):
        specs.append((MSP if i % 2 == 0 else EHPAD, False, village, ()))
    specs.append((SSR, True, villages[5], (("smr", ""),)))
    return [_facility(n, spec) for n, spec in enumerate(specs, start=1)]


def _facility(number: int, spec) -> DemoFacility:
    category, public, commune, authorisations = spec
    dept = commune.department
    label = category[1].split(" (")[0]
    # Spread the sites of one commune a little (about 300 m apart), staying inside it.
    offset = shapely.Point(
        commune.point.x + 0.004 * ((number % 5) - 2), commune.point.y + 0.003 * ((number % 3) - 1)
    )
    point = offset if commune.polygon.contains(offset) else commune.point
    return DemoFacility(
        finess_et=f"{dept}{number:07d}",
        finess_ej=f"{dept}{9_000_000 + number:07d}",
        name=f"{label} {_of(commune.name)} (fictif)".upper(),
        category=category,
        public=public,
        commune=commune,
        point=point,
        authorisations=authorisations,
    )


def _of(name: str) -> str:
    """French "de" + a commune name, with the article contracted (du Quenay, des Salons)."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return f"d'{name}" if name[0] in "AEIOUÉ" else f"de {name}"


def _structureet(f: DemoFacility, department_name: str) -> list[str]:
    code, label, agg_code, agg_label = f.category
    record = dict.fromkeys([*STRUCTURE_FIELDS, OPTIONAL_TRAILING_FIELD], "")
    record.update(
        nofinesset=f.finess_et,
        nofinessej=f.finess_ej,
        rs=f.name[:38],
        rslongue=f.name,
        numvoie="1",
        typvoie="RUE",
        voie="DE LA DEMONSTRATION",
        commune=f.commune.code[2:],
        departement=f.commune.department,
        libdepartement=department_name.upper(),
        ligneacheminement=f"{f.commune.code} {f.commune.name.upper()}",
        categetab=code,
        libcategetab=label,
        categagretab=agg_code,
        libcategagretab=agg_label,
        codesph="1" if f.public else "0",
        libsph="Etablissement public de santé" if f.public else "Non concerné",
        dateouv="2001-01-01",
        dateautor="2001-01-01",
        datemaj=SOURCE_DATE,
    )
    record["structureet"] = "structureet"  # the record tag is the first field
    return list(record.values())


def _write_finess(path: Path, facilities: list[DemoFacility]) -> None:
    """An extract in the etalab-cs1100507 layout: manifest, structureet, geolocalisation."""
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    dept_names = {code: name for code, name, _ in DEPARTMENTS}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["finess", "etalab", len(facilities) * 2, SOURCE_DATE])
        for f in facilities:
            writer.writerow(_structureet(f, dept_names[f.commune.department]))
        for f in facilities:
            x, y = to_l93.transform(f.point.x, f.point.y)
            source = "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93"
            writer.writerow(
                ["geolocalisation", f.finess_et, f"{x:.1f}", f"{y:.1f}", source, SOURCE_DATE]
            )


def _write_authorisations(path: Path, facilities: list[DemoFacility]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["finess_et", "activity", "modality", "start_date", "end_date"])
        for f in facilities:
            for activity, modality in f.authorisations:
                writer.writerow([f.finess_et, activity, modality, "2019-06-01", ""])


# --- groupings (after the files are loaded) ---------------------------------------------------


def create_demo_groupings() -> list[str]:
    """The demo's GHT (its CHR as support, the public hospitals as members) and a schema
    zoning of six zones (each département split at its median longitude)."""
    from facilities.models import Facility
    from facilities.services import facility_group_save
    from territories.models import Commune, Region, Zoning
    from territories.services import zoning_create

    public = Facility.objects.filter(
        commune__department__region__code=REGION_CODE,
        kind__in=["chu", "ch", "psychiatrie"],
        sector="public",
    )
    support = public.get(kind="chu")
    group = facility_group_save(
        kind="ght",
        code="GHT-DEMO",
        name="GHT fictif de démonstration",
        support_finess_et=support.finess_et,
        member_finess_ets=list(public.values_list("finess_et", flat=True)),
    )
    # The zoning is derived from the loaded communes, which a re-run leaves unchanged.
    zoning = Zoning.objects.filter(region__code=REGION_CODE, name=ZONING_NAME).first()
    if zoning is None:
        communes = list(Commune.objects.filter(department__code=DEPARTMENTS[0][0]))
        zoning = zoning_create(
            region=Region.objects.get(code=REGION_CODE),
            name=ZONING_NAME,
            kind="schema",
            zones=_six_zones(communes),
        )
    return [
        f"{group.name}: {group.members.count()} members",
        f"{zoning.name}: {zoning.zones.count()} zones",
    ]


ZONING_NAME = "Zones du schéma (fictives)"
ZONE_NAMES = ["Nord-Ouest", "Nord", "Nord-Est", "Sud-Ouest", "Sud", "Sud-Est"]


def _six_zones(communes) -> dict[str, tuple[str, list[str]]]:
    """Six zones: longitude terciles × latitude halves of the communes' points."""
    lon = np.array([c.point.x for c in communes])
    lat = np.array([c.point.y for c in communes])
    column = np.digitize(lon, np.quantile(lon, [1 / 3, 2 / 3]))
    row = (lat < np.median(lat)).astype(int)
    zones: dict[str, tuple[str, list[str]]] = {}
    for index, name in enumerate(ZONE_NAMES):
        members = (row * 3 + column) == index
        zones[f"Z{index + 1}"] = (
            f"{name} (fictif)",
            [c.code for c, inside in zip(communes, members, strict=True) if inside],
        )
    return zones
