"""Weight and server time of the dashboard's AURA commune choropleth page and its layers.

    .venv/bin/python bench/bench_dashboard.py

Uses its own database, ``BENCH_DASHBOARD_DATABASE_URL`` (default
``postgis://postgres@127.0.0.1:5432/sros_bench_dashboard``), created if missing and EMPTIED
first. Imports the real AURA files with the project's importers (régions, départements, the
4,021 commune polygons, populations, the 566 GISCO hospitals) plus the SYNTHETIC authorisations
of ``bench_end_to_end`` (GISCO carries none), computes one crow-fly run of every level with the
indicator service, then requests the indicator map page and the JSON layers it loads with
Django's test client and prints, against issue 5's budget (page + its data under 3 MB, server
time under 1 s): the bytes of each, the median server time over a few requests, the SQL
queries, and the time of a revalidation (304 from the ETag).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# setdefault: bench_exports imports this module after naming its own database.
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_DASHBOARD_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_bench_dashboard"
    ),
)

from bench_end_to_end import REGION, import_synthetic_authorisations_and_compute  # noqa: E402
from benchdb import open_data_dir, setup_django, timed  # noqa: E402

BUDGET_BYTES = 3_000_000
BUDGET_SECONDS = 1.0
RUNS = 5


def load_and_compute() -> None:
    from demo.schema import ensure_catalogue
    from opendata.layout import AURA_FILES
    from opendata.registry import importer_for

    ensure_catalogue()  # the catalogue and the pathways the flush emptied (migrations' rows)
    data = open_data_dir()
    timings: dict[str, float] = {}
    with timed("import the real AURA files", timings):
        for kind, name in AURA_FILES:
            importer_for(kind)(data / name)
    import_synthetic_authorisations_and_compute(timings)


def prepared_client():
    """The real AURA data with a computed run, and a test client signed in as a superuser."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    load_and_compute()
    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench-pw-1")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def measure(client, url: str) -> tuple[int, float, float, int]:
    """(bytes, median seconds, first seconds, SQL queries) of ``url``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durations, size, queries = [], 0, 0
    for _ in range(RUNS):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        size, queries = len(response.content), len(captured)
    return size, statistics.median(durations), durations[0], queries


def main() -> None:
    setup_django()
    from django.contrib.staticfiles import finders
    from django.urls import reverse

    from pathways.models import Level

    client = prepared_client()
    level = Level.objects.get(pathway__code="urgences", rank=1)
    query = f"?units=communes&indicator=nearest_minutes&level={level.pk}"
    urls = {
        "page /tableau-de-bord/84/carte/": reverse("dashboard:map", args=[REGION]) + query,
        "choropleth (4,021 communes)": reverse("dashboard:choropleth", args=[REGION]) + query,
        "facilities": reverse("dashboard:facilities", args=[REGION]),
        "boundaries": reverse("dashboard:boundaries", args=[REGION]),
    }
    statics = [
        "vendor/leaflet-1.9.4/leaflet.js", "vendor/leaflet-1.9.4/leaflet.css",
        "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
        "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
        "vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
        "dashboard/dashboard.js", "dashboard/dashboard.css", "css/sros.css",
    ]  # fmt: skip
    static_bytes = sum(Path(finders.find(name)).stat().st_size for name in statics)
    total_bytes, total_seconds = static_bytes, 0.0
    print(f"requests (median of {RUNS}):")
    for label, url in urls.items():
        size, median, first, queries = measure(client, url)
        total_bytes += size
        total_seconds += median
        print(f"  {label:<34} {size:>10,} B  {median:6.3f} s (first {first:.3f} s)  {queries} SQL")
    print(f"  {'static JS/CSS (uncompressed)':<34} {static_bytes:>10,} B")
    choropleth = urls["choropleth (4,021 communes)"]
    etag = client.get(choropleth)["ETag"]
    start = time.perf_counter()
    revalidated = client.get(choropleth, HTTP_IF_NONE_MATCH=etag)
    print(
        f"  revalidation of the choropleth: HTTP {revalidated.status_code} "
        f"in {time.perf_counter() - start:.3f} s"
    )
    size_verdict = "OK" if total_bytes < BUDGET_BYTES else "OVER BUDGET"
    time_verdict = "OK" if total_seconds < BUDGET_SECONDS else "OVER BUDGET"
    print(
        f"page + data: {total_bytes:,} B = {total_bytes / 1e6:.2f} MB (budget 3 MB: {size_verdict})"
    )
    print(f"server time, page + its 3 layers: {total_seconds:.3f} s (budget 1 s: {time_verdict})")


if __name__ == "__main__":
    main()
