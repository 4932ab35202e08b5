"""The fictitious region's facilities, their legal entities and authorisations, written as
FINESS and CSV files."""

import csv
from dataclasses import dataclass
from pathlib import Path

import shapely
from pyproj import Transformer

from facilities import perinatal
from facilities.finess import OPTIONAL_TRAILING_FIELD, STRUCTURE_FIELDS
from facilities.finess_legal_entities import LEGAL_ENTITY_FIELDS

from .territories import DEPARTMENTS, SOURCE_DATE, DemoCommune


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


def make_facilities(communes: list[DemoCommune]) -> list[DemoFacility]:
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
                *maternity("3"),
                ("psychiatrie", "adultes"),
                ("chirurgie", ""),
            ),
        ),  # fmt: skip
        (
            CLINIC,
            False,
            capital,
            (("urgences", "su"), *maternity("1"), ("chirurgie", "")),
        ),
        (CHS, True, capital, (("psychiatrie", "adultes"), ("psychiatrie", "infanto_juvenile"))),
        (HEALTH_CENTRE, False, capital, ()),
        (DIALYSIS, False, capital, (("irc", ""),)),
    ]
    for i, chief in enumerate(chiefs):
        units = maternity("2b" if i == 0 else "2a")
        specs += [
            (CH, True, chief, EMERGENCY + (*units, ("psychiatrie", "adultes"))),
            (CLINIC, False, chief, (("chirurgie", ""),)),
            (CHS, True, chief, (("psychiatrie", "infanto_juvenile"),)),
            (SSR, False, chief, (("smr", ""),)),
        ]
    for i, town in enumerate(towns):
        if i % 3 == 0:
            specs.append((CH, True, town, EMERGENCY + maternity("1")))
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


def write_finess(path: Path, facilities: list[DemoFacility]) -> None:
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


#: Statuts juridiques of the docs' real examples (docs/finess-legal-entities.md).
PUBLIC_STATUS = ("14", "Etablissement Public Intercommunal d'Hospitalisation")
PRIVATE_STATUS = ("73", "Société Anonyme (S.A.)")


def write_legal_entities(path: Path, facilities: list[DemoFacility]) -> None:
    """An extract in the etalab-cs1100501 layout: manifest, one structureej per site's EJ."""
    dept_names = {code: name for code, name, _ in DEPARTMENTS}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["finess", "etalab", len(facilities), SOURCE_DATE])
        for f in facilities:
            status, status_label = PUBLIC_STATUS if f.public else PRIVATE_STATUS
            record = dict.fromkeys(LEGAL_ENTITY_FIELDS, "")
            record.update(
                structureej="structureej",
                nofiness=f.finess_ej,
                rs=f.name[:38],
                rslongue=f.name,
                numvoie="1",
                typvoie="RUE",
                voie="DE LA DEMONSTRATION",
                commune=f.commune.code[2:],
                ligneacheminement=f"{f.commune.code} {f.commune.name.upper()}",
                departement=f.commune.department,
                libdepartement=dept_names[f.commune.department].upper(),
                statutjuridique=status,
                libstatutjuridique=status_label,
                categetab=f.category[0],
                libcategetab=f.category[1],
                datecrea="2001-01-01",
            )
            writer.writerow(record.values())


def maternity(kind: str) -> tuple[tuple[str, str], ...]:
    """The authorisations of a maternity of type ``kind``: one per unit the type stands for
    (the type itself is derived from them, ``facilities.perinatal``)."""
    return tuple((perinatal.ACTIVITY, unit) for unit in perinatal.UNITS_OF_TYPE[kind])


def write_authorisations(path: Path, facilities: list[DemoFacility]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["finess_et", "activity", "modality", "start_date", "end_date"])
        for f in facilities:
            for activity, modality in f.authorisations:
                writer.writerow([f.finess_et, activity, modality, "2019-06-01", ""])
