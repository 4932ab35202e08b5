"""Time a whole-France-sized FINESS import on PostGIS: ~100,000 établissements, ~150,000
authorisation lines, then the same two files again (issue 10, "Done when", bench bullet).

    .venv/bin/python bench/bench_import_finess.py [--reuse] [--ets N] [--authorisations N]
                                                  [--profile DIR]

1. Its own database (``BENCH_DATABASE_URL``, default ``sros_bench_finess``, created if
   missing): régions, départements, the 34,868 national communes (polygons) and their
   populations and former codes from ``../shared/data/france`` are loaded through the real
   importers once (``--reuse`` keeps them when already loaded). Printed, not in the budget.
2. Two files are written, to the official layouts, from the real communes of that load:
   - an ``etalab-cs1100507`` extract (layout of ``facilities.finess``: manifest, 31/32-field
     ``structureet`` lines, then ``geolocalisation`` lines; latin-1, ``;``, CRLF) of
     ``--ets`` établissements spread over the real INSEE codes (weighted by population), with
     Lambert-93 (or the overseas UTM) coordinates for most, a commune code only for some,
     Paris/Lyon/Marseille under their arrondissement codes (as FINESS writes them), a few
     former COG codes (the population file's ``anciens_codes``) and a few with neither a known
     code nor coordinates;
   - an authorisations extract (layout of ``facilities.finess_authorisations``, the fields of
     ANS flux standard v4.1 §4.4.5–4.4.6) of ``--authorisations`` ``activiteoffresoin`` and
     ``equipementmateriellourd`` lines on those ET, with TRE_R274 activity, TRE_R405
     modality and TRE_R272 equipment codes of the reader's tables (a share of them codes we
     know but do not plan with: transplants, TEP, which the importer counts and skips).
3. A fresh child process imports both files, then both again, through
   ``opendata.services.import_file`` (as ``manage.py import_data`` does: each import writes
   its ``ImportRecord`` with its counts and the rows added/changed/ended against the previous
   one), and prints each report, the
   peak memory (``VmHWM`` of that process, i.e. its ``ru_maxrss`` without the parent's peak
   that Linux carries across ``exec``, and ``VmHWM`` of its PostgreSQL backend, which counts
   the shared buffers it touched), the share of establishments placed in a commune
   (per kind of generated line), and the budgets: 60 s for the two first imports together,
   1.5 GB, 99 % placed, and a second import that changes nothing (no row created, updated or
   ended, nothing added/changed/ended on its records). It exits 1 when a budget is missed.

Each import also prints the CPU time of the child process and of its PostgreSQL backend
(``/proc/PID/stat``): on a shared machine the wall time depends on the load, those less.

``--profile DIR`` runs the child under pyinstrument (``pip install pyinstrument``; it is no
dependency of the project) and writes one HTML page per import.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

from benchdb import open_data_dir, setup_django, timed

os.environ.setdefault("BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_bench_finess")

BUDGET_SECONDS = 60.0
BUDGET_MEMORY_MB = 1536.0
BUDGET_PLACED = 0.99
NATIONAL_COMMUNES = 34_868
EXTRACTION_DATE = "2026-05-12"
WORKDIR = Path(os.environ.get("BENCH_FINESS_DIR", "/tmp/bench_finess"))
ET_FILE = "etalab-cs1100507-stock-20260512-0336.csv"
AUTH_FILE = "etalab-autorisations-20260512.csv"
CLASSES_FILE = "classes.json"

# --- 1. the national territories ---------------------------------------------------------------


def load_territories(reuse: bool) -> None:
    from opendata.layout import files_to_load
    from opendata.registry import importer_for
    from territories.models import Commune

    loaded = Commune.objects.exclude(geometry=None).count()
    if reuse and loaded >= NATIONAL_COMMUNES - 10:
        print(f"territories: {loaded:,} communes with a polygon already loaded (--reuse)")
        return
    france = open_data_dir() / "france"
    print(f"territories from {france} (not in the budget):")
    timings: dict[str, float] = {}
    for kind, path in files_to_load(france):
        if kind not in ("regions", "departments", "communes", "population"):
            continue
        with timed(f"{kind} {path.name}", timings):
            report = importer_for(kind)(path)
        print(f"      {report.summary()}")
    print(f"  {'total':<45} {sum(timings.values()):7.2f} s")


# --- 2. the files ------------------------------------------------------------------------------

#: FINESS département code of an overseas INSEE département (the inverse of the reader's).
FINESS_OVERSEAS = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "976": "9F"}
#: Arrondissements municipaux as FINESS numbers the sites of Paris, Lyon and Marseille.
DISTRICTS = {
    "75056": range(75101, 75121),
    "69123": range(69381, 69390),
    "13055": range(13201, 13217),
}
EPSG_OF = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
#: (catégorie, label, aggregate, aggregate label, weight): the codes and labels of
#: ``facilities.categories`` (and 620 pharmacies d'officine, the most numerous ET).
CATEGORIES = [
    ("620", "Pharmacie d'Officine", "3301", "Pharmacies d'Officine", 20.0),
    ("500", "Etablissement d'hébergement pour personnes âgées dépendantes", "4401",
     "Etablissements et Services pour Personnes Agées", 8.0),
    ("124", "Centre de Santé", "2201", "Centres de Santé", 2.5),
    ("603", "Maison de santé (L.6223-3)", "2202", "Maisons de Santé", 2.0),
    ("156", "Centre Médico-Psychologique (C.M.P.)", "2206",
     "Etablissements de Lutte contre les Maladies Mentales", 3.0),
    ("425", "Centre d'Accueil Thérapeutique à temps partiel (C.A.T.T.P.)", "2206",
     "Etablissements de Lutte contre les Maladies Mentales", 1.5),
    ("501", "EHPA percevant des crédits d'assurance maladie", "4401",
     "Etablissements et Services pour Personnes Agées", 0.5),
    ("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers", 1.0),
    ("101", "Centre Hospitalier Régional (C.H.R.)", "1101", "Centres Hospitaliers Régionaux", 0.15),
    ("106", "Centre hospitalier, ex Hôpital local", "1102", "Centres Hospitaliers", 0.3),
    ("365", "Etablissement de Soins Pluridisciplinaire", "1110",
     "Etablissements de Soins de Courte Durée", 0.7),
    ("128", "Etablissement de Soins Chirurgicaux", "1110",
     "Etablissements de Soins de Courte Durée", 0.2),
    ("109", "Etablissement de santé privé autorisé en SSR", "1111",
     "Etablissements de Soins de Suite et de Réadaptation", 1.0),
    ("292", "Centre Hospitalier Spécialisé lutte Maladies Mentales", "1105",
     "Etablissements de Lutte contre les Maladies Mentales", 0.15),
    ("362", "Etablissement de Soins Longue Durée", "1109",
     "Etablissements de Soins de Longue Durée", 0.4),
]  # fmt: skip
#: Catégories that hold authorisations of care, with how many lines each gets relatively.
SANITARY = {"101": 12.0, "355": 6.0, "106": 1.5, "365": 4.0, "128": 2.0, "109": 1.5, "292": 2.0,
            "362": 0.5, "156": 0.3}  # fmt: skip
#: Valid (TRE_R274 activity, TRE_R405 modality) pairs of the reader's tables, with a weight;
#: 09, 13, 80–88 are read and skipped (outside the catalogue), 01 has no modality.
ACTIVITY_PAIRS = [
    ("01", "00", 10), ("02", "09", 6), ("02", "10", 2), ("03", "01", 2), ("03", "02", 1),
    ("03", "03", 0.7), ("03", "04", 0.4), ("04", "06", 4), ("04", "07", 2), ("07", "00", 2),
    ("10", "00", 0.2), ("11", "00", 0.6), ("12", "00", 0.2), ("14", "23", 2), ("14", "24", 0.4),
    ("14", "26", 1.2), ("14", "22", 0.3), ("14", "29", 0.3), ("15", "00", 1), ("16", "00", 1.5),
    ("18", "00", 2), ("50", "09", 3), ("51", "09", 1), ("52", "09", 1), ("53", "09", 0.6),
    ("54", "09", 0.5), ("55", "10", 0.3), ("56", "00", 0.3), ("58", "00", 0.4), ("59", "00", 1),
    ("09", "00", 0.05), ("13", "00", 0.1), ("80", "00", 0.1), ("83", "00", 0.05),
]  # fmt: skip
#: Form codes (not checked by the reader, kept as given).
FORMS = [
    ("00", "Pas de forme"),
    ("01", "Hospitalisation complète (24 heures consécutives ou plus)"),
    ("02", "Hospitalisation à temps partiel de jour ou de nuit"),
]
EQUIPMENT = [("05602", "SCANNER", 5), ("06201", "IRM", 4), ("06301", "CYCLOTRON", 0.1),
             ("44901", "CAISSON", 0.1), ("05702", "TEP", 0.5), ("05701", "GAMMA", 0.5)]  # fmt: skip
STREETS = ["RUE", "AV", "BD", "RTE", "PL", "CHE", "ALL", "IMP", "QUA"]
NAMES = ["DES TILLEULS", "DU CHATEAU", "SAINT-JOSEPH", "DE LA GARE", "JEAN JAURÈS", "PASTEUR",
         "LES GLYCINES", "DU PARC", "SAINTE-MARIE", "DE L'ÉGLISE", "VICTOR HUGO", "LES CÈDRES",
         "DU MOULIN", "NOTRE-DAME", "DE LA RÉPUBLIQUE", "LES CHÊNES", "DU LAC",
         "BELLEVUE"]  # fmt: skip


def ascii_upper(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def read_communes() -> list[dict]:
    """The national communes as loaded: code, département, population, postcode, name,
    representative point (lon, lat), and the former codes that lead to one commune only."""
    from territories.models import Commune, FormerCommuneCode

    csv_path = open_data_dir() / "france" / "population" / "communes-france-cog2026.csv"
    with open(csv_path, encoding="utf-8") as handle:
        postcodes = {
            row["code_insee"]: row["codes_postaux"].split("|")[0] for row in csv.DictReader(handle)
        }
    owners: dict[str, set[int]] = {}
    for code, commune_id in FormerCommuneCode.objects.values_list("code", "commune_id"):
        owners.setdefault(code, set()).add(commune_id)
    current = set(Commune.objects.values_list("code", flat=True))
    former_of: dict[int, list[str]] = {}
    for code, ids in owners.items():
        if len(ids) == 1 and code not in current:
            former_of.setdefault(next(iter(ids)), []).append(code)
    communes = []
    for pk, code, dep, name, population, point in Commune.objects.values_list(
        "id", "code", "department__code", "name", "population", "point"
    ).order_by("code"):
        communes.append({
            "code": code, "dep": dep, "name": name, "population": population or 0,
            "postcode": postcodes.get(code) or (code[:2] + "000"),
            "lonlat": (point.x, point.y) if point else None,
            "former": sorted(former_of.get(pk, [])),
        })  # fmt: skip
    return communes


def finess_parts(code: str) -> tuple[str, str]:
    """(FINESS ``departement``, 3-digit ``commune``) of an INSEE commune code."""
    if code[:3] in FINESS_OVERSEAS:
        return FINESS_OVERSEAS[code[:3]], code[2:5]
    return code[:2], code[2:5]


def projected(points: list[tuple[str, float, float]]) -> list[tuple[float, float, int]]:
    """(x, y, EPSG) of (INSEE département, lon, lat) points, one pyproj call per CRS."""
    from pyproj import Transformer

    by_epsg: dict[int, list[int]] = {}
    for i, (dep, _lon, _lat) in enumerate(points):
        by_epsg.setdefault(EPSG_OF.get(dep, 2154), []).append(i)
    result: list = [None] * len(points)
    for epsg, indexes in by_epsg.items():
        transformer = Transformer.from_crs(4326, epsg, always_xy=True)
        xs, ys = transformer.transform(
            [points[i][1] for i in indexes], [points[i][2] for i in indexes]
        )
        for i, x, y in zip(indexes, xs, ys, strict=True):
            result[i] = (float(x), float(y), epsg)
    return result


SOURCE_OF_EPSG = {
    2154: "EPSG:2154 RGF93 / Lambert-93 (Métropole)",
    5490: "EPSG:5490 RGAF09/UTM Zone 20N (Antilles)",
    2972: "EPSG:2972 RGFG95/UTM Zone 22N (Guyane)",
    2975: "EPSG:2975 RGR92/UTM Zone 40S (Réunion)",
    4471: "EPSG:4471 RGM04/UTM Zone 38S (Mayotte)",
}


def generate(n_ets: int, n_auth: int, seed: int = 10) -> dict[str, int]:
    """Write the two files and ``classes.json`` (ET number → kind of line) into WORKDIR."""
    from facilities.finess import STRUCTURE_FIELDS
    from facilities.finess_authorisations import (
        ACTIVITY_CODES,
        ACTIVITY_FIELDS,
        EQUIPMENT_CODES,
        EQUIPMENT_FIELDS,
        MODALITY_LABELS,
    )
    from territories.models import Department

    rng = random.Random(seed)
    communes = read_communes()
    department_names = {
        code: ascii_upper(name) for code, name in Department.objects.values_list("code", "name")
    }
    weights = [max(c["population"], 50) ** 0.85 for c in communes]
    with_former = [c for c in communes if c["former"] and c["lonlat"]]
    picks = rng.choices(communes, weights=weights, k=n_ets)
    categories = [c[:4] for c in CATEGORIES]
    category_weights = [c[4] for c in CATEGORIES]

    structures, classes, to_project = [], {}, []
    serial: dict[str, int] = {}
    for i in range(n_ets):
        commune = picks[i]
        roll = rng.random()
        code, lonlat, kind = commune["code"], commune["lonlat"], "coordinates"
        if roll < 0.004 and with_former:  # a site still filed under a former COG code
            commune = rng.choice(with_former)
            code, lonlat = rng.choice(commune["former"]), commune["lonlat"]
            kind = "former code + coordinates" if rng.random() < 0.7 else "former code only"
        elif roll < 0.005:  # neither a known commune code (xx999) nor coordinates
            kind = "none"
        elif roll < 0.10 or lonlat is None:
            kind = "commune code only"
        if commune["code"] in DISTRICTS and kind in ("coordinates", "commune code only"):
            code = str(rng.choice(DISTRICTS[commune["code"]]))
            kind = f"arrondissement{' only' if kind == 'commune code only' else ''}"
        if kind.endswith("only") or kind == "none":
            lonlat = None
        dep, commune_part = finess_parts(code)
        if kind == "none":
            commune_part = "999"
        serial[dep] = serial.get(dep, 0) + 1
        et = f"{dep}{serial[dep] * 7 + 1000003:07d}"[:9]
        ej = f"{dep}{(serial[dep] + 2) // 3 + 8000000:07d}"
        cat, label, agr, agr_label = rng.choices(categories, weights=category_weights)[0]
        public = cat in ("101", "355", "106", "292") or (
            cat in ("500", "362") and rng.random() < 0.3
        )
        name = f"{ascii_upper(label.split('(')[0].split(',')[0])[:24].strip()} {rng.choice(NAMES)}"
        insee_dep = commune["dep"]
        record = {
            "structureet": "structureet", "nofinesset": et, "nofinessej": ej,
            "rs": name[:38], "rslongue": name if rng.random() < 0.8 else "",
            "complrs": "", "compldistrib": "BP 12" if rng.random() < 0.05 else "",
            "numvoie": str(rng.randint(1, 250)) if rng.random() < 0.9 else "",
            "typvoie": rng.choice(STREETS), "voie": rng.choice(NAMES),
            "compvoie": rng.choice(["", "", "", "", "B", "BIS"]),
            "lieuditbp": "LIEU-DIT ; LE HAUT" if rng.random() < 0.01 else "",
            "commune": commune_part, "departement": dep,
            "libdepartement": department_names.get(insee_dep, ""),
            "ligneacheminement": f"{commune['postcode']} {ascii_upper(commune['name'])}"
            + (" CEDEX" if rng.random() < 0.05 else ""),
            "telephone": f"0{rng.randint(100000000, 599999999)}",
            "telecopie": f"0{rng.randint(100000000, 599999999)}" if rng.random() < 0.5 else "",
            "categetab": cat, "libcategetab": label, "categagretab": agr,
            "libcategagretab": agr_label,
            "siret": f"{rng.randint(10**13, 10**14 - 1)}" if rng.random() < 0.8 else "",
            "codeape": "8610Z" if cat in SANITARY else "8710A",
            "codemft": "03" if public else "24",
            "libmft": "ARS établissements Publics de santé dotation globale" if public
            else "Tarifs libres",
            "codesph": "1" if public else rng.choice(["0", "6", "7", "9", ""]),
            "libsph": "Etablissement public de santé" if public else "Non concerné",
            "dateouv": f"{rng.randint(1950, 2024)}-{rng.randint(1, 12):02d}-01",
            "dateautor": f"{rng.randint(1950, 2024)}-01-01",
            "datemaj": f"{rng.randint(2020, 2026)}-0{rng.randint(1, 4)}-{rng.randint(10, 28)}",
        }  # fmt: skip
        fields = [record[name] for name in STRUCTURE_FIELDS]
        if rng.random() < 0.5:
            fields.append("")  # the trailing numuai of recent files
        structures.append(fields)
        classes[et] = kind
        if lonlat is not None:
            jitter = 0.0 if kind.startswith("former") else 0.002
            to_project.append(
                (et, insee_dep, lonlat[0] + rng.uniform(-jitter, jitter),
                 lonlat[1] + rng.uniform(-jitter, jitter))
            )  # fmt: skip
        elif kind == "commune code only" and rng.random() < 0.5:
            to_project.append((et, insee_dep, None, None))  # a line with empty coordinates

    located = [p for p in to_project if p[2] is not None]
    xy = dict(
        zip((p[0] for p in located), projected([(p[1], p[2], p[3]) for p in located]), strict=True)
    )
    geolocations = []
    for et, _dep, lon, _lat in to_project:
        if lon is None:
            geolocations.append(["geolocalisation", et, "", "", "", "2026-05-04"])
            continue
        x, y, epsg = xy[et]
        source = (
            f"1,ATLASANTE,{rng.randint(80, 100)},BAN,{SOURCE_OF_EPSG[epsg]}"
            if rng.random() < 0.8 or epsg != 2154
            else "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93"
        )
        geolocations.append(["geolocalisation", et, f"{x:.1f}", f"{y:.1f}", source, "2026-05-04"])

    WORKDIR.mkdir(parents=True, exist_ok=True)
    with open(WORKDIR / ET_FILE, "w", encoding="latin-1", newline="") as handle:
        handle.write(f"finess;etalab;111;{EXTRACTION_DATE}\r\n")
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerows(structures)
        writer.writerows(geolocations)
    (WORKDIR / CLASSES_FILE).write_text(json.dumps(classes))

    # Authorisation lines on the sanitary sites, a few dozen each, as the big hospitals have.
    by_et = {row[1]: row for row in structures}
    sanitary = [row for row in structures if row[18] in SANITARY]
    site_weights = [SANITARY[row[18]] for row in sanitary]
    pairs = [p[:2] for p in ACTIVITY_PAIRS]
    pair_weights = [p[2] for p in ACTIVITY_PAIRS]
    equipment = [e[:2] for e in EQUIPMENT]
    equipment_weights = [e[2] for e in EQUIPMENT]
    lines = []
    sites = rng.choices(sanitary, weights=site_weights, k=n_auth)
    for n, site in enumerate(sites, start=1):
        et, ej, rs = site[1], site[2], site[3]
        region = f"{rng.randint(11, 94)}"
        number = f"{region}{n:07d}"
        decided = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000))
        started = decided + dt.timedelta(days=rng.randint(0, 400))
        ended = str(started + dt.timedelta(days=rng.randint(1, 3000))) if rng.random() < 0.1 else ""
        if rng.random() < 0.8:
            activity, modality = rng.choices(pairs, weights=pair_weights)[0]
            form, form_label = rng.choice(FORMS)
            values = {
                "activiteoffresoin": "activiteoffresoin", "nofinessej": ej, "rsej": rs,
                "activite": activity, "libactivite": ACTIVITY_CODES[activity][0],
                "modalite": modality, "libmodalite": MODALITY_LABELS[modality],
                "forme": form, "libforme": form_label, "noautor": number,
                "dateautor": str(decided), "nofinesset": et, "rset": rs,
                "noligautor": str(rng.randint(1, 9)), "noligautoranc": "",
                "noautorarhgos": f"{region}-{n:08d}", "noimplarhgos": f"{region}-I{n:08d}",
                "noancautact": "", "noancauteml": "",
                "sectpsy": "69G01" if activity == "04" else "", "libsectpsy": "",
                "datemeo": str(started) if rng.random() < 0.9 else "", "datefin": ended,
                "datelimite": "", "indcaduc": "N", "daterenouv": "", "indrenouv": "N",
                "indsupact": "N", "indsupsite": "N", "datemajact": "2025-01-10",
                "datemajsite": "2025-01-10",
            }  # fmt: skip
            lines.append([values[name] for name in ACTIVITY_FIELDS])
        else:
            eml, short = rng.choices(equipment, weights=equipment_weights)[0]
            values = {
                "equipementmateriellourd": "equipementmateriellourd", "nofinessej": ej,
                "rsej": rs, "eml": eml, "libeml": EQUIPMENT_CODES[eml][0], "libcourteml": short,
                "noautor": number, "noautorarhgos": f"{region}-{n:08d}",
                "noimplarhgos": f"{region}-I{n:08d}", "dateautor": str(decided), "nofinesset": et,
                "numserie": f"SN-{n}", "marque": rng.choice(["SIEMENS", "GE", "PHILIPS", "CANON"]),
                "rset": rs, "datelimite": "", "indcaduc": "N", "indnatlien": "J",
                "datemeo": str(started), "datefin": ended, "indrempl": "N",
                "noautorremplacement": "", "indsup": "N", "datemaj": "2025-01-10",
            }  # fmt: skip
            lines.append([values[name] for name in EQUIPMENT_FIELDS])
        if rng.random() < 0.5:
            lines[-1].append("")  # recent files end every line with ';'
    assert all(line[11 if line[0] == "activiteoffresoin" else 10] in by_et for line in lines)
    with open(WORKDIR / AUTH_FILE, "w", encoding="latin-1", newline="") as handle:
        handle.write(f"finess;etalab;112;{EXTRACTION_DATE}\r\n")
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(lines)
    counts: dict[str, int] = {}
    for kind in classes.values():
        counts[kind] = counts.get(kind, 0) + 1
    return {"structureet": len(structures), "geolocalisation": len(geolocations),
            "authorisation lines": len(lines), "sanitary sites": len(sanitary),
            **{f"ET: {k}": v for k, v in sorted(counts.items())}}  # fmt: skip


# --- 3. the timed imports (child process) ------------------------------------------------------


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """``VmHWM`` (peak resident set) of a process, in MB: for this process the figure
    ``ru_maxrss`` would give, without the parent's peak that Linux carries across ``exec``."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds a process has used (``/proc/PID/stat`` fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_imports(profile_dir: str | None) -> int:
    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from facilities.models import Facility
    from opendata.services import import_file

    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        backend = cursor.fetchone()[0]
    start_rss = peak_rss_mb() or 0.0
    # Through opendata.services.import_file, as ``manage.py import_data`` and the Imports page
    # run them: the ImportRecord (counts, rows added/changed/ended) is part of what is timed.
    steps = [
        ("FINESS ET (cs1100507)", "finess", WORKDIR / ET_FILE),
        ("authorisations extract", "finess-authorisations", WORKDIR / AUTH_FILE),
    ]
    totals, reports, records, cpu_times, pg_cpu_times = [], [], [], [], []
    for run in ("first import", "second import (same files)"):
        print(f"{run}:", flush=True)
        timings: dict[str, float] = {}
        for label, kind, path in steps:
            profiler = None
            if profile_dir:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            cpu, pg_cpu = time.process_time(), cpu_seconds(backend)
            with timed(label, timings):
                report, record = import_file(kind, path)
            cpu_times.append(time.process_time() - cpu)
            pg_cpu_times.append(cpu_seconds(backend) - pg_cpu)
            if profiler:
                profiler.stop()
                name = f"{run.split()[0]}-{label.split()[0].lower()}.html"
                Path(profile_dir, name).write_text(profiler.output_html())
            print(
                f"      {report.summary()}, {report.ended} ended; {cpu_times[-1]:.1f} s CPU "
                f"here, {pg_cpu_times[-1]:.1f} s CPU in the PostgreSQL backend"
            )
            changes = {name: part["total"] for name, part in record.changes.items()}
            print(f"      import record #{record.pk}: rows {changes} against the previous one")
            for message in report.messages[:4]:
                print(f"      note: {message[:150]}")
            reports.append(report)
            records.append(record)
        totals.append(sum(timings.values()))
        cpu_total = sum(cpu_times[-len(steps) :])
        pg_total = sum(pg_cpu_times[-len(steps) :])
        print(
            f"  {'total':<45} {totals[-1]:7.2f} s ({cpu_total:.1f} s CPU here, "
            f"{pg_total:.1f} s in PostgreSQL)",
            flush=True,
        )

    peak = peak_rss_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pg_peak = peak_rss_mb(backend)
    classes = json.loads((WORKDIR / CLASSES_FILE).read_text())
    placed = set(Facility.objects.filter(commune__isnull=False).values_list("finess_et", flat=True))
    total = Facility.objects.count()
    print("establishments placed in a commune, by kind of line:")
    by_kind: dict[str, list[int]] = {}
    for number, kind in classes.items():
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += number in placed
        by_kind[kind][1] += 1
    for kind, (ok, n) in sorted(by_kind.items()):
        print(f"  {kind:<30} {ok:>7,} / {n:>7,}")
    share = len(placed) / total if total else 0.0
    second = reports[2:]
    no_op = all(r.created == 0 and r.updated == 0 and r.ended == 0 for r in second) and all(
        part["total"] == 0 for record in records[2:] for part in record.changes.values()
    )

    def verdict(ok: bool) -> str:
        return "OK" if ok else "OVER"

    print("budgets:")
    print(f"  first import, both files   {totals[0]:8.2f} s   (budget {BUDGET_SECONDS:.0f} s: "
          f"{verdict(totals[0] < BUDGET_SECONDS)})")  # fmt: skip
    print(f"  second import, both files  {totals[1]:8.2f} s   (budget {BUDGET_SECONDS:.0f} s: "
          f"{verdict(totals[1] < BUDGET_SECONDS)})")  # fmt: skip
    print(f"  peak memory (VmHWM)        {peak:8.0f} MB  (budget {BUDGET_MEMORY_MB:.0f} MB: "
          f"{verdict(peak < BUDGET_MEMORY_MB)}; {start_rss:.0f} MB after setup)")  # fmt: skip
    if pg_peak is not None:
        print(f"  PostgreSQL backend VmHWM   {pg_peak:8.0f} MB  (pid {backend}; includes the "
              "shared buffers it touched)")  # fmt: skip
    print(f"  placed in a commune        {share:8.2%}     ({len(placed):,} of {total:,}; budget "
          f"{BUDGET_PLACED:.0%}: {verdict(share >= BUDGET_PLACED)})")  # fmt: skip
    print(f"  second import changes      {'nothing' if no_op else 'SOMETHING':>8}     "
          f"({verdict(no_op)})")  # fmt: skip
    ok = (totals[0] < BUDGET_SECONDS and peak < BUDGET_MEMORY_MB and share >= BUDGET_PLACED
          and no_op)  # fmt: skip
    return 0 if ok else 1


# --- the command -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep the loaded territories")
    parser.add_argument("--ets", type=int, default=100_000)
    parser.add_argument("--authorisations", type=int, default=150_000)
    parser.add_argument("--profile", metavar="DIR", help="pyinstrument HTML pages into DIR")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_imports(args.profile)

    setup_django(flush=not args.reuse)
    load_territories(args.reuse)
    from facilities.models import Authorisation, Facility, LegalEntity

    # The first import starts from no establishment, as on a new national database; the EJ
    # stubs import_finess creates go too, so that every run creates them again.
    Authorisation.objects.all().delete()
    Facility.objects.all().delete()
    LegalEntity.objects.all().delete()
    start = time.perf_counter()
    counts = generate(args.ets, args.authorisations)
    print(f"files written to {WORKDIR} in {time.perf_counter() - start:.1f} s (not in the budget):")
    for label, count in counts.items():
        print(f"  {label:<45} {count:>8,}")
    for name in (ET_FILE, AUTH_FILE):
        print(f"  {name:<45} {(WORKDIR / name).stat().st_size / 1e6:7.1f} MB")
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, __file__, "--child"]
    if args.profile:
        command += ["--profile", args.profile]
    print("imports, in a fresh process (its memory is the one measured):", flush=True)
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
