"""A full Auvergne-Rhône-Alpes indicator run through a real Celery worker (2 processes).

    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/bench_end_to_end.py

Loads the real AURA files (régions, départements, 4,021 commune polygons, populations, the 566
GISCO hospitals) into the bench database with the importers, then computes every pathway level
and 2SFCA (crow-fly) on a worker started here: one chunk per département shared by the two
worker processes through a chord. Prints the wall time from the request to the run being done,
the run's own timings, the worker processes' peak resident memory (VmHWM), and the time of
writing the run's values with PostgreSQL COPY against ``bulk_create``.

GISCO hospitals carry no authorisations, so on real data only the psychiatry level qualified by
facility kind would have facilities. To exercise every level the bench writes and imports a
SYNTHETIC authorisation file (labelled as such in the output): SU and SMUR for every CH/CHU,
SAMU for CHU, maternity types by kind and rank, adult psychiatry for psychiatric hospitals and
child psychiatry for one in two of them.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import ROOT, open_data_dir, setup_django, timed

REGION = "84"


def synthetic_authorisations(path: Path) -> int:
    """Write the SYNTHETIC authorisation CSV described in the module docstring."""
    from facilities import perinatal
    from facilities.models import Facility

    rows = ["finess_et;activity;modality;start_date"]

    def maternity(finess: str, kind: str) -> list[str]:
        # One row per unit: the type is derived from them (facilities.perinatal).
        return [f"{finess};obstetrique;{u};2020-01-01" for u in perinatal.UNITS_OF_TYPE[kind]]

    hospitals = Facility.objects.filter(kind__in=["chu", "ch"]).order_by("finess_et")
    for rank, facility in enumerate(hospitals.values_list("finess_et", "kind")):
        finess, kind = facility
        rows += [f"{finess};urgences;su;2020-01-01", f"{finess};urgences;smur;2020-01-01"]
        if kind == "chu":
            rows += [
                f"{finess};urgences;samu;2020-01-01",
                *maternity(finess, "3"),
            ]
        elif rank % 3 == 0:
            rows += maternity(finess, "2a")
        elif rank % 3 == 1:
            rows += maternity(finess, "1")
    psychiatric = Facility.objects.filter(kind="psychiatrie").order_by("finess_et")
    for rank, finess in enumerate(psychiatric.values_list("finess_et", flat=True)):
        rows.append(f"{finess};psychiatrie;adultes;2020-01-01")
        if rank % 2 == 0:
            rows.append(f"{finess};psychiatrie;infanto_juvenile;2020-01-01")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def import_synthetic_authorisations_and_compute(timings: dict[str, float]) -> None:
    """Import the SYNTHETIC authorisations, then compute a crow-fly run of every level of the
    region in this process (the benches that measure pages, not the worker)."""
    from indicators import services
    from opendata.registry import importer_for
    from territories.models import Region

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "synthetic-authorisations.csv"
        count = synthetic_authorisations(csv)
        with timed(f"import {count} SYNTHETIC authorisations", timings):
            importer_for("authorisations")(csv)
    with timed("compute a crow-fly run of every level (in-process)", timings):
        run = services.run_create(region=Region.objects.get(code=REGION), enqueue=False)
        run = services.run_compute(run.pk)
    assert run.status == "done", run.error


def start_worker() -> subprocess.Popen:
    from django.db import connection

    env = dict(os.environ)
    env["DATABASE_URL"] = "postgis://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2",
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def peak_rss_mb(pid: int) -> dict[int, float]:
    """VmHWM (peak resident set) of a process and its children, in MB, from /proc."""
    peaks = {}
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[p] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return peaks


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL must point to Redis (e.g. redis://127.0.0.1:6379/13)")
    setup_django()
    from django.db import transaction

    from config.celery import app
    from demo.schema import ensure_catalogue
    from indicators import services
    from indicators.models import IndicatorRun, IndicatorValue
    from opendata.layout import AURA_FILES
    from opendata.registry import importer_for
    from pathways.models import Level
    from territories.models import Region

    # setup_django() flushed the seeded pathways with the rest: seed them again.
    ensure_catalogue()  # the catalogue and the pathways the flush emptied (migrations' rows)
    data = open_data_dir()
    timings: dict[str, float] = {}
    print("import of the real AURA files:")
    for kind, name in AURA_FILES:
        with timed(f"{kind} {name.split('/')[-1]}", timings):
            importer_for(kind)(data / name)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "authorisations-SYNTHETIC.csv"
        count = synthetic_authorisations(csv)
        with timed("authorisations (SYNTHETIC)", timings):
            importer_for("authorisations")(csv)
    print(f"  SYNTHETIC authorisations: {count} rows invented for CH/CHU and psychiatric sites")

    app.control.purge()
    worker = start_worker()
    try:
        time.sleep(3)  # let the worker connect, so the wall time is the run's
        region = Region.objects.get(code=REGION)
        started = time.perf_counter()
        run = services.run_create(region=region)
        while run.status not in (IndicatorRun.Status.DONE, IndicatorRun.Status.FAILED):
            time.sleep(0.05)
            run.refresh_from_db()
            if worker.poll() is not None:
                sys.exit("the worker died")
        wall = time.perf_counter() - started
        peaks = peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    print(f"\nrun {run.pk}: {run.status} {run.error}")
    summary = run.inputs_summary
    print(
        f"  units {summary['units']} communes, population {summary['population']:,}; "
        f"{len(summary['excluded_units'])} without a point excluded "
        f"({', '.join(summary['excluded_units'])}; population {summary['excluded_population']})"
    )
    print(f"  départements (chunks): {len(summary['departments'])}")
    for level in Level.objects.filter(pk__in=[int(k) for k in summary["facilities_per_level"]]):
        share = IndicatorValue.objects.get(
            run=run, unit_kind="region", indicator="share_beyond", level=level
        ).value
        facilities = summary["facilities_per_level"][str(level.pk)]
        print(f"    {str(level):<62} {facilities:4d} facilities, {share:6.1%} beyond target")
    values = run.values.count()
    print(f"  values written: {values:,}")
    print(f"  wall time, request to done (worker concurrency 2): {wall:.2f} s")
    chunk_seconds = sum(v for k, v in run.timings.items() if k.startswith("chunk "))
    print(f"  chunks (provider calls), summed over both processes: {chunk_seconds:.2f} s")
    for key in ("inputs", "inputs (finish)", "assemble", "two_sfca", "aggregates", "write"):
        print(f"  {key:<20} {run.timings[key]:7.3f} s")
    print(
        "  worker peak RSS (VmHWM): "
        + ", ".join(f"pid {p}: {mb:.0f} MB" for p, mb in sorted(peaks.items()))
        + f"; max {max(peaks.values()):.0f} MB"
    )

    rows = list(
        run.values.values_list(
            "unit_kind", "unit_code", "zoning_id", "indicator", "level_id", "facility_id", "value"
        )
    )
    scratch = IndicatorRun.objects.create(region=region, provider="bench", status="failed")
    print(f"\nwriting {len(rows):,} values (rolled back):")
    for method in ("copy", "bulk", "copy", "bulk"):
        start = time.perf_counter()
        with transaction.atomic():
            services.write_values(scratch.pk, rows, method=method)
            transaction.set_rollback(True)
        print(f"  {method:<5} {time.perf_counter() - start:7.3f} s")
    scratch.delete()


if __name__ == "__main__":
    main()
