"""Reader of the official FINESS extract ``etalab-cs1100507`` (établissements géolocalisés).

The format (README §6 of the shared data, after the official ``etalab_cs1100507.pdf``): no
header; line 1 is a manifest ``finess;etalab;<n>;<YYYY-MM-DD>``; then ``structureet`` lines
(31 fields, or 32 with the trailing ``numuai`` of recent files) and ``geolocalisation`` lines
(6 fields) in any order, joined on ``nofinesset``. ``;`` separated, ``"`` quoted. The encoding
is latin-1 historically, UTF-8 in some recent copies: it is detected, never assumed.

This module only reads and checks the file; ``facilities.importers.import_finess`` writes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import Transformer

from core.import_checks import csv_records
from core.importing import ImportFailed, read_bytes

STRUCTURE_FIELDS = [
    "structureet",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
]
OPTIONAL_TRAILING_FIELD = "numuai"
GEOLOCATION_FIELDS = [
    "geolocalisation",
    "nofinesset",
    "coordxet",
    "coordyet",
    "sourcecoordet",
    "datemaj",
]

MANIFEST = re.compile(r"^finess;etalab;(\d+);(\d{4}-\d{2}-\d{2})\s*$")
FINESS_NUMBER = re.compile(r"^[0-9][0-9A-Z][0-9]{7}$")

#: FINESS overseas département codes → INSEE département codes.
OVERSEAS_DEPARTMENTS = {
    "9A": "971",  # Guadeloupe
    "9B": "972",  # Martinique
    "9C": "973",  # Guyane
    "9D": "974",  # La Réunion
    "9E": "975",  # Saint-Pierre-et-Miquelon (collectivité, same FINESS scheme)
    "9F": "976",  # Mayotte
}

#: Projection of each territory when ``sourcecoordet`` does not name one. The overseas CRS are
#: the legal ones (ITRF-based, within a metre of WGS84): RGAF09 / UTM 20N (Antilles), RGFG95 /
#: UTM 22N, RGR92 / UTM 40S, RGSPM06 / UTM 21N, RGM04 / UTM 38S.
EPSG_BY_TERRITORY = {
    "metro": 2154,
    "971": 5490,
    "972": 5490,
    "973": 2972,
    "974": 2975,
    "975": 4467,
    "976": 4471,
}
#: Projection names of older extracts (last comma-separated token of ``sourcecoordet``).
EPSG_BY_LEGACY_NAME = {
    "LAMBERT_93": 2154,
    "UTM_N20": 5490,
    "UTM_N21": 4467,
    "UTM_N22": 2972,
    "UTM_S38": 4471,
    "UTM_S40": 2975,
}
SUPPORTED_EPSG = frozenset(EPSG_BY_TERRITORY.values())

#: WGS84 bounding boxes (lon_min, lat_min, lon_max, lat_max) of each French territory;
#: a point outside its own territory's box is a geocoding or projection error.
BBOX_BY_TERRITORY = {
    "metro": (-5.3, 41.3, 9.7, 51.2),
    "971": (-63.2, 15.8, -60.9, 18.2),  # with Saint-Martin and Saint-Barthélemy
    "972": (-61.3, 14.3, -60.7, 15.0),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.1, -21.5, 55.9, -20.8),
    "975": (-56.5, 46.7, -56.0, 47.2),
    "976": (44.9, -13.1, 45.4, -12.5),
}


@dataclass
class Structure:
    line: int
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields[name]


@dataclass
class Geolocation:
    line: int
    x: float | None
    y: float | None
    source: str


@dataclass
class FinessExtract:
    extraction_date: dt.date
    structures: list[Structure]
    geolocations: dict[str, Geolocation]


#: A UTF-8 encoded accented letter (é is C3 A9), which latin-1 French text never contains: read
#: as latin-1 it would be "Ã©".
_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


def read_text(path: Path | str) -> str:
    """The file decoded as strict UTF-8 (BOM tolerated) or, failing that, latin-1.

    Every byte sequence is valid latin-1, so the fallback cannot fail; a UTF-8 file is never
    misread as latin-1 because it is tried first and strictly. A file that mixes both (two
    extracts pasted together) is refused, naming a line of each: either reading would garble
    one part.
    """
    raw = read_bytes(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8 = _UTF8_LETTER.search(raw)
        if utf8:
            latin1_line = raw.count(b"\n", 0, exc.start) + 1
            utf8_line = raw.count(b"\n", 0, utf8.start()) + 1
            raise ImportFailed(
                path,
                f"mixed encodings: this line is UTF-8 but line {latin1_line} is latin-1 "
                f"(byte {raw[exc.start]:#04x}); re-save the whole file in one encoding",
                where=f"line {utf8_line}",
            ) from exc
        return raw.decode("latin-1")


def territory_of(departement: str) -> str:
    """``metro`` or the INSEE code of the overseas département of a FINESS département code."""
    return OVERSEAS_DEPARTMENTS.get(departement, "metro")


def insee_code(departement: str, commune: str) -> str:
    """INSEE commune code from FINESS ``departement`` and 3-digit ``commune``.

    Metropolitan: ``01`` + ``451`` → ``01451`` (Corsica ``2A`` + ``004`` → ``2A004``).
    Overseas: the FINESS code ``9A`` stands for ``971`` and the commune's last two digits
    complete it: ``9A`` + ``101`` → ``97101`` (Les Abymes).
    """
    overseas = OVERSEAS_DEPARTMENTS.get(departement)
    if overseas:
        return overseas + commune[-2:]
    return departement + commune


def epsg_of(source: str, territory: str) -> int | None:
    """EPSG code of a ``sourcecoordet``: ``…,EPSG:2154 RGF93 / Lambert-93…`` in recent files,
    ``…,LAMBERT_93`` / ``UTM_N20`` in older ones, the territory's legal CRS when empty.
    None when the source names a projection we do not know."""
    found = re.search(r"EPSG:(\d+)", source)
    if found:
        return int(found.group(1))
    name = source.rsplit(",", 1)[-1].strip().upper()
    if name in EPSG_BY_LEGACY_NAME:
        return EPSG_BY_LEGACY_NAME[name]
    if not name:
        return EPSG_BY_TERRITORY[territory]
    return None


def read_manifest(path: Path | str, text: str, what: str) -> tuple[str, dt.date]:
    """The extract number and extraction date of the manifest line that opens every FINESS
    etalab file (``finess;etalab;<n>;<YYYY-MM-DD>``); ``what`` names the file in the error."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    manifest = MANIFEST.match(first_line)
    if not manifest:
        raise ImportFailed(
            path,
            f"not a {what}: the first line must be the manifest "
            f"'finess;etalab;<n>;<YYYY-MM-DD>', found {first_line[:60]!r}",
            where="line 1",
        )
    try:
        return manifest.group(1), dt.date.fromisoformat(manifest.group(2))
    except ValueError as exc:
        raise ImportFailed(
            path, f"invalid manifest date {manifest.group(2)!r}", where="line 1"
        ) from exc


def read_extract(path: Path | str) -> FinessExtract:
    """Parse and check the whole file; raise ``ImportFailed`` naming the first bad line."""
    text = read_text(path)
    _, extraction_date = read_manifest(path, text, "FINESS cs1100507 extract")

    structures: list[Structure] = []
    seen_structures: dict[str, int] = {}
    geolocations: dict[str, Geolocation] = {}
    records = csv_records(path, text, delimiter=";")
    next(records)
    for line, fields in records:
        tag = fields[0]
        if tag == "structureet":
            structure = _structure(path, line, fields)
            number = structure["nofinesset"]
            if number in seen_structures:
                raise ImportFailed(
                    path,
                    f"duplicate FINESS ET {number} (first on line {seen_structures[number]})",
                    where=f"line {line}",
                )
            seen_structures[number] = line
            structures.append(structure)
        elif tag == "geolocalisation":
            number, geolocation = _geolocation(path, line, fields)
            if number in geolocations:
                raise ImportFailed(
                    path,
                    f"second geolocalisation for FINESS ET {number} "
                    f"(first on line {geolocations[number].line})",
                    where=f"line {line}",
                )
            geolocations[number] = geolocation
        else:
            raise ImportFailed(
                path,
                f"unknown record type {tag[:40]!r} (expected structureet or geolocalisation)",
                where=f"line {line}",
            )
    for number, geolocation in geolocations.items():
        if number not in seen_structures:
            raise ImportFailed(
                path,
                f"geolocalisation for FINESS ET {number}, which has no structureet line",
                where=f"line {geolocation.line}",
            )
    if not structures:
        raise ImportFailed(path, "no structureet line: the extract is empty")
    return FinessExtract(extraction_date, structures, geolocations)


def _structure(path: Path | str, line: int, fields: list[str]) -> Structure:
    expected = len(STRUCTURE_FIELDS)
    if len(fields) not in (expected, expected + 1):
        raise ImportFailed(
            path,
            f"structureet line with {len(fields)} fields, expected {expected} "
            f"(or {expected + 1} with {OPTIONAL_TRAILING_FIELD})",
            where=f"line {line}",
        )
    record = {name: value.strip() for name, value in zip(STRUCTURE_FIELDS, fields, strict=False)}
    where = f"line {line}"
    for name in ("nofinesset", "nofinessej"):
        if not FINESS_NUMBER.match(record[name]) and (name == "nofinesset" or record[name]):
            raise ImportFailed(path, f"invalid {name} {record[name]!r}", where=where)
    if not re.fullmatch(r"[0-9][0-9A-Z]", record["departement"]):
        raise ImportFailed(path, f"invalid departement {record['departement']!r}", where=where)
    if not re.fullmatch(r"[0-9]{3}", record["commune"]):
        raise ImportFailed(path, f"invalid commune code {record['commune']!r}", where=where)
    if not (record["rs"] or record["rslongue"]):
        raise ImportFailed(path, "the establishment has no name (rs)", where=where)
    return Structure(line, record)


def _geolocation(path: Path | str, line: int, fields: list[str]) -> tuple[str, Geolocation]:
    if len(fields) != len(GEOLOCATION_FIELDS):
        raise ImportFailed(
            path,
            f"geolocalisation line with {len(fields)} fields, expected {len(GEOLOCATION_FIELDS)}",
            where=f"line {line}",
        )
    record = dict(zip(GEOLOCATION_FIELDS, (value.strip() for value in fields), strict=True))
    number = record["nofinesset"]
    if not FINESS_NUMBER.match(number):
        raise ImportFailed(path, f"invalid nofinesset {number!r}", where=f"line {line}")
    x, y = record["coordxet"], record["coordyet"]
    if not x and not y:
        return number, Geolocation(line, None, None, record["sourcecoordet"])
    try:
        coords = float(x), float(y)
    except ValueError as exc:
        raise ImportFailed(
            path, f"non-numeric coordinates {x!r}, {y!r}", where=f"line {line}"
        ) from exc
    if not all(np.isfinite(coords)):
        raise ImportFailed(path, f"non-finite coordinates {x!r}, {y!r}", where=f"line {line}")
    return number, Geolocation(line, coords[0], coords[1], record["sourcecoordet"])


def to_wgs84(path: Path | str, extract: FinessExtract) -> dict[str, tuple[float, float]]:
    """(lon, lat) WGS84 of every geolocated ET, checked to fall inside its own territory.

    One vectorised pyproj call per source projection (``always_xy``: easting, northing in;
    lon, lat out).
    """
    departement = {s["nofinesset"]: s["departement"] for s in extract.structures}
    by_epsg: dict[int, list[tuple[str, Geolocation]]] = {}
    for number, geolocation in extract.geolocations.items():
        if geolocation.x is None:
            continue
        territory = territory_of(departement[number])
        epsg = epsg_of(geolocation.source, territory)
        if epsg not in SUPPORTED_EPSG:
            raise ImportFailed(
                path,
                f"unsupported projection in sourcecoordet {geolocation.source!r}",
                where=f"line {geolocation.line}",
            )
        by_epsg.setdefault(epsg, []).append((number, geolocation))
    result: dict[str, tuple[float, float]] = {}
    for epsg, items in by_epsg.items():
        transformer = Transformer.from_crs(epsg, 4326, always_xy=True)
        xs = np.array([g.x for _, g in items])
        ys = np.array([g.y for _, g in items])
        lons, lats = transformer.transform(xs, ys)
        for (number, geolocation), lon, lat in zip(items, lons, lats, strict=True):
            territory = territory_of(departement[number])
            if not inside(territory, float(lon), float(lat)):
                raise ImportFailed(
                    path,
                    f"FINESS ET {number}: coordinates {geolocation.x}, {geolocation.y} "
                    f"(EPSG:{epsg}) give lon {lon:.5f}, lat {lat:.5f}, outside "
                    f"{'metropolitan France' if territory == 'metro' else territory}",
                    where=f"line {geolocation.line}",
                )
            result[number] = (float(lon), float(lat))
    return result


def inside(territory: str, lon: float, lat: float) -> bool:
    lon_min, lat_min, lon_max, lat_max = BBOX_BY_TERRITORY[territory]
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


def inside_france(lon: float, lat: float) -> bool:
    """Whether a WGS84 point falls in metropolitan France or an overseas département."""
    return any(inside(territory, lon, lat) for territory in BBOX_BY_TERRITORY)
