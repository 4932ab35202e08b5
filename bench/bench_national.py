"""All of France, end to end: the national import, every level's state, the national APL and
the all-regions run, each with its time and peak memory (issue 11 §5, first bullet).

    .venv/bin/python bench/bench_national.py [--reuse] [--departments 01 39 …] [--sites 60000]
                                             [--seed 11] [--profile DIR]

Its own database (``BENCH_DATABASE_URL``, default ``sros_national_bench``, created if
missing). From ``../shared/data/france`` (34,868 communes, 5,360 GISCO/FINESS hospitals):

1. **National import** (goal < 60 s): régions, départements, commune polygons, INSEE legal
   populations and the GISCO hospitals, through ``opendata.services.import_file`` (as
   ``load_demo --from`` and ``import_open_data`` run them: each writes its ImportRecord). The
   hospital file is the shared one plus **one verbatim row of the upstream file**, the CH de
   Mayotte (``980500011``, ``eurostat/basic-services`` commit ``f200d0ce``
   ``data/healthcare/csv/FR.csv``, line 5369), which the shared cut left out because its
   number does not start with a département code (``../shared/data/README.md`` §8): without it
   Mayotte has no hospital at all and no level could be computed there.
2. **Authorisations, SYNTHETIC, to the official layout** (not in a goal): an extract in the
   layout of the data.gouv "FINESS Extraction des autorisations d'activités de soins"
   (``facilities.finess_authorisations``, docs/finess-authorisations.md; TRE_R274 activities,
   TRE_R405 modalities) with lines for **every** GISCO site, drawn from a seeded RNG by the
   site's kind (SU/SMUR at CH and CHU, SAMU once per département, maternity units giving types
   1 to 3, psychiatry at psychiatric hospitals, médecine or SSR elsewhere), then topped up so
   that every region holds every modality a level names. Imported with
   ``finess-authorisations``; then each region's level states are printed (computed /
   approximated / missing, ``pathways.selectors.level_states``) and the bench **fails if a
   level is missing** in any region.
3. **National APL by crow-fly** (goal < 5 s): a SYNTHETIC Annuaire Santé extraction
   (``PS_LibreAcces_Personne_activite``, the 52 columns of ``facilities.annuaire.FIELDS``) of
   ``--sites`` practice sites (default 60,000) of general practitioners spread over the real
   communes by population, imported with ``annuaire-sante`` (timed, not in the goal), then
   ``indicators.apl_services.apl_compute_all`` (every region: inputs read once, step 1 over
   all of France, one ``AplRun`` per region stored) is timed.
4. **All regions' indicators** (goal < 60 s): a crow-fly run of every level for every region
   with communes, in this process (``run_create`` + ``run_compute``, as
   ``compute_indicators --sync``), one after the other.

Peak memory: ``VmHWM`` of this process, reset before each step (``/proc/self/clear_refs``,
value 5), so each step shows its own peak; also the PostgreSQL backend's. The load average of
the machine (``os.getloadavg()``) is printed before and after each step: other engineers run
tests on the same 2 cores. Exits 1 when a level is missing or a goal is missed.

``--departments`` runs the same code on a subset (files filtered to those départements;
``tests/test_bench_national.py`` runs it on two). ``--reuse`` keeps what a previous run loaded
(territories and facilities) and skips the import timing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

try:
    from benchdb import open_data_dir, setup_django
except ImportError:  # imported as ``bench.bench_national`` (the test)
    from bench.benchdb import open_data_dir, setup_django

os.environ.setdefault("BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_national_bench")

GOALS = {"import": 60.0, "apl": 5.0, "regions": 60.0}
EXTRACTION_DATE = "2026-05-12"
WORKDIR = Path(os.environ.get("BENCH_NATIONAL_DIR", "/tmp/bench_national"))
#: The CH de Mayotte, verbatim from eurostat/basic-services f200d0ce data/healthcare/csv/FR.csv
#: (line 5369), left out of ``../shared/data/france`` (README §8).
MAYOTTE_ROW = (
    "980500011,CENTRE HOSPITALIER DE MAYOTTE,,-12.775883674621582,45.193180084228516,2,"
    "RUE DE L'HOPITAL,,97600,MAMOUDZOU,YT,France,,,,,Centre Hospitalier (C.H.),public,,"
    "269618000,,,06/03/2020,16/04/2020,"
)
GISCO_NAME = "eurostat-gisco-hospitals-france-2020.csv"
AUTH_NAME = "etalab-autorisations-SYNTHETIC-20260512.csv"
ANNUAIRE_NAME = "PS_LibreAcces_Personne_activite_202605120930.txt"


# --- measuring ---------------------------------------------------------------------------------


def vm_hwm_mb(pid: int | str = "self") -> float:
    """``VmHWM`` (peak resident set since the last reset) of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak() -> None:
    """Reset this process's ``VmHWM`` to its current resident set (Linux ``clear_refs`` 5)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a process (``/proc/PID/stat`` fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    label: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    backend_peak_mb: float = 0.0
    cpu: float = 0.0
    backend_cpu: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)


@contextmanager
def measured(label: str, steps: list[Step], backend: int | None = None):
    step = Step(label)
    reset_peak()
    print(f"{label} ({load()}):", flush=True)
    cpu, backend_cpu = cpu_seconds(), cpu_seconds(backend) if backend else float("nan")
    started = time.perf_counter()
    yield step
    step.seconds = time.perf_counter() - started
    step.cpu = cpu_seconds() - cpu
    step.backend_cpu = (cpu_seconds(backend) if backend else float("nan")) - backend_cpu
    step.peak_mb = vm_hwm_mb()
    step.backend_peak_mb = vm_hwm_mb(backend) if backend else float("nan")
    steps.append(step)
    print(
        f"  {'total':<48} {step.seconds:7.2f} s ({step.cpu:.1f} s CPU here, "
        f"{step.backend_cpu:.1f} s in PostgreSQL), peak RSS {step.peak_mb:,.0f} MB ({load()})",
        flush=True,
    )


@contextmanager
def part(step: Step, label: str):
    started = time.perf_counter()
    yield
    step.parts[label] = time.perf_counter() - started
    print(f"  {label:<48} {step.parts[label]:7.2f} s", flush=True)


# --- 1. the files ------------------------------------------------------------------------------


def _department_of_gisco(row: dict[str, str]) -> str:
    number = row["id"].zfill(9)
    if number.startswith("97") or number.startswith("98"):
        return row["postcode"][:3]
    return number[:2]


def prepare_files(
    workdir: Path, departments: Iterable[str] | None = None, data: Path | None = None
) -> Path:
    """A directory in the open-data layout (``opendata.layout``) with the national files:
    the big ones linked, the GISCO file copied with the Mayotte row; with ``departments``,
    the commune, population and hospital files cut to those départements."""
    france = (data or open_data_dir()) / "france"
    wanted = set(departments) if departments else None
    for sub in ("geo", "population", "facilities"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    for name in (
        "geo/regions-france-2018.geojson",
        "geo/departements-france-2018.geojson",
        "population/regions-cog2026.json",
        "population/departements-cog2026.json",
    ):
        _link(france / name, workdir / name)
    communes = "geo/communes-france-cog2026.geojson"
    population = "population/communes-france-cog2026.csv"
    if wanted is None:
        _link(france / communes, workdir / communes)
        _link(france / population, workdir / population)
    else:
        with open(france / communes, encoding="utf-8") as handle:
            collection = json.load(handle)
        collection["features"] = [
            f for f in collection["features"] if f["properties"]["departement"] in wanted
        ]
        (workdir / communes).write_text(json.dumps(collection), encoding="utf-8")
        with open(france / population, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [r for r in reader if r["departement"] in wanted]
            with open(workdir / population, "w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
    text = (france / "facilities" / GISCO_NAME).read_text(encoding="utf-8")
    lines = text.rstrip("\n").split("\n") + [MAYOTTE_ROW]
    if wanted is not None:
        header = lines[0].split(",")
        kept = [lines[0]]
        for line in lines[1:]:
            row = next(csv.DictReader([lines[0], line]))
            if _department_of_gisco(row) in wanted:
                kept.append(line)
        lines = kept
        assert header[0] == "id"
    (workdir / "facilities" / GISCO_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return workdir


def _link(source: Path, target: Path) -> None:
    if target.is_symlink() or target.exists():
        target.unlink()
    target.symlink_to(source)


# --- 2. the SYNTHETIC authorisations, official layout -------------------------------------------

#: (TRE_R274 activity, TRE_R405 modality) of each catalogue spec a level names.
URGENT = {"su": ("14", "23"), "smur": ("14", "26"), "samu": ("14", "22")}
UNITS = {"obstetrique": ("03", "01"), "neonatologie": ("03", "02"),
         "neonatologie_si": ("03", "03"), "reanimation_neonatale": ("03", "04")}  # fmt: skip
PSYCHIATRY = {"adultes": ("04", "06"), "infanto_juvenile": ("04", "07")}
OTHER = [("01", "00"), ("50", "09"), ("07", "00"), ("16", "00"), ("18", "00")]
FORM = ("01", "Hospitalisation complète (24 heures consécutives ou plus)")


def _maternity(rng: random.Random, kind: str) -> list[tuple[str, str]]:
    from facilities import perinatal

    types = {"chu": ("3", "3", "2b"), "ch": ("1", "2a", "2b", "1"), "clinique": ("1", "2a")}
    chosen = rng.choice(types[kind])
    return [UNITS[unit] for unit in perinatal.UNITS_OF_TYPE[chosen]]


def authorisation_pairs(rng: random.Random, kind: str) -> list[tuple[str, str]]:
    """The (activity, modality) lines of one site of ``kind`` (SYNTHETIC, by plausibility)."""
    pairs: list[tuple[str, str]] = [rng.choice(OTHER)]
    if kind == "chu":
        pairs += [URGENT["su"], URGENT["smur"], *_maternity(rng, kind)]
        if rng.random() < 0.5:
            pairs += [PSYCHIATRY["adultes"], PSYCHIATRY["infanto_juvenile"]]
    elif kind == "ch":
        if rng.random() < 0.6:
            pairs += [URGENT["su"], URGENT["smur"]]
        if rng.random() < 0.4:
            pairs += _maternity(rng, kind)
        if rng.random() < 0.3:
            pairs.append(PSYCHIATRY["adultes"])
    elif kind == "clinique":
        if rng.random() < 0.15:
            pairs.append(URGENT["su"])
        if rng.random() < 0.2:
            pairs += _maternity(rng, kind)
    elif kind == "psychiatrie":
        pairs = [PSYCHIATRY["adultes"]]
        if rng.random() < 0.4:
            pairs.append(PSYCHIATRY["infanto_juvenile"])
    return list(dict.fromkeys(pairs))


#: Per region, the lines every level needs at least once (a type 3 maternity holds 2a/2b).
REGION_NEEDS = [URGENT["su"], URGENT["smur"], URGENT["samu"], *UNITS.values(),
                PSYCHIATRY["adultes"], PSYCHIATRY["infanto_juvenile"]]  # fmt: skip
KIND_RANK = {"chu": 0, "ch": 1, "clinique": 2, "psychiatrie": 3}


def plan_authorisations(sites: list[tuple[str, str, str, str]], seed: int) -> dict[str, list]:
    """{FINESS ET: [(activity, modality)]} for every site (finess, kind, département, region):
    the kind's lines, SAMU at the lead hospital of each département, then what a region still
    lacks at its lead hospital (a CHU, else a CH, else any site)."""
    rng = random.Random(seed)
    plan = {finess: authorisation_pairs(rng, kind) for finess, kind, _dep, _reg in sites}

    def lead(group: list[tuple[str, str, str, str]]) -> str:
        return min(group, key=lambda s: (KIND_RANK.get(s[1], 9), s[0]))[0]

    by_department: dict[str, list] = {}
    by_region: dict[str, list] = {}
    for site in sites:
        by_department.setdefault(site[2], []).append(site)
        by_region.setdefault(site[3], []).append(site)
    for group in by_department.values():
        plan[lead(group)].append(URGENT["samu"])
    for group in by_region.values():
        held = {pair for site in group for pair in plan[site[0]]}
        head = lead(group)
        for need in REGION_NEEDS:
            if need not in held:
                plan[head].append(need)
    return {finess: list(dict.fromkeys(pairs)) for finess, pairs in plan.items()}


def write_authorisations(path: Path, seed: int) -> dict[str, int]:
    """The SYNTHETIC extract for every loaded facility, in the data.gouv layout."""
    from facilities.finess_authorisations import ACTIVITY_CODES, ACTIVITY_FIELDS, MODALITY_LABELS
    from facilities.models import Facility

    sites = [
        (finess, kind, dep or "", region or "")
        for finess, kind, dep, region in Facility.objects.order_by("finess_et").values_list(
            "finess_et", "kind", "commune__department__code", "commune__department__region__code"
        )
    ]
    plan = plan_authorisations(sites, seed)
    rng = random.Random(seed + 1)
    lines = []
    for n, (finess, _kind, dep, _region) in enumerate(sites, start=1):
        ej = f"{finess[:2]}{9000000 + n:07d}"
        for line, (activity, modality) in enumerate(plan[finess], start=1):
            decided = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randint(0, 6000))
            started = decided + dt.timedelta(days=rng.randint(0, 365))
            number = f"{dep[:2] or '00'}{n:05d}{line:02d}"
            values = {
                "activiteoffresoin": "activiteoffresoin", "nofinessej": ej,
                "rsej": f"EJ SYNTHETIQUE {n}", "activite": activity,
                "libactivite": ACTIVITY_CODES[activity][0], "modalite": modality,
                "libmodalite": MODALITY_LABELS[modality], "forme": FORM[0], "libforme": FORM[1],
                "noautor": number, "dateautor": str(decided), "nofinesset": finess,
                "rset": f"SITE SYNTHETIQUE {finess}", "noligautor": str(line),
                "noligautoranc": "", "noautorarhgos": f"{number}-A", "noimplarhgos": f"{number}-I",
                "noancautact": "", "noancauteml": "",
                "sectpsy": f"{dep}G01" if activity == "04" else "", "libsectpsy": "",
                "datemeo": str(started), "datefin": "", "datelimite": "", "indcaduc": "N",
                "daterenouv": "", "indrenouv": "N", "indsupact": "N", "indsupsite": "N",
                "datemajact": "2025-01-10", "datemajsite": "2025-01-10",
            }  # fmt: skip
            lines.append([values[name] for name in ACTIVITY_FIELDS])
    with open(path, "w", encoding="latin-1", newline="") as handle:
        handle.write(f"finess;etalab;112;{EXTRACTION_DATE}\r\n")
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(lines)
    return {"sites": len(sites), "lines": len(lines)}


def level_report(echo: Callable[[str], None] = print) -> dict[str, dict[str, list[str]]]:
    """{region code: {state: [level codes]}} for every region with communes, printed."""
    from django.db.models import Exists, OuterRef

    from pathways.models import Level
    from pathways.selectors import STATES, level_states
    from territories.models import Commune, Region

    levels = list(Level.current.select_related("pathway").prefetch_related("requirements"))
    communes = Commune.objects.filter(department__region=OuterRef("pk"))
    regions = Region.objects.defer("geometry").filter(Exists(communes)).order_by("code")
    report: dict[str, dict[str, list[str]]] = {}
    totals = dict.fromkeys(STATES, 0)
    for region in regions:
        states = level_states(region, levels)
        by_state: dict[str, list[str]] = {state: [] for state in STATES}
        for level in levels:
            by_state[states[level.pk].state].append(f"{level.pathway.code}:{level.rank}")
        report[region.code] = by_state
        for state in STATES:
            totals[state] += len(by_state[state])
        counts = ", ".join(f"{len(by_state[s])} {s}" for s in STATES)
        lacking = f"  MISSING: {' '.join(by_state['missing'])}" if by_state["missing"] else ""
        echo(f"    region {region.code:<3} {region.name[:34]:<34} {counts}{lacking}")
    echo(
        f"  levels × regions: {totals['computed']} computed, {totals['approximated']} "
        f"approximated, {totals['missing']} missing ({len(report)} regions, {len(levels)} levels)"
    )
    return report


# --- 3. the SYNTHETIC Annuaire Santé extraction ----------------------------------------------


def write_annuaire(path: Path, n_sites: int, seed: int) -> dict[str, int]:
    """``n_sites`` practice sites of general practitioners over the loaded communes (weighted
    by population), 1 to 4 GPs each, one in twenty GPs also at a second site; the public
    extraction's 52 columns (no activity, no coordinates: sites at their commune's point)."""
    from facilities.annuaire import FIELDS
    from territories.models import Commune

    rng = random.Random(seed)
    communes = list(
        Commune.objects.exclude(point=None)
        .order_by("code")
        .values_list("code", "name", "population")
    )
    weights = [max(p or 0, 30) ** 0.9 for _c, _n, p in communes]
    picks = rng.choices(communes, weights=weights, k=n_sites)
    index = {name: i for i, name in enumerate(FIELDS)}
    base = [""] * len(FIELDS)
    for name, value in {
        "Type d'identifiant PP": "8", "Code civilité d'exercice": "DR",
        "Libellé civilité d'exercice": "Docteur", "Code profession": "10",
        "Libellé profession": "Médecin", "Code catégorie professionnelle": "C",
        "Libellé catégorie professionnelle": "Civil", "Code type savoir-faire": "S",
        "Libellé type savoir-faire": "Spécialité ordinale", "Code savoir-faire": "SM54",
        "Libellé savoir-faire": "Médecine Générale", "Code mode exercice": "L",
        "Libellé mode exercice": "Libéral", "Code secteur d'activité": "SA07",
        "Libellé secteur d'activité": "Cabinet individuel",
        "Autorité d'enregistrement": "CNOM/CNOM/CNOM", "Code type de voie (coord. structure)": "R",
        "Libellé type de voie (coord. structure)": "Rue",
    }.items():  # fmt: skip
        base[index[name]] = value
    lines, practitioners = [], 0
    sites: list[tuple[str, tuple]] = []
    for n, (code, name, _population) in enumerate(picks, start=1):
        sites.append((f"R{10**13 + n}", (code, name)))
    for key, (code, name) in sites:
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            practitioners += 1
            ids = [(key, code, name)]
            if rng.random() < 0.05:
                ids.append((*rng.choice(sites)[:1], *rng.choice(sites)[1]))
            for site_key, site_code, site_name in ids:
                fields = list(base)
                fields[index["Identifiant PP"]] = f"{10**10 + practitioners}"
                fields[index["Identification nationale PP"]] = f"8{10**10 + practitioners}"
                fields[index["Nom d'exercice"]] = f"MEDECIN{practitioners}"
                fields[index["Prénom d'exercice"]] = "SYNTHETIQUE"
                fields[index["Identifiant technique de la structure"]] = site_key
                fields[index["Raison sociale site"]] = f"CABINET SYNTHETIQUE {site_key}"
                fields[index["Numéro Voie (coord. structure)"]] = str(rng.randint(1, 99))
                fields[index["Libellé Voie (coord. structure)"]] = "DE LA MAIRIE"
                fields[index["Code postal (coord. structure)"]] = _postcode(site_code)
                fields[index["Code commune (coord. structure)"]] = site_code
                fields[index["Libellé commune (coord. structure)"]] = site_name
                lines.append("|".join(fields) + "|")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("|".join(FIELDS) + "|\n")
        handle.write("\n".join(lines) + "\n")
    return {"sites": n_sites, "general practitioners": practitioners, "lines": len(lines)}


def _postcode(code: str) -> str:
    if code.startswith("2A") or code.startswith("2B"):
        return "20" + code[2:]
    return code


# --- the steps ---------------------------------------------------------------------------------


def import_files(step: Step, directory: Path, kinds: Iterable[str]) -> list:
    from opendata.layout import files_to_load
    from opendata.services import import_file

    reports = []
    wanted = set(kinds)
    for kind, path in files_to_load(directory):
        if kind not in wanted:
            continue
        with part(step, f"{kind} {path.name}"):
            report = import_file(kind, path).report
        print(f"      {report.summary()}", flush=True)
        reports.append(report)
    return reports


def all_regions_run(step: Step) -> list:
    from django.db.models import Exists, OuterRef

    from indicators import services
    from territories.models import Commune, Region

    communes = Commune.objects.filter(department__region=OuterRef("pk"))
    regions = list(Region.objects.defer("geometry").filter(Exists(communes)).order_by("code"))
    runs = []
    for region in regions:
        with part(step, f"region {region.code} {region.name[:30]}"):
            run = services.run_create(region=region, enqueue=False)
            run = services.run_compute(run.pk)
        if run.status != "done":
            raise SystemExit(f"run {run.pk} of region {region.code} failed: {run.error}")
        runs.append(run)
    return runs


def empty_loaded_data() -> None:
    """Empty what the bench loads (territories, facilities, practitioners, runs, import
    records) and what refers to it, keeping the migrations' seeds (pathways, catalogue):
    ``TRUNCATE … CASCADE`` rather than Django's cascading delete of 35,000 communes."""
    from django.db import connection

    from facilities.models import Facility, LegalEntity
    from facilities.practitioners import PracticeSite
    from opendata.models import ImportRecord
    from territories.models import Region

    tables = [m._meta.db_table for m in (Region, Facility, LegalEntity, PracticeSite, ImportRecord)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # noqa: S608 - model tables


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        return int(cursor.fetchone()[0])


def run(
    *,
    departments: list[str] | None = None,
    n_sites: int = 60_000,
    seed: int = 11,
    reuse: bool = False,
    workdir: Path = WORKDIR,
    data: Path | None = None,
) -> dict:
    """The whole bench in this process (Django set up by the caller); returns what it
    measured: steps, the level report, the APL runs and the indicator runs."""
    from facilities.models import Authorisation, Facility
    from indicators import apl_services

    steps: list[Step] = []
    backend = backend_pid()
    directory = prepare_files(workdir, departments, data)
    scope = "départements " + " ".join(departments) if departments else "all of France"
    print(f"files in {directory} ({scope})")
    if not (reuse and Facility.objects.exists()):
        with measured(
            "1. national import: communes, populations, facilities", steps, backend
        ) as step:
            import_files(
                step,
                directory,
                ("regions", "departments", "communes", "population", "gisco-hospitals"),
            )
    with measured(
        "2. SYNTHETIC authorisations, official layout (not in a goal)", steps, backend
    ) as step:
        Authorisation.objects.filter(source=Authorisation.Source.FINESS_EXTRACT).delete()
        (directory / "authorisations").mkdir(exist_ok=True)
        path = directory / "authorisations" / AUTH_NAME
        with part(step, "write the extract"):
            counts = write_authorisations(path, seed)
        print(f"      {counts['lines']:,} lines for {counts['sites']:,} sites")
        from opendata.services import import_file

        with part(step, f"finess-authorisations {path.name}"):
            report = import_file("finess-authorisations", path).report
        print(f"      {report.summary()}")
        levels = level_report()
    with measured("3. SYNTHETIC Annuaire Santé (not in a goal)", steps, backend) as step:
        (directory / "professionals").mkdir(exist_ok=True)
        path = directory / "professionals" / ANNUAIRE_NAME
        with part(step, "write the extraction"):
            counts = write_annuaire(path, n_sites, seed)
        print("      " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        with part(step, f"annuaire-sante {path.name}"):
            report = import_file("annuaire-sante", path).report
        print(f"      {report.summary()}")
    with measured("4. national APL, crow-fly, every region", steps, backend) as step:
        apl_runs = apl_services.apl_compute_all(timings=step.parts)
        for label, seconds in step.parts.items():
            print(f"  {label:<48} {seconds:7.2f} s")
    with measured("5. all regions' indicators, crow-fly, every level", steps, backend) as step:
        runs = all_regions_run(step)
    return {"steps": steps, "levels": levels, "apl_runs": apl_runs, "runs": runs}


def verdicts(result: dict) -> bool:
    """Print the goals and the levels' verdict; True when all hold."""
    import numpy as np

    from indicators.models import AplValue

    steps = {s.label.split(".")[0]: s for s in result["steps"]}
    missing = {code: s["missing"] for code, s in result["levels"].items() if s["missing"]}
    stored = AplValue.objects.filter(run__in=result["apl_runs"]).values_list("value", flat=True)
    values = np.array([v for v in stored if v is not None], dtype=float)
    print(f"\nsummary ({load()}, {os.cpu_count()} CPUs):")
    ok = True
    for key, label, goal in (("1", "national import", "import"), ("4", "national APL", "apl"),
                             ("5", "all regions' indicators", "regions")):  # fmt: skip
        step = steps.get(key)
        if step is None:
            print(f"  {label:<28} not measured (--reuse)")
            continue
        good = step.seconds < GOALS[goal]
        ok &= good
        print(f"  {label:<28} {step.seconds:7.2f} s  goal < {GOALS[goal]:.0f} s: "
              f"{'OK' if good else 'OVER'}; CPU {step.cpu:.1f} s here + {step.backend_cpu:.1f} s "
              f"PostgreSQL; peak RSS {step.peak_mb:,.0f} MB, PostgreSQL backend "
              f"{step.backend_peak_mb:,.0f} MB")  # fmt: skip
    print(f"  APL values: {len(values):,} communes, finite {bool(np.isfinite(values).all())}, "
          f"median {np.median(values) if len(values) else float('nan'):.1f}")  # fmt: skip
    if missing:
        print(f"  FAILED: levels missing in {len(missing)} region(s): {missing}")
        ok = False
    else:
        print("  every level of every region computed or approximated: none missing")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--departments", nargs="+", help="a subset (INSEE département codes)")
    parser.add_argument("--sites", type=int, default=60_000, help="practice sites generated")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded files")
    parser.add_argument("--profile", metavar="DIR", help="pyinstrument HTML of the whole run")
    args = parser.parse_args()
    setup_django(flush=False)
    if not args.reuse:
        empty_loaded_data()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    result = run(departments=args.departments, n_sites=args.sites, seed=args.seed, reuse=args.reuse)
    if profiler:
        profiler.stop()
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        Path(args.profile, "bench_national.html").write_text(profiler.output_html())
    return 0 if verdicts(result) else 1


if __name__ == "__main__":
    sys.exit(main())
