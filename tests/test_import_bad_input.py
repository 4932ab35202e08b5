"""Bad input for every kind of ``import_open_data``: refused with the file, the line (entry,
feature) and the reason; no traceback; nothing written (issue 9, section 5).

The cases are generated, one per kind × category (``CATEGORIES``). Each bad file is a good,
tiny file of its kind (``GOOD``, imported once for the module) with one thing broken. A category
that cannot apply to a kind is listed in ``NOT_APPLICABLE`` with the reason, and its test is
skipped with that reason, so nothing is left out silently. Every case runs the command through
``call_command`` (a ``CommandError`` is what makes ``manage.py`` exit 1; any other exception
is a traceback and fails the test); a handful also run ``manage.py`` in a subprocess, to check
the exit code and stderr for real. Each checks that the tables are byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pyproj import Transformer

from facilities.models import (
    Authorisation,
    EmergencyResource,
    Facility,
    LegalEntity,
    PracticeSite,
    Practitioner,
)
from indicators.models import DreesApl, PatientFlow, PmsiGeoCommune
from opendata.models import ImportRecord
from territories.models import (
    Commune,
    CommunePopulationByAge,
    Department,
    FormerCommuneCode,
    MunicipalDistrict,
    Region,
    Zone,
    ZoneMembership,
    Zoning,
)
from tests import annuaire_lines
from tests.finess_authorisation_lines import activity_line
from tests.finess_legal_entity_lines import legal_entity_line

ROOT = Path(__file__).resolve().parent.parent
TABLES = [
    Region, Department, Commune, MunicipalDistrict, LegalEntity, Facility, Authorisation,
    PracticeSite, Practitioner, FormerCommuneCode, CommunePopulationByAge, Zoning, Zone,
    ZoneMembership, EmergencyResource, DreesApl, PmsiGeoCommune, PatientFlow,
]  # fmt: skip
FIELD_LIMIT = 131_072  # csv.field_size_limit()'s default
HUGE = "X" * (FIELD_LIMIT + 10)
HTML = (
    b"<!DOCTYPE html>\n<html lang='fr'><head><title>Page introuvable</title></head>\n"
    b"<body><h1>404</h1><p>Le fichier demand\xc3\xa9 n'existe plus.</p></body></html>\n"
)

CATEGORIES = [
    "empty-file",
    "wrong-format",
    "wrong-record-tag",
    "short-row",
    "truncated-last-row",
    "unterminated-quote",
    "missing-column",
    "duplicate-key",
    "bad-number",  # non-numeric or out of range
    "30-digit-number",
    "over-long-name",
    "field-over-131072-characters",
    "coordinates-outside-france",
    "broken-geometry",
    "latin-1-where-utf-8-expected",
    "utf-8-where-latin-1-expected",  # or, for UTF-8-only kinds, another encoding (UTF-16)
    "html-page-saved-as-csv",
]

NO_COORDINATES = "the file has no coordinates (communes are located by their polygons)"
NO_GEOMETRY = "the file has no geometry"
POINTS_ONLY = (
    "a site is a point, not a shape: its coordinates are checked by the non-numeric, "
    "30-digit and outside-France cases"
)
ONE_RECORD_TYPE = "a CSV of one record type: no record tag to get wrong"
NOT_APPLICABLE: dict[tuple[str, str], str] = {
    ("population", "coordinates-outside-france"): NO_COORDINATES,
    ("population", "broken-geometry"): NO_GEOMETRY,
    ("finess", "missing-column"): (
        "no header: FINESS fields are positional, so a missing column is a short row"
    ),
    ("finess", "broken-geometry"): POINTS_ONLY,
    ("finess-ej", "missing-column"): (
        "no header: FINESS fields are positional, so a missing column is a short row"
    ),
    ("finess-ej", "coordinates-outside-france"): "the file has no coordinates",
    ("finess-ej", "broken-geometry"): NO_GEOMETRY,
    ("gisco-hospitals", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("gisco-hospitals", "broken-geometry"): POINTS_ONLY,
    ("authorisations", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("authorisations", "over-long-name"): (
        "an authorisation has no name: activity and modality come from fixed lists "
        "(an unknown one is refused, see tests/test_import_authorisations.py)"
    ),
    ("authorisations", "coordinates-outside-france"): "the file has no coordinates",
    ("authorisations", "broken-geometry"): NO_GEOMETRY,
    ("finess-authorisations", "missing-column"): (
        "no header: the extract's fields are positional, so a missing column is a short row"
    ),
    ("finess-authorisations", "coordinates-outside-france"): "the file has no coordinates",
    ("finess-authorisations", "broken-geometry"): NO_GEOMETRY,
    ("finess-plus-activites", "over-long-name"): (
        "the flow carries codes only, no names (labels come from the nomenclatures; an "
        "unknown code is rejected, see tests/test_import_finess_authorisations.py)"
    ),
    ("finess-plus-activites", "coordinates-outside-france"): "the flow has no coordinates",
    ("finess-plus-activites", "broken-geometry"): NO_GEOMETRY,
    ("annuaire-sante", "wrong-record-tag"): "one record type, no record tag to get wrong",
    ("annuaire-sante", "unterminated-quote"): (
        "the extraction has no quoting: a '\"' is an ordinary character of a field"
    ),
    ("annuaire-sante", "broken-geometry"): POINTS_ONLY,
    ("population-age", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("population-age", "over-long-name"): (
        "the importer stores no name: only CODGEO and the counts are read (a commune's name "
        "comes from the COG files)"
    ),
    ("population-age", "coordinates-outside-france"): NO_COORDINATES,
    ("population-age", "broken-geometry"): NO_GEOMETRY,
    ("mcs", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("mcs", "broken-geometry"): POINTS_ONLY,
    ("helismur", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("helismur", "broken-geometry"): POINTS_ONLY,
    ("drees-apl", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("drees-apl", "over-long-name"): (
        "the importer stores no name: only the commune code and the APL columns are read (a "
        "commune's name comes from the COG files)"
    ),
    ("drees-apl", "coordinates-outside-france"): "the file has no coordinates",
    ("drees-apl", "broken-geometry"): NO_GEOMETRY,
    ("pmsi-codes-geo", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("pmsi-codes-geo", "over-long-name"): (
        "the importer stores no name: the code's and commune's labels are not read"
    ),
    ("pmsi-codes-geo", "coordinates-outside-france"): "the file has no coordinates",
    ("pmsi-codes-geo", "broken-geometry"): NO_GEOMETRY,
    ("patient-flows", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("patient-flows", "coordinates-outside-france"): "the file has no coordinates",
    ("patient-flows", "broken-geometry"): NO_GEOMETRY,
    ("zoning", "wrong-record-tag"): ONE_RECORD_TYPE,
    ("zoning", "coordinates-outside-france"): (
        "the file has no coordinates (a zone is its communes' polygons)"
    ),
    ("zoning", "broken-geometry"): (
        "the file has no geometry (a zone's shape is the union of its communes' polygons)"
    ),
}


@dataclass
class Case:
    """A bad file, and what the refusal must say: ``where`` is a regular expression for the
    location after the path (``line 3``, ``feature 2 (code 01002)``), ``reason`` a part of
    the reason."""

    filename: str
    content: bytes
    where: str
    reason: str


# --- The good files ------------------------------------------------------------------------


def square(lon: float, lat: float, size: float = 0.01) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def geojson(features: list[dict], *, indent: int | None = 1) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=indent)


def polygon_feature(ring: list, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


AIN = square(4.9, 45.9, 0.3)
REGION_ENTRY = {"code": "84", "nom": "Auvergne-Rhône-Alpes", "chefLieu": "69123"}
DEPARTMENT_ENTRY = {"code": "01", "nom": "Ain", "region": "84", "chefLieu": "01053"}
COMMUNES = [
    polygon_feature(square(5.00, 46.00), code="01001", nom="L'Abergement-Clémenciat"),
    polygon_feature(square(5.01, 46.00), code="01002", nom="L'Abergement-de-Varey"),
]
POPULATION_HEADER = (
    "code_insee,nom,type,departement,region,arrondissement,population,codes_postaux,siren,"
    "commune_parente,anciens_codes"
)
POPULATION_ROWS = [
    "01001,L'Abergement-Clémenciat,commune-actuelle,01,84,012,860,01400,210100012,,",
    "01002,L'Abergement-de-Varey,commune-actuelle,01,84,011,270,01640,210100020,,",
]
FINESS_MANIFEST = "finess;etalab;111;2026-05-12"
FINESS_STRUCTURE = (
    "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE "
    "FLEYRIAT;;;900;RTE;DE PARIS;;;001;01;AIN;01440 VIRIAT;0474454647;0474454114;355;"
    "Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;"
    "ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;"
    "1979-02-13;1979-02-13;2020-02-04;"
)
_x, _y = Transformer.from_crs(4326, 2154, always_xy=True).transform(5.005, 46.005)
FINESS_GEO = (
    f"geolocalisation;010000024;{_x:.1f};{_y:.1f};"
    "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04"
)
#: The legal entity of FINESS_STRUCTURE (tests/finess_legal_entity_lines.py), in commune 01001,
#: and two sociétés anonymes with an accented label (the encoding cases need one per line).
EJ_LINE = legal_entity_line(
    nofiness="010780054", rs="CH DE BOURG EN BRESSE", rslongue="CENTRE HOSPITALIER DE BOURG",
    commune="001", ligneacheminement="01000 BOURG EN BRESSE", statutjuridique="13",
    libstatutjuridique="Etablissement Public Communal d'Hospitalisation",
)  # fmt: skip
EJ_COMPANIES = [
    legal_entity_line(nofiness=number, rs="SA TEST", statutjuridique="73",
                      libstatutjuridique="Société Anonyme (S.A.)", categetab="", libcategetab="")
    for number in ("010000107", "010000115")
]  # fmt: skip
GISCO_HEADER = (
    "id,hospital_name,site_name,lat,lon,street,house_number,postcode,city,facility_type,"
    "public_private,ref_date"
)
GISCO_ROWS = [
    "10000032,CENTRE HOSPITALIER DE TEST,,46.005,5.015,RUE GEORGES GIRERD,52,01300,BELLEY,"
    "Centre Hospitalier (C.H.),public,06/03/2020",
    "10000040,CLINIQUE DE TEST,,46.006,5.004,RUE DU LAC,1,01000,BOURG,Clinique,private,06/03/2020",
]
EXTRACT_LINE = (
    activity_line()
)  # 010000024, médecine d'urgence, SU (tests/finess_authorisation_lines.py)
FLOW_ACTIVITY = {
    "caracteristiquesGeneriques": {
        "activiteAeId": "1", "etatObjet": "A", "identifiantAutorisation": "10",
        "numAutorisationArhgos": "84-82-1", "dateDebutActiviteAutorisee": "2019-06-01",
        "dateFinActiviteAutorisee": None, "dateFinEffectiveActivite": None,
        "dateCaduciteAutorisation": None, "egeId": "1",
    },
    "nature": {
        "codeNature": "AMF",
        "caracteristiquesSpecifiques": {
            "typeActiviteAMF": {
                "activiteAMF": "14", "modaliteActivite": "26", "formeActivite": "00",
            }
        },
    },
    "evenement": [], "engagement": [], "capacite": [], "zoneIntervention": None,
}  # fmt: skip


def flow(*activities: dict, site: str = "010000024") -> dict:
    """A FINESS+ activités flow (layout of ansforge/finess) with one EJ and one site."""
    ege = {"egeId": "1", "numFinessEge": site, "activitesExercees": list(activities)}
    legal = {"numFiness": "010780054", "pmSmsseId": "1", "activitesAutorisees": [], "ege": [ege]}
    return {"schemaVersion": "v1.0.0", "generatedAt": "2026-04-01T14:46:05Z", "pmej": [legal]}


def flow_bytes(document: dict, *, encoding: str = "utf-8") -> bytes:
    return json.dumps(document, indent=1, ensure_ascii=False).encode(encoding)


ANNUAIRE_LINES = [
    annuaire_lines.line(),  # a GP in 01001
    annuaire_lines.line(id="2", national_id="810000000002", structure="R2", commune="01002"),
]
AUTHORISATION_HEADER = "finess_et;activity;modality;start_date;end_date"
AUTHORISATION_ROWS = ["010000024;urgences;smur;2019-06-01;", "010000032;medecine;;2018-01-15;"]
#: INSEE base-cc-evol-struct-pop (docs/population-by-age.md): CODGEO, then P{yy}_ counts.
EMERGENCY_HEADER = "id;nom;commune;lon;lat;samu;date_debut;date_fin"
#: One placed by its commune code, one by its point (in 01002's square).
EMERGENCY_ROWS = ["E1;Dr Un;01001;;;SAMU 01;2024-01-01;", "E2;Dr Deux;;5.015;46.005;SAMU 01;;"]
CENSUS_VARIABLES = [
    "POP", "POP0014", "POP1529", "POP3044", "POP4559", "POP6074", "POP7589", "POP90P", "POPH",
    "POPF", "F1529", "F3044",
]  # fmt: skip
CENSUS_HEADER = ";".join(["CODGEO", *(f"P21_{v}" for v in CENSUS_VARIABLES)])
CENSUS_ROWS = [
    "01001;860;150;140;160;170;140;80;20;420;440;70;80",
    "01002;270;40;40;50;60;50;25;5;130;140;20;25",
]
#: The DREES's published APL as a one-year CSV (indicators/importers_drees.py): the year in
#: the file name, the workbook's columns, a decimal comma.
DREES_HEADER = ";".join([
    "Code commune INSEE", "Commune", "APL aux médecins généralistes",
    "APL aux médecins généralistes de moins de 65 ans",
    "APL aux médecins généralistes de moins de 62 ans",
    "Population standardisée par la consommation de soins par tranche d'âge",
])  # fmt: skip
DREES_ROWS = ["01001;L'Abergement-Clémenciat;3,1;2,9;2,5;812,4", "01002;L'Abergement;1,2;1;0,9;300"]
#: PMSI geographic codes and patient flows (docs/patient-flows.md), as CSV.
GEO_HEADER = "Code géographique;Libellé;Code commune INSEE"
GEO_ROWS = ["01400;CHATILLON;01001", "01640;ST RAMBERT;01002"]
FLOW_HEADER = "Année;FINESS;Code géographique;Activité;Séjours"
FLOW_ROWS = ["2023;010780054;01400;MCO;120", "2023;010780054;01640;MCO;<11"]
#: INSEE bassins de vie 2022, composition communale (docs/zonings.md), as CSV.
BASSINS_HEADER = "CODGEO;LIBGEO;BV2022;LIBBV2022;DEP;REG"
BASSINS_ROWS = [
    "01001;L'Abergement-Clémenciat;01053;Bourg-en-Bresse;01;84",
    "01002;L'Abergement-de-Varey;01004;Ambérieu-en-Bugey;01;84",
]


def lines(*rows: str, encoding: str = "utf-8", end: str = "\n") -> bytes:
    return (end.join(rows) + end).encode(encoding)


GOOD: dict[str, tuple[str, bytes]] = {
    "regions": ("regions.json", json.dumps([REGION_ENTRY], indent=1).encode()),
    "departments": ("departements.json", json.dumps([DEPARTMENT_ENTRY], indent=1).encode()),
    "communes": ("communes.geojson", geojson(COMMUNES).encode()),
    "population": ("population.csv", lines(POPULATION_HEADER, *POPULATION_ROWS)),
    # Earlier-COG polygons of communes that already have one: all unchanged.
    "communes-fill": ("communes-2018.geojson", geojson(COMMUNES).encode()),
    "finess-ej": ("ej.csv", lines(FINESS_MANIFEST, EJ_LINE, encoding="latin-1")),
    "finess": (
        "finess.csv",
        lines(FINESS_MANIFEST, FINESS_STRUCTURE, FINESS_GEO, encoding="latin-1", end="\r\n"),
    ),
    "gisco-hospitals": ("gisco.csv", lines(GISCO_HEADER, *GISCO_ROWS)),
    "authorisations": ("authorisations.csv", lines(AUTHORISATION_HEADER, *AUTHORISATION_ROWS)),
    "finess-authorisations": (
        "autorisations.csv",
        lines(FINESS_MANIFEST, EXTRACT_LINE, encoding="latin-1"),
    ),
    "finess-plus-activites": ("finess-activite.json", flow_bytes(flow(FLOW_ACTIVITY))),
    "annuaire-sante": (annuaire_lines.FILE_NAME, annuaire_lines.extraction(*ANNUAIRE_LINES)),
    "population-age": ("base-cc-evol-struct-pop-2021.csv", lines(CENSUS_HEADER, *CENSUS_ROWS)),
    "zoning": ("bassins-de-vie-2022.csv", lines(BASSINS_HEADER, *BASSINS_ROWS)),
    "mcs": ("mcs.csv", lines(EMERGENCY_HEADER, *EMERGENCY_ROWS)),
    "helismur": ("helismur.csv", lines(EMERGENCY_HEADER, *EMERGENCY_ROWS)),
    "drees-apl": ("APL_mg_2022.csv", lines(DREES_HEADER, *DREES_ROWS)),
    "pmsi-codes-geo": ("codes-geo-pmsi-2023.csv", lines(GEO_HEADER, *GEO_ROWS)),
    "patient-flows": ("flux-pmsi-2023.csv", lines(FLOW_HEADER, *FLOW_ROWS)),
}
#: Polygon files of the same units, imported too: the geometry cases start from them.
GOOD_SHAPES = {
    "regions": ("regions.geojson", geojson([polygon_feature(AIN, code="84", nom="ARA")])),
    "departments": (
        "departements.geojson",
        geojson([polygon_feature(AIN, code="01", nom="Ain", region="84")]),
    ),
}


# --- The bad files ---------------------------------------------------------------------------


def line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def unit_cases(kind: str, entry: dict, filename: str, other_code: str) -> dict[str, Case]:
    """Régions and départements: the COG JSON array, and a polygon file for the shapes."""
    code, name = entry["code"], entry["nom"]
    second = {**entry, "code": other_code}

    def cog(entries: list, *, encoding: str = "utf-8") -> bytes:
        return json.dumps(entries, indent=1, ensure_ascii=False).encode(encoding)

    def shapes(*features: dict) -> bytes:
        return geojson(list(features)).encode()

    def feature(ring: list, feature_code: str = code, record: str = "Feature") -> dict:
        extra = {"region": "84"} if kind == "departments" else {}
        return {**polygon_feature(ring, code=feature_code, nom=name, **extra), "type": record}

    good = cog([entry, second])
    truncated = good.decode()[:-20]
    unterminated = good.decode().replace(f'"{name}"', f'"{name}', 1)
    accented = entry if "ô" in name else {**entry, "nom": "Aïn"}
    latin1 = cog([accented], encoding="latin-1")
    geo = filename.replace(".json", ".geojson")
    return {
        "empty-file": Case(filename, b"", "line 1", "the file is empty"),
        "wrong-format": Case(filename, b"code,nom\n84,ARA\n", "line 1", "not valid JSON"),
        "wrong-record-tag": Case(
            geo,
            shapes(feature(AIN), feature(AIN, other_code, record="Featur")),
            rf"feature 2 \(code {other_code}\)",
            "record type 'Featur', expected \"Feature\"",
        ),
        "short-row": Case(
            filename,
            cog([entry, {"code": other_code}]),
            "entry 2",
            "missing or non-text field(s): nom",
        ),
        "truncated-last-row": Case(
            filename,
            truncated.encode(),
            f"line {truncated.count(chr(10)) + 1}",
            "not valid JSON",
        ),
        "unterminated-quote": Case(
            filename,
            unterminated.encode(),
            f"line {line_of(unterminated, name)}",
            "not valid JSON",
        ),
        "missing-column": Case(
            filename,
            cog([{"code": code, "libelle": name}]),
            "entry 1",
            "missing or non-text field(s): nom",
        ),
        "duplicate-key": Case(
            filename,
            cog([entry, entry]),
            rf"entry 2 \(code {code}\)",
            f"duplicate {kind[:-1]} code {code} (also entry 1)",
        ),
        "bad-number": Case(
            filename, cog([entry, {**entry, "code": "100"}]), "entry 2", "code '100'"
        ),
        "30-digit-number": Case(
            filename, cog([{**entry, "code": "1" * 30}]), "entry 1", f"code '{'1' * 30}'"
        ),
        "over-long-name": Case(
            filename,
            cog([{**entry, "nom": "N" * 121}]),
            rf"entry 1 \(code {code}\)",
            "nom is 121 characters long, at most 120 allowed",
        ),
        "field-over-131072-characters": Case(
            filename,
            cog([{**entry, "nom": HUGE}]),
            rf"entry 1 \(code {code}\)",
            f"nom is {len(HUGE):,} characters long",
        ),
        "coordinates-outside-france": Case(
            geo,
            shapes(feature([[lat, lon] for lon, lat in AIN])),
            rf"feature 1 \(code {code}\)",
            "coordinates outside France",
        ),
        "broken-geometry": Case(
            geo,
            shapes(feature(AIN[:-1])),  # a ring that does not close
            rf"feature 1 \(code {code}\)",
            "broken geometry that cannot be read (Points of LinearRing do not form a closed",
        ),
        "latin-1-where-utf-8-expected": Case(
            filename, latin1, f"line {line_of(latin1.decode('latin-1'), 'nom')}", "not UTF-8"
        ),
        "utf-8-where-latin-1-expected": Case(
            filename, cog([entry]).decode().encode("utf-16"), "line 1", "UTF-16 text"
        ),
        "html-page-saved-as-csv": Case(
            filename.replace(".json", ".csv"), HTML, "line 1", "web page (HTML)"
        ),
    }


def commune_cases() -> dict[str, Case]:
    name = "communes.geojson"
    first, second = COMMUNES
    new = polygon_feature(square(5.02, 46.00), code="01003", nom="Nouvelle commune")

    def with_(**changes) -> dict:
        return {**new, "properties": {**new["properties"], **changes}}

    def collection(*features: dict) -> bytes:
        return geojson(list(features)).encode()

    def shaped(feature: dict, ring: list) -> dict:
        return {**feature, "geometry": {"type": "Polygon", "coordinates": [ring]}}

    text = geojson(COMMUNES)
    truncated = text[:-60]  # cut in the last feature's coordinates
    unterminated = text.replace('"01002"', '"01002', 1)
    latin1 = geojson([with_(nom="Évian")]).replace("\\u00c9", "É")
    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(name, b"code,nom\n01001,A\n", "line 1", "not valid JSON"),
        "wrong-record-tag": Case(
            name,
            collection(first, {**second, "type": "Featur"}),
            r"feature 2 \(code 01002\)",
            "record type 'Featur', expected \"Feature\"",
        ),
        "short-row": Case(
            name,
            collection(first, second, {**new, "properties": {"code": "01003"}}),
            r"feature 3 \(code 01003\)",
            "empty name",
        ),
        "truncated-last-row": Case(
            name,
            truncated.encode(),
            f"line {truncated.count(chr(10)) + 1}",
            "not valid JSON",
        ),
        "unterminated-quote": Case(
            name,
            unterminated.encode(),
            f"line {line_of(unterminated, '01002')}",
            "not valid JSON",
        ),
        "missing-column": Case(
            name,
            collection({**first, "properties": {"code": "01001"}}),
            "feature 1",
            "missing column(s) nom or nom_m",
        ),
        "duplicate-key": Case(
            name,
            collection(first, {**second, "properties": first["properties"]}),
            r"feature 2 \(code 01001\)",
            "duplicate commune code 01001 (also feature 1)",
        ),
        "bad-number": Case(
            name,
            collection(with_(population=-5)),
            r"feature 1 \(code 01003\)",
            "population '-5' is not a whole number",
        ),
        "30-digit-number": Case(
            name,
            collection(with_(population=int("9" * 30))),  # GDAL reads it as 1e30
            r"feature 1 \(code 01003\)",
            "is out of range (0 to 2,147,483,647)",
        ),
        "over-long-name": Case(
            name,
            collection(with_(nom="N" * 151)),
            r"feature 1 \(code 01003\)",
            "nom is 151 characters long, at most 150 allowed",
        ),
        "field-over-131072-characters": Case(
            name,
            collection(with_(nom=HUGE)),
            r"feature 1 \(code 01003\)",
            f"nom is {len(HUGE):,} characters long",
        ),
        "coordinates-outside-france": Case(
            name,
            collection(first, shaped(second, [[y, x] for x, y in square(5.01, 46.0)])),
            r"feature 2 \(code 01002\)",
            "coordinates outside France",
        ),
        "broken-geometry": Case(
            name,
            # A ring folded onto a line: nothing polygonal survives the repair.
            collection(
                first, shaped(second, [[5.01, 46.0], [5.02, 46.0], [5.03, 46.0], [5.01, 46.0]])
            ),
            r"feature 2 \(code 01002\)",
            "broken geometry that cannot be repaired",
        ),
        "latin-1-where-utf-8-expected": Case(
            name, latin1.encode("latin-1"), f"line {line_of(latin1, 'É')}", "not UTF-8"
        ),
        "utf-8-where-latin-1-expected": Case(name, text.encode("utf-16"), "line 1", "UTF-16 text"),
        "html-page-saved-as-csv": Case("communes.csv", HTML, "line 1", "web page (HTML)"),
    }


def csv_cases(
    filename: str,
    header: str,
    rows: list[str],
    *,
    separator: str,
    key_column: int,
    name_column: int | None,
    max_name: int,
    name_label: str,
    where_code: bool = False,
) -> dict[str, Case]:
    """The cases every headed CSV shares (population, GISCO, authorisations)."""
    columns = len(header.split(separator))
    first, second = rows

    def at(line: int, code: str) -> str:
        return rf"line {line} \(code {code}\)" if where_code else f"line {line}"

    def replaced(row: str, index: int, value: str) -> str:
        fields = row.split(separator)
        fields[index] = value
        return separator.join(fields)

    key = first.split(separator)[key_column]
    cases: dict[str, Case] = {
        "empty-file": Case(filename, b"", "line 1", "the file is empty"),
        "short-row": Case(
            filename,
            lines(header, first, separator.join(second.split(separator)[:4])),
            "line 3",
            f"4 fields, expected {columns}",
        ),
        "truncated-last-row": Case(
            filename,
            (lines(header, first) + second[: len(second) // 3].encode()),
            "line 3",
            f"expected {columns}",
        ),
        "unterminated-quote": Case(
            filename,
            lines(header, replaced(first, 1, '"' + first.split(separator)[1]), second),
            "line 2",
            "unterminated quote",
        ),
        "missing-column": Case(
            filename,
            lines(replaced(header, 3, "colonne"), first, second),
            "line 1",
            f"missing column(s) {header.split(separator)[3]}",
        ),
        "duplicate-key": Case(filename, lines(header, first, first), at(3, key), "duplicate"),
        "field-over-131072-characters": Case(
            filename,
            lines(header, replaced(first, name_column or 1, HUGE), second),
            "line 2",
            f"a field longer than {FIELD_LIMIT:,} characters",
        ),
        "latin-1-where-utf-8-expected": Case(
            filename,
            lines(
                header,
                replaced(first, 1, first.split(separator)[1] + "é"),
                second,
                encoding="latin-1",
            ),
            "line 2",
            "not UTF-8",
        ),  # fmt: skip
        "utf-8-where-latin-1-expected": Case(
            filename, lines(header, *rows, encoding="utf-16"), "line 1", "UTF-16 text"
        ),
        "html-page-saved-as-csv": Case(filename, HTML, "line 1", "web page (HTML)"),
    }
    if name_column is not None:
        cases["over-long-name"] = Case(
            filename,
            lines(header, replaced(first, name_column, "N" * (max_name + 1)), second),
            at(2, key),
            f"{name_label} is {max_name + 1} characters long, at most {max_name} allowed",
        )
    return cases


def population_cases() -> dict[str, Case]:
    name = "population.csv"
    first, second = POPULATION_ROWS
    cases = csv_cases(
        name, POPULATION_HEADER, POPULATION_ROWS, separator=",", key_column=0, name_column=1,
        max_name=150, name_label="nom", where_code=True,
    )  # fmt: skip
    cases.update(
        {
            "wrong-format": Case(
                name,
                geojson(COMMUNES).encode(),
                "line 1",
                "missing column(s) code_insee",
            ),
            "wrong-record-tag": Case(
                name,
                lines(POPULATION_HEADER, first, second.replace("commune-actuelle", "commune-act")),
                r"line 3 \(code 01002\)",
                "unknown row type 'commune-act'",
            ),
            "bad-number": Case(
                name,
                lines(POPULATION_HEADER, first.replace(",860,", ",8 60,"), second),
                r"line 2 \(code 01001\)",
                "population '8 60' is not a whole number",
            ),
            "30-digit-number": Case(
                name,
                lines(POPULATION_HEADER, first.replace(",860,", f",{'9' * 30},"), second),
                r"line 2 \(code 01001\)",
                "population (a 30-digit number) is out of range",
            ),
        }
    )
    return cases


def census_cases() -> dict[str, Case]:
    """INSEE's population by age and sex: ``;``-separated, counts with a decimal comma."""
    name = GOOD["population-age"][0]
    first, second = CENSUS_ROWS
    cases = csv_cases(
        name, CENSUS_HEADER, CENSUS_ROWS, separator=";", key_column=0, name_column=None,
        max_name=0, name_label="", where_code=True,
    )  # fmt: skip
    cases.update(
        {
            "wrong-format": Case(
                name,
                lines(BASSINS_HEADER, *BASSINS_ROWS),  # a zoning file: CODGEO but no counts
                "line 1",
                "missing column(s) P{yy}_POP (population of the reference year)",
            ),
            "bad-number": Case(
                name,
                lines(CENSUS_HEADER, first.replace(";150;", ";1 50;"), second),
                r"line 2 \(code 01001\)",
                "P21_POP0014 '1 50' is not a number",
            ),
            "30-digit-number": Case(
                name,
                lines(CENSUS_HEADER, first, second.replace(";40;", f";{'9' * 30};", 1)),
                r"line 3 \(code 01002\)",
                "P21_POP0014 (a 30-digit number) is out of range",
            ),
        }
    )
    return cases


def bassins_cases() -> dict[str, Case]:
    """A zoning as a commune list, in INSEE's bassins de vie layout (the one imported without
    --name and --kind; the three layouts share the reading, tests/test_import_population_age_
    zoning.py covers the others)."""
    name = GOOD["zoning"][0]
    first, second = BASSINS_ROWS
    cases = csv_cases(
        name, BASSINS_HEADER, BASSINS_ROWS, separator=";", key_column=0, name_column=3,
        max_name=150, name_label="LIBBV2022", where_code=True,
    )  # fmt: skip
    cases.update(
        {
            "wrong-format": Case(
                name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not a zoning composition file"
            ),
            "duplicate-key": Case(
                name,
                lines(BASSINS_HEADER, first, second, first.replace("01053", "01004")),
                r"line 4 \(code 01001\)",
                "duplicate: commune 01001 listed twice (also line 2)",
            ),
            # The numbers of the file are codes: a commune code that lost its leading zero
            # (a spreadsheet read it as a number) is not a code.
            "bad-number": Case(
                name,
                lines(BASSINS_HEADER, first, second.replace("01002", "1002", 1)),
                "line 3",
                "invalid commune code '1002'",
            ),
            "30-digit-number": Case(
                name,
                lines(BASSINS_HEADER, first.replace("01001", "9" * 30, 1), second),
                "line 2",
                f"invalid commune code '{'9' * 30}'",
            ),
        }
    )
    return cases


def finess_cases() -> dict[str, Case]:
    name = "finess.csv"

    def extract(*records: str, encoding: str = "latin-1") -> bytes:
        return lines(FINESS_MANIFEST, *records, encoding=encoding, end="\r\n")

    def structure(index: int, value: str) -> str:
        fields = FINESS_STRUCTURE.split(";")
        fields[index] = value
        return ";".join(fields)

    def geo(x: str, y: str) -> str:
        fields = FINESS_GEO.split(";")
        fields[2:4] = [x, y]
        return ";".join(fields)

    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(
            name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not a FINESS cs1100507 extract"
        ),
        "wrong-record-tag": Case(
            name,
            extract(FINESS_STRUCTURE.replace("structureet", "structurEET", 1), FINESS_GEO),
            "line 2",
            "unknown record type 'structurEET'",
        ),
        "short-row": Case(
            name,
            extract(";".join(FINESS_STRUCTURE.split(";")[:20]), FINESS_GEO),
            "line 2",
            "structureet line with 20 fields, expected 31",
        ),
        "truncated-last-row": Case(
            name,
            extract(FINESS_STRUCTURE) + FINESS_GEO[:30].encode("latin-1"),
            "line 3",
            "geolocalisation line with 3 fields, expected 6",
        ),
        "unterminated-quote": Case(
            name,
            extract(structure(4, '"CENTRE HOSPITALIER'), FINESS_GEO),
            "line 2",
            "unterminated quote",
        ),
        "duplicate-key": Case(
            name,
            extract(FINESS_STRUCTURE, FINESS_STRUCTURE, FINESS_GEO),
            "line 3",
            "duplicate FINESS ET 010000024 (first on line 2)",
        ),
        "bad-number": Case(
            name,
            extract(FINESS_STRUCTURE, geo("huit-cent-mille", "6500000")),
            "line 3",
            "non-numeric coordinates 'huit-cent-mille', '6500000'",
        ),
        "30-digit-number": Case(
            name,
            extract(FINESS_STRUCTURE, geo("9" * 30, "6500000")),
            "line 3",
            "outside metropolitan France",
        ),
        "over-long-name": Case(
            name,
            extract(structure(4, "N" * 256), FINESS_GEO),
            "line 2",
            "rslongue (or rs) is 256 characters long, at most 255 allowed",
        ),
        "field-over-131072-characters": Case(
            name,
            extract(structure(4, HUGE), FINESS_GEO),
            "line 2",
            f"a field longer than {FIELD_LIMIT:,} characters",
        ),
        "coordinates-outside-france": Case(
            name,
            extract(FINESS_STRUCTURE, geo("100000.0", "100000.0")),
            "line 3",
            "outside metropolitan France",
        ),
        # FINESS is latin-1 or UTF-8 by design: the wrong encoding is a file mixing both.
        "latin-1-where-utf-8-expected": Case(
            name,
            extract(FINESS_STRUCTURE, encoding="utf-8") + FINESS_GEO.encode("latin-1"),
            "line 2",
            "mixed encodings: this line is UTF-8 but line 3 is latin-1",
        ),
        "utf-8-where-latin-1-expected": Case(
            name,
            extract(FINESS_STRUCTURE) + FINESS_GEO.encode("utf-8"),
            "line 3",
            "mixed encodings: this line is UTF-8 but line 2 is latin-1",
        ),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }


def legal_entity_cases() -> dict[str, Case]:
    name = "ej.csv"
    first, second = EJ_COMPANIES

    def extract(*records: str, encoding: str = "latin-1") -> bytes:
        return lines(FINESS_MANIFEST, *records, encoding=encoding)

    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(
            name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not a FINESS cs1100501 extract"
        ),
        "wrong-record-tag": Case(
            name,
            extract(EJ_LINE, first.replace("structureej", "structureeJ", 1)),
            "line 3",
            "unknown record type 'structureeJ' (expected structureej)",
        ),
        "short-row": Case(
            name,
            extract(";".join(EJ_LINE.split(";")[:20])),
            "line 2",
            "structureej line with 20 fields, expected 23",
        ),
        "truncated-last-row": Case(
            name,
            extract(EJ_LINE) + first[:30].encode("latin-1"),
            "line 3",
            f"structureej line with {first[:30].count(';') + 1} fields, expected 23",
        ),
        "unterminated-quote": Case(
            name,
            extract(EJ_LINE.replace(";CENTRE HOSPITALIER", ';"CENTRE HOSPITALIER', 1), first),
            "line 2",
            "unterminated quote",
        ),
        "duplicate-key": Case(
            name,
            extract(EJ_LINE, EJ_LINE),
            "line 3",
            "duplicate FINESS EJ 010780054 (first on line 2)",
        ),
        "bad-number": Case(
            name,
            extract(EJ_LINE.replace(";13;", ";1A;", 1)),
            "line 2",
            "invalid statutjuridique '1A'",
        ),
        "30-digit-number": Case(
            name,
            extract(EJ_LINE.replace("010780054", "9" * 30, 1)),
            "line 2",
            f"invalid nofiness '{'9' * 30}'",
        ),
        "over-long-name": Case(
            name,
            extract(EJ_LINE.replace("CENTRE HOSPITALIER DE BOURG", "N" * 256, 1)),
            "line 2",
            "rslongue is 256 characters long, at most 255 allowed",
        ),
        "field-over-131072-characters": Case(
            name,
            extract(EJ_LINE.replace("CENTRE HOSPITALIER DE BOURG", HUGE, 1)),
            "line 2",
            f"a field longer than {FIELD_LIMIT:,} characters",
        ),
        # Like cs1100507: latin-1 or UTF-8 by design, the wrong encoding is a mixed file.
        "latin-1-where-utf-8-expected": Case(
            name,
            extract(first, encoding="utf-8") + lines(second, encoding="latin-1"),
            "line 2",
            "mixed encodings: this line is UTF-8 but line 3 is latin-1",
        ),
        "utf-8-where-latin-1-expected": Case(
            name,
            extract(first) + lines(second, encoding="utf-8"),
            "line 3",
            "mixed encodings: this line is UTF-8 but line 2 is latin-1",
        ),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }


def gisco_cases() -> dict[str, Case]:
    name = "gisco.csv"
    first, second = GISCO_ROWS
    cases = csv_cases(
        name, GISCO_HEADER, GISCO_ROWS, separator=",", key_column=0, name_column=1,
        max_name=255, name_label="hospital_name (with site_name)",
    )  # fmt: skip
    cases.update(
        {
            "wrong-format": Case(
                name,
                lines(FINESS_MANIFEST, FINESS_STRUCTURE),
                "line 1",
                "not a GISCO hospital CSV: missing column(s) id",
            ),
            "bad-number": Case(
                name,
                lines(GISCO_HEADER, first.replace("46.005", "quarante-six"), second),
                "line 2",
                "non-numeric lat/lon 'quarante-six', '5.015'",
            ),
            "30-digit-number": Case(
                name,
                lines(GISCO_HEADER, first.replace("10000032", "9" * 30, 1), second),
                "line 2",
                f"invalid FINESS id '{'9' * 30}'",
            ),
            "coordinates-outside-france": Case(
                name,
                lines(GISCO_HEADER, first.replace("46.005,5.015", "5.015,46.005"), second),
                "line 2",
                "outside France",
            ),
        }
    )
    return cases


def authorisation_cases() -> dict[str, Case]:
    name = "authorisations.csv"
    first, second = AUTHORISATION_ROWS
    cases = csv_cases(
        name, AUTHORISATION_HEADER, AUTHORISATION_ROWS, separator=";", key_column=0,
        name_column=None, max_name=0, name_label="",
    )  # fmt: skip
    cases["field-over-131072-characters"] = Case(
        name,
        lines(AUTHORISATION_HEADER, f"010000024;{HUGE};smur;2019-06-01;", second),
        "line 2",
        f"a field longer than {FIELD_LIMIT:,} characters",
    )
    cases.update(
        {
            "wrong-format": Case(
                name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not an authorisation CSV"
            ),
            "bad-number": Case(
                name,
                lines(AUTHORISATION_HEADER, first.replace("2019-06-01", "2019-13-45"), second),
                "line 2",
                "start_date '2019-13-45' is not a date",
            ),
            "30-digit-number": Case(
                name,
                lines(AUTHORISATION_HEADER, first.replace("010000024", "9" * 30), second),
                "line 2",
                f"invalid FINESS ET '{'9' * 30}'",
            ),
        }
    )
    return cases


def extract_cases() -> dict[str, Case]:
    name = "autorisations.csv"

    def extract(*records: str, encoding: str = "latin-1") -> bytes:
        return lines(FINESS_MANIFEST, *records, encoding=encoding)

    second = activity_line(modalite="26", libmodalite="SMUR Structure mobile", noautor="2")
    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(
            name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not a FINESS authorisations extract"
        ),
        "wrong-record-tag": Case(
            name,
            extract(EXTRACT_LINE, second.replace("activiteoffresoin", "activiteoffresoiN", 1)),
            "line 3",
            "unknown record type 'activiteoffresoiN'",
        ),
        "short-row": Case(
            name,
            extract(";".join(EXTRACT_LINE.split(";")[:20])),
            "line 2",
            "activiteoffresoin line with 20 fields, expected 31",
        ),
        "truncated-last-row": Case(
            name,
            extract(EXTRACT_LINE) + second[:30].encode("latin-1"),
            "line 3",
            "activiteoffresoin line with 3 fields, expected 31",
        ),
        "unterminated-quote": Case(
            name,
            extract(activity_line(rset='"CH DE FLEYRIAT'), second),
            "line 2",
            "unterminated quote",
        ),
        "duplicate-key": Case(
            name, extract(EXTRACT_LINE, EXTRACT_LINE), "line 3", "duplicate authorisation A:"
        ),
        "bad-number": Case(
            name,
            extract(activity_line(dateautor="2019-13-45")),
            "line 2",
            "dateautor '2019-13-45' is not a date",
        ),
        "30-digit-number": Case(
            name,
            extract(activity_line(nofinesset="9" * 30)),
            "line 2",
            f"invalid nofinesset '{'9' * 30}'",
        ),
        "over-long-name": Case(
            name,
            extract(activity_line(libactivite="N" * 256)),
            "line 2",
            "libactivite is 256 characters long, at most 255 allowed",
        ),
        "field-over-131072-characters": Case(
            name,
            extract(activity_line(rset=HUGE)),
            "line 2",
            f"a field longer than {FIELD_LIMIT:,} characters",
        ),
        # Like cs1100507: latin-1 or UTF-8 by design, the wrong encoding is a mixed file.
        "latin-1-where-utf-8-expected": Case(
            name,
            extract(EXTRACT_LINE, encoding="utf-8") + lines(second, encoding="latin-1"),
            "line 2",
            "mixed encodings: this line is UTF-8 but line 3 is latin-1",
        ),
        "utf-8-where-latin-1-expected": Case(
            name,
            extract(EXTRACT_LINE) + lines(second, encoding="utf-8"),
            "line 3",
            "mixed encodings: this line is UTF-8 but line 2 is latin-1",
        ),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }


def flow_cases() -> dict[str, Case]:
    name = "finess-activite.json"
    entry = r"pmej\[0\]\.ege\[0\]\.activitesExercees\[0\]"

    def changed(generic: dict | None = None, nature: str = "AMF") -> dict:
        activity = json.loads(json.dumps(FLOW_ACTIVITY))
        activity["caracteristiquesGeneriques"].update(generic or {})
        activity["nature"]["codeNature"] = nature
        return activity

    good = flow_bytes(flow(FLOW_ACTIVITY)).decode()
    truncated = good[:-40]
    unterminated = good.replace('"84-82-1"', '"84-82-1', 1)
    accented = flow_bytes(flow(changed({"numAutorisationArhgos": "84-82-é"})), encoding="latin-1")
    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not valid JSON"),
        "wrong-record-tag": Case(
            name,
            flow_bytes(flow(changed(nature="AMX"))),
            rf"{entry}\.nature",
            "unknown codeNature 'AMX'",
        ),
        "short-row": Case(
            name,
            flow_bytes(flow({"nature": FLOW_ACTIVITY["nature"]})),
            rf"{entry}\.caracteristiquesGeneriques",
            "expected an object, found NoneType",
        ),
        "truncated-last-row": Case(
            name, truncated.encode(), f"line {truncated.count(chr(10)) + 1}", "not valid JSON"
        ),
        "unterminated-quote": Case(
            name,
            unterminated.encode(),
            f"line {line_of(unterminated, '84-82-1')}",
            "not valid JSON",
        ),
        "missing-column": Case(
            name,
            flow_bytes(flow(FLOW_ACTIVITY, site="")),
            r"pmej\[0\]\.ege\[0\]",
            "invalid numFinessEge ''",
        ),
        "duplicate-key": Case(
            name,
            flow_bytes(flow(FLOW_ACTIVITY, FLOW_ACTIVITY)),
            r"pmej\[0\]\.ege\[0\]\.activitesExercees\[1\]",
            "duplicate activiteAeId 1 (first at pmej[0].ege[0].activitesExercees[0])",
        ),
        "bad-number": Case(
            name,
            flow_bytes(flow(changed({"dateDebutActiviteAutorisee": "2019-13-45"}))),
            entry,
            "dateDebutActiviteAutorisee '2019-13-45' is not a date",
        ),
        "30-digit-number": Case(
            name,
            flow_bytes(flow(FLOW_ACTIVITY, site="9" * 30)),
            r"pmej\[0\]\.ege\[0\]",
            f"invalid numFinessEge '{'9' * 30}'",
        ),
        "field-over-131072-characters": Case(
            name,
            flow_bytes(flow(FLOW_ACTIVITY, site=HUGE)),
            r"pmej\[0\]\.ege\[0\]",
            "invalid numFinessEge 'XXXX",
        ),
        "latin-1-where-utf-8-expected": Case(
            name, accented, f"line {line_of(accented.decode('latin-1'), 'é')}", "not UTF-8"
        ),
        "utf-8-where-latin-1-expected": Case(name, good.encode("utf-16"), "line 1", "UTF-16 text"),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }


def annuaire_cases() -> dict[str, Case]:
    """The Annuaire Santé extraction: lines generated from the documented field table
    (``tests/annuaire_lines.py``), ``|``-separated, a trailing ``|``, a header."""
    name = annuaire_lines.FILE_NAME
    line, extraction = annuaire_lines.line, annuaire_lines.extraction
    first, second = ANNUAIRE_LINES
    width = len(annuaire_lines.FIELDS) + 1
    geo_header = annuaire_lines.HEADER + "Longitude|Latitude|"
    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(
            name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1", "not an Annuaire Santé extraction"
        ),
        "short-row": Case(
            name,
            extraction(first, "|".join(second.split("|")[:20])),
            "line 3",
            f"20 fields, expected {width}",
        ),
        "truncated-last-row": Case(
            name,
            extraction(first) + second[: len(second) // 3].encode(),
            "line 3",
            f"expected {width}",
        ),
        "missing-column": Case(
            name,
            extraction(
                first, header=annuaire_lines.HEADER.replace("Code commune (coord.", "Commune (")
            ),
            "line 1",
            "missing column(s) Code commune (coord. structure)",
        ),
        "duplicate-key": Case(
            name,
            extraction(first, second, first),
            "line 4",
            "duplicate: practitioner 810000000001 at structure R10000000000001 with the same "
            "profession, savoir-faire and mode d'exercice (first on line 2)",
        ),
        "bad-number": Case(
            name, extraction(first, line(id="2O")), "line 3", "Identifiant PP '2O' is not a number"
        ),
        "30-digit-number": Case(
            name,
            extraction(line(national_id="8" * 30), second),
            "line 2",
            "Identification nationale PP is 30 characters long, at most 12 allowed",
        ),
        "over-long-name": Case(
            name,
            extraction(line(name="N" * 256), second),
            "line 2",
            "Raison sociale site is 256 characters long, at most 255 allowed",
        ),
        "field-over-131072-characters": Case(
            name,
            extraction(first, line(name=HUGE, structure="R2", id="2", national_id="82")),
            "line 3",
            f"Raison sociale site is {len(HUGE):,} characters long",
        ),
        "coordinates-outside-france": Case(
            name,
            extraction(first + "5.0|46.0|", second + "46.0|5.0|", header=geo_header),
            "line 3",
            "coordinates lat 5.0, lon 46.0 outside France",
        ),
        "latin-1-where-utf-8-expected": Case(
            name,
            extraction(first) + f"{second}\n".encode("latin-1"),  # "Médecin" in latin-1
            "line 3",
            "not UTF-8",
        ),
        "utf-8-where-latin-1-expected": Case(
            name, extraction(first).decode().encode("utf-16"), "line 1", "UTF-16 text"
        ),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }


def emergency_cases(name: str) -> dict[str, Case]:
    """MCS and héliSMUR bases share the layout and the importer (issue 11 §3)."""
    first, second = EMERGENCY_ROWS
    cases = csv_cases(
        name, EMERGENCY_HEADER, EMERGENCY_ROWS, separator=";", key_column=0, name_column=1,
        max_name=255, name_label="nom",
    )  # fmt: skip
    cases.update(
        {
            "wrong-format": Case(
                name, lines(GISCO_HEADER, *GISCO_ROWS), "line 1",
                "not an emergency-resource CSV: missing column(s) id",
            ),
            "bad-number": Case(
                name,
                lines(EMERGENCY_HEADER, first, second.replace("5.015", "cinq")),
                "line 3",
                "non-numeric lon/lat 'cinq', '46.005'",
            ),
            "30-digit-number": Case(
                name,
                lines(EMERGENCY_HEADER, first.replace("01001", "9" * 30), second),
                "line 2",
                f"invalid commune code '{'9' * 30}'",
            ),
            "coordinates-outside-france": Case(
                name,
                lines(EMERGENCY_HEADER, first, second.replace("5.015;46.005", "46.005;5.015")),
                "line 3",
                "coordinates lon 46.005, lat 5.015 outside France",
            ),
        }
    )  # fmt: skip
    return cases


def drees_cases() -> dict[str, Case]:
    """The DREES's APL as a CSV (the workbook's own refusals, by sheet and line, are in
    tests/test_import_drees_apl.py): its own reader, so its own reasons."""
    name = GOOD["drees-apl"][0]
    first, second = DREES_ROWS
    value_column = DREES_HEADER.split(";")[2]

    def changed(row: str, index: int, value: str) -> str:
        fields = row.split(";")
        fields[index] = value
        return ";".join(fields)

    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(
            name, lines(BASSINS_HEADER, *BASSINS_ROWS), "line 1", "not a DREES APL file"
        ),
        "short-row": Case(
            name, lines(DREES_HEADER, first, ";".join(second.split(";")[:3])), "line 3",
            "3 field(s) where the header has 6",
        ),
        "truncated-last-row": Case(
            name, lines(DREES_HEADER, first) + second[:12].encode(), "line 3",
            "field(s) where the header has 6",
        ),
        "unterminated-quote": Case(
            name, lines(DREES_HEADER, changed(first, 1, '"Abergement'), second), "line 2",
            "unterminated quote",
        ),
        "missing-column": Case(
            name, lines(DREES_HEADER.replace(value_column, "APL"), first, second), "line 1",
            f"missing column {value_column!r}",
        ),
        "duplicate-key": Case(
            name, lines(DREES_HEADER, first, first), "line 3", "duplicate code 01001 (also line 2)"
        ),
        "bad-number": Case(
            name, lines(DREES_HEADER, changed(first, 2, "3,1 env."), second), "line 2",
            f"{value_column} is not a number ('3,1 env.')",
        ),
        # The APL is a ratio with no stated bound: the 30-digit number tested is a code.
        "30-digit-number": Case(
            name, lines(DREES_HEADER, changed(first, 0, "9" * 30), second), "line 2",
            f"commune code '{'9' * 30}' is not an INSEE code",
        ),
        "field-over-131072-characters": Case(
            name, lines(DREES_HEADER, changed(first, 1, HUGE), second), "line 2",
            f"a field longer than {FIELD_LIMIT:,} characters",
        ),
        "latin-1-where-utf-8-expected": Case(
            name, lines(DREES_HEADER, *DREES_ROWS, encoding="latin-1"), "line 1", "not UTF-8"
        ),
        "utf-8-where-latin-1-expected": Case(
            name, lines(DREES_HEADER, *DREES_ROWS, encoding="utf-16"), "line 1", "UTF-16 text"
        ),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }  # fmt: skip


def changed(row: str, index: int, value: str) -> str:
    fields = row.split(";")
    fields[index] = value
    return ";".join(fields)


def pmsi_common(name: str, header: str, rows: list[str]) -> dict[str, Case]:
    """The cases both PMSI readers (``indicators.flows_tables``) refuse alike."""
    first, second = rows
    return {
        "empty-file": Case(name, b"", "line 1", "the file is empty"),
        "wrong-format": Case(
            name, lines(BASSINS_HEADER, *BASSINS_ROWS), "line 1", "no header line with the columns"
        ),
        "short-row": Case(
            name, lines(header, first, ";".join(second.split(";")[:2])), "line 3",
            f"2 field(s) where the header has {header.count(';') + 1}",
        ),
        "truncated-last-row": Case(
            name, lines(header, first) + second[:8].encode(), "line 3",
            "field(s) where the header has",
        ),
        "unterminated-quote": Case(
            name, lines(header, changed(first, 1, '"CHATILLON'), second), "line 2",
            "unterminated quote",
        ),
        "field-over-131072-characters": Case(
            name, lines(header, changed(first, 1, HUGE), second), "line 2",
            f"a field longer than {FIELD_LIMIT:,} characters",
        ),
        "latin-1-where-utf-8-expected": Case(
            name, lines(header, *rows, encoding="latin-1"), "line 1", "not UTF-8"
        ),
        "utf-8-where-latin-1-expected": Case(
            name, lines(header, *rows, encoding="utf-16"), "line 1", "UTF-16 text"
        ),
        "html-page-saved-as-csv": Case(name, HTML, "line 1", "web page (HTML)"),
    }  # fmt: skip


def pmsi_geo_cases() -> dict[str, Case]:
    name = GOOD["pmsi-codes-geo"][0]
    first, second = GEO_ROWS
    return {
        **pmsi_common(name, GEO_HEADER, GEO_ROWS),
        "missing-column": Case(
            name, lines(GEO_HEADER.replace("Code commune INSEE", "Commune"), first, second),
            "line 1", "no header line with the columns",
        ),
        "duplicate-key": Case(
            name, lines(GEO_HEADER, first, first), "line 3",
            "commune 01001 listed twice under 01400",
        ),
        "bad-number": Case(
            name, lines(GEO_HEADER, changed(first, 0, "014"), second), "line 2",
            "PMSI geographic code '014' is not a 5-character code",
        ),
        "30-digit-number": Case(
            name, lines(GEO_HEADER, changed(first, 2, "9" * 30), second), "line 2",
            f"commune code '{'9' * 30}' is not an INSEE code",
        ),
    }  # fmt: skip


def patient_flow_cases() -> dict[str, Case]:
    name = GOOD["patient-flows"][0]
    first, second = FLOW_ROWS
    return {
        **pmsi_common(name, FLOW_HEADER, FLOW_ROWS),
        "missing-column": Case(
            name, lines(FLOW_HEADER.replace("Séjours", "Total"), first, second), "line 1",
            "no header line with the columns",
        ),
        "duplicate-key": Case(
            name, lines(FLOW_HEADER, first, first), "line 3",
            "the same flow is listed twice (also line 2)",
        ),
        "bad-number": Case(
            name, lines(FLOW_HEADER, changed(first, 4, "12 env."), second), "line 2",
            "stays '12 env.' is neither a number nor a masked cell",
        ),
        "30-digit-number": Case(
            name, lines(FLOW_HEADER, changed(first, 4, "9" * 30), second), "line 2",
            "must be a whole number from 0 to 2,147,483,647",
        ),
        "over-long-name": Case(
            name, lines(FLOW_HEADER, changed(first, 3, "M" * 41), second), "line 2",
            "must be 1 to 40 characters",
        ),
    }  # fmt: skip


CASES: dict[str, dict[str, Case]] = {
    "regions": unit_cases("regions", REGION_ENTRY, "regions.json", "27"),
    "departments": unit_cases("departments", DEPARTMENT_ENTRY, "departements.json", "69"),
    "communes": commune_cases(),
    # The same reader as "communes": every case applies, with the same location and reason.
    "communes-fill": commune_cases(),
    "population": population_cases(),
    "finess-ej": legal_entity_cases(),
    "finess": finess_cases(),
    "gisco-hospitals": gisco_cases(),
    "authorisations": authorisation_cases(),
    "finess-authorisations": extract_cases(),
    "finess-plus-activites": flow_cases(),
    "annuaire-sante": annuaire_cases(),
    "population-age": census_cases(),
    "zoning": bassins_cases(),
    "mcs": emergency_cases("mcs.csv"),
    "helismur": emergency_cases("helismur.csv"),
    "drees-apl": drees_cases(),
    "pmsi-codes-geo": pmsi_geo_cases(),
    "patient-flows": patient_flow_cases(),
}


def test_every_kind_and_category_has_a_case_or_a_reason():
    """The generator leaves nothing out silently, and lists no case it also calls N/A."""
    for kind, cases in CASES.items():
        for category in CATEGORIES:
            has_case, not_applicable = category in cases, (kind, category) in NOT_APPLICABLE
            assert has_case != not_applicable, (kind, category)
        assert set(cases) <= set(CATEGORIES), kind


# --- Running them ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One region, one département, two communes with their populations, two facilities and
    four authorisations, imported once from the good files (committed, removed at the end)."""
    folder = tmp_path_factory.mktemp("good")
    with django_db_blocker.unblock():
        try:
            for kind, (filename, content) in [
                ("regions", GOOD_SHAPES["regions"]),
                ("departments", GOOD_SHAPES["departments"]),
                *GOOD.items(),
            ]:
                path = folder / filename
                path.write_bytes(content if isinstance(content, bytes) else content.encode())
                out = StringIO()
                call_command("import_open_data", kind, str(path), stdout=out, stderr=StringIO())
                assert " 0 rejected" in out.getvalue(), (kind, out.getvalue())
            assert (Commune.objects.count(), Facility.objects.count()) == (2, 3)
            assert list(LegalEntity.objects.values_list("finess_ej", "is_stub")) == [
                ("010780054", False)
            ]
            # two from the ARS CSV, one from each FINESS file (the same SU, twice)
            assert Authorisation.objects.count() == 4
            # each commune's census counts, and each in its own bassin de vie
            assert (CommunePopulationByAge.objects.count(), Zone.objects.count()) == (2, 2)
            yield folder
        finally:
            for model in reversed(TABLES):
                model.objects.all().delete()
            ImportRecord.objects.all().delete()


def checksums() -> dict[str, str]:
    """An md5 of every row of every table an import writes."""
    result = {}
    with connection.cursor() as cursor:
        for model in TABLES:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {table} t"
            )
            result[model._meta.db_table] = cursor.fetchone()[0]
    return result


def write_case(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / case.filename
    path.write_bytes(case.content)
    return path


def assert_clear_refusal(message: str, path: Path, case: Case) -> None:
    assert "Traceback" not in message
    assert re.search(rf"{re.escape(str(path))}, {case.where}: ", message), message[:600]
    assert case.reason in message, message[:600]
    assert len(message) < 1000, f"{len(message)} characters: {message[:300]}…"


ALL_CASES = [(kind, category) for kind in CASES for category in CATEGORIES]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "category"), ALL_CASES, ids=[f"{k}-{c}" for k, c in ALL_CASES])
def test_a_bad_file_is_refused_naming_file_line_and_reason(loaded, tmp_path, kind, category):
    if (kind, category) in NOT_APPLICABLE:
        pytest.skip(f"not applicable: {NOT_APPLICABLE[kind, category]}")
    case = CASES[kind][category]
    path = write_case(tmp_path, case)
    before = checksums()

    with pytest.raises(CommandError) as refusal:
        call_command("import_open_data", kind, str(path), stdout=StringIO(), stderr=StringIO())

    assert str(refusal.value).startswith("Nothing imported. ")
    assert_clear_refusal(str(refusal.value), path, case)
    assert checksums() == before
    record = ImportRecord.objects.latest("id")  # the Imports page names the refusal too
    assert (record.status, record.kind, record.file_name) == ("failed", kind, path.name)
    assert case.reason in record.error and re.fullmatch(case.where, record.error_where)


#: Cases that were tracebacks or silent skips before issue 9, one per way it went wrong, run as
#: real processes (the GISCO and authorisation field-over-limit cases take the FINESS one's
#: path, ``csv_records``).
IN_A_PROCESS = [
    ("population", "short-row"),  # skipped with a note, exit 0
    ("population", "30-digit-number"),  # a DataError traceback from PostgreSQL
    ("regions", "over-long-name"),  # idem
    ("finess", "field-over-131072-characters"),  # the csv module's field_size_limit error
    ("communes", "wrong-record-tag"),  # GDAL dropped the feature, exit 0
    ("zoning", "duplicate-key"),  # a TypeError traceback (the line given positionally)
]


@dataclass
class Run:
    path: Path
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def runs(loaded, django_db_blocker, tmp_path_factory):
    """``manage.py import_open_data`` on the test database for each ``IN_A_PROCESS`` case and
    once on the good population file, the processes side by side (a Django start-up each);
    with the table checksums before and after them all."""
    folder = tmp_path_factory.mktemp("processes")
    env = dict(os.environ)
    env["DATABASE_URL"] = "postgis://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    jobs = {"good": (loaded / GOOD["population"][0], "population")}
    for kind, category in IN_A_PROCESS:
        (folder / category).mkdir(exist_ok=True)
        jobs[kind, category] = (write_case(folder / category, CASES[kind][category]), kind)
    with django_db_blocker.unblock():
        before = checksums()
    started = {
        key: subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import_open_data", kind, str(path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for key, (path, kind) in jobs.items()
    }
    done = {}
    for key, process in started.items():
        stdout, stderr = process.communicate(timeout=300)
        done[key] = Run(jobs[key][0], process.returncode, stdout, stderr)
    with django_db_blocker.unblock():
        after = checksums()
    return done, before, after


def test_the_real_command_sees_the_loaded_data(runs):
    """What makes the process cases meaningful: the command reads this test database."""
    good = runs[0]["good"]
    assert good.returncode == 0, good.stderr[-2000:]
    assert "population: 0 created, 0 updated, 2 unchanged, 0 rejected" in good.stdout


@pytest.mark.parametrize(
    ("kind", "category"), IN_A_PROCESS, ids=[f"{k}-{c}" for k, c in IN_A_PROCESS]
)
def test_manage_py_exits_non_zero_with_the_message_and_no_traceback(runs, kind, category):
    done, before, after = runs
    run = done[kind, category]

    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "CommandError: Nothing imported. " in run.stderr, run.stderr[:600]
    assert_clear_refusal(run.stderr, run.path, CASES[kind][category])
    assert after == before


@pytest.mark.django_db
def test_a_self_intersecting_polygon_is_repaired_with_a_note_naming_the_feature(loaded, tmp_path):
    """What the README promises: repairable geometry is repaired and said so, not refused."""
    bow_tie = [[5.00, 46.00], [5.01, 46.01], [5.01, 46.00], [5.00, 46.01], [5.00, 46.00]]
    path = tmp_path / "communes.geojson"
    path.write_text(geojson([polygon_feature(bow_tie, code="01001", nom="X"), COMMUNES[1]]))
    out, err = StringIO(), StringIO()

    call_command("import_open_data", "communes", str(path), stdout=out, stderr=err)

    assert "communes: 0 created, 1 updated, 1 unchanged, 0 rejected" in out.getvalue()
    assert re.search(
        rf"note: {re.escape(str(path))}, feature 1 \(code 01001\): invalid geometry repaired "
        r"\(Self-intersection",
        err.getvalue(),
    ), err.getvalue()
    assert Commune.objects.get(code="01001").geometry.valid


@pytest.mark.django_db
def test_a_reference_year_that_is_not_a_year_is_refused_before_reading(loaded):
    before = checksums()
    with pytest.raises(CommandError, match=r"^--year 20233 is not a reference year"):
        call_command(
            "import_open_data", "population", str(loaded / GOOD["population"][0]),
            "--year", "20233", stdout=StringIO(),
        )  # fmt: skip
    assert checksums() == before
