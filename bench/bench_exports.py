"""Time and size of the exports of the AURA commune layer (4,021 communes).

    .venv/bin/python bench/bench_exports.py

Uses its own database, ``BENCH_EXPORTS_DATABASE_URL`` (default
``postgis://postgres@127.0.0.1:5432/sros_bench_exports``), created if missing and EMPTIED first;
loads the real AURA files and computes a run as ``bench_dashboard`` does, then downloads with
Django's test client: every stored commune value (all indicators and levels) as CSV and XLSX,
the nearest-minutes layer of one level as GeoPackage (full and simplified geometry) and
GeoJSON, the facility list, and the PDF diagnostic of Lyon and of the Rhône. Those a GET
answers with 303 to a job (XLSX, GeoPackage, PDF, CSV over ``SROS_EXPORT_INLINE_MAX_ROWS``)
are built in this process by the job's service and timed to the file (marked "job").

Then the two longest ones again as export jobs on a real Celery worker (a subprocess on the
same database, through ``REDIS_URL``, default ``redis://127.0.0.1:6379/14``): the time from the
page's POST to the file being ready, how many distinct values the progress bar saw (polled
every 0.1 s), and the size of the file the job stored.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ["BENCH_DATABASE_URL"] = os.environ.get(
    "BENCH_EXPORTS_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_bench_exports"
)

from bench_dashboard import prepared_client  # noqa: E402
from bench_end_to_end import REGION, start_worker  # noqa: E402
from benchdb import setup_django  # noqa: E402


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dashboard.exports.jobs import export_job_run
    from pathways.models import Level

    client = prepared_client()
    level = Level.objects.get(pathway__code="urgences", rank=1)
    layer = f"?units=communes&indicator=nearest_minutes&level={level.pk}"
    values = lambda ext: reverse("dashboard:export_indicators", args=[REGION, ext])  # noqa: E731
    facilities = lambda ext: reverse("dashboard:export_facilities", args=[REGION, ext])  # noqa: E731
    urls = {
        "commune values, all indicators, CSV": values("csv"),
        "commune values, all indicators, XLSX": values("xlsx"),
        "commune values, one level, CSV": values("csv") + layer,
        "commune values, one level, XLSX": values("xlsx") + layer,
        "commune layer GPKG (full geometry)": values("gpkg") + layer,
        "commune layer GPKG (simplified)": values("gpkg") + layer + "&simplified=1",
        "commune layer GPKG Lambert 93": values("gpkg") + layer + "&crs=2154",
        "commune layer GeoJSON (simplified)": values("geojson") + layer + "&simplified=1",
        "facilities CSV": facilities("csv"),
        "facilities GPKG": facilities("gpkg"),
        "PDF diagnostic of Lyon (69123)": reverse(
            "dashboard:export_territory_report", args=[REGION, "commune", "69123"]
        ),
        "PDF diagnostic of the Rhône (69)": reverse(
            "dashboard:export_territory_report", args=[REGION, "departement", "69"]
        ),
    }
    for label, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            if response.status_code == 303:  # a job (XLSX, GPKG, PDF, big CSV): built here
                job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
                export_job_run(job_id)
                response = client.get(reverse("dashboard:export_job_file", args=[job_id]))
                label = f"{label} (job)"
            seconds = time.perf_counter() - start
        assert response.status_code == 200, (url, response.content[:300])
        size = len(response.content)
        print(f"{label:<46} {size:>12,} B  {seconds:6.2f} s  {len(queries)} SQL")
    jobs = {k: urls[k] for k in ("commune values, all indicators, XLSX",
                                 "PDF diagnostic of the Rhône (69)")}  # fmt: skip
    export_jobs(client, jobs)


def export_jobs(client, urls: dict[str, str]) -> None:
    """Each export as a job on a real worker: POST to ready, progress values seen, size."""
    from django.conf import settings
    from django.urls import reverse

    worker = start_worker()
    print(f"\nExport jobs on a real Celery worker (broker {settings.REDIS_URL}):")
    try:
        for label, url in urls.items():
            start = time.perf_counter()
            state = client.post(
                reverse("dashboard:export_job_start"), {"url": url}, HTTP_ACCEPT="application/json"
            ).json()
            seen = {state["progress"]}
            while state["status"] not in ("done", "failed"):
                time.sleep(0.1)
                state = client.get(state["progress_url"]).json()
                seen.add(state["progress"])
            seconds = time.perf_counter() - start
            assert state["status"] == "done", state
            size = len(client.get(state["download_url"]).content)
            print(f"{label:<40} {size:>12,} B  {seconds:6.2f} s  {len(seen)} progress values "
                  f"{sorted(seen)[:6]}…")  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
