"""Size and server render time of the home page on the whole Auvergne-Rhône-Alpes region.

    .venv/bin/python bench/bench_home_page.py

Needs PostgreSQL/PostGIS on loopback. Uses its own database, ``BENCH_HOME_DATABASE_URL``
(default ``postgis://postgres@127.0.0.1:5432/sros_bench_home``), created if missing and
EMPTIED first: never point it at a database you use. Loads the real files of
``../shared/data`` (regions, départements with polygons, the 4,021 commune polygons, the 566
GISCO hospitals) through the project's importers, then renders ``/`` a few times with Django's
test client and prints the page size against the budget of issue 2 (under 3 MB) and the
median render time; then the same for the commune layer the page requests
(``/communes/84.geojson``: since issue 12 §4 the communes no longer come inline).
``SROS_MAP_SIMPLIFY_TOLERANCE`` drives the layer's weight: the importer
stores the simplified commune polygons the page ships. To try another tolerance without
changing the settings:

    .venv/bin/python bench/bench_home_page.py --tolerance 0.003
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["BENCH_DATABASE_URL"] = os.environ.get(
    "BENCH_HOME_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_bench_home"
)

from benchdb import open_data_dir, setup_django, timed  # noqa: E402

BUDGET_BYTES = 3_000_000
RUNS = 5


def load_region(data: Path) -> None:
    from facilities.importers import import_gisco_hospitals
    from territories.importers import import_communes, import_departments, import_regions

    timings: dict[str, float] = {}
    with timed("load AURA (regions, départements, communes, hospitals)", timings):
        import_regions(data / "population" / "regions-cog2026.json")
        import_departments(data / "population" / "departements-cog2026.json")
        import_departments(data / "geo" / "departements-france-2018.geojson")
        import_communes(data / "geo" / "communes-aura-cog2026.geojson")
        import_gisco_hospitals(data / "facilities" / "eurostat-gisco-hospitals-aura-2020.csv")


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboard import home_selectors as selectors

    if "--tolerance" in sys.argv:
        settings.SROS_MAP_SIMPLIFY_TOLERANCE = float(sys.argv[sys.argv.index("--tolerance") + 1])
    load_region(open_data_dir())
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(get_user_model().objects.get_or_create(username="bench")[0])
    durations, size, queries = [], 0, 0
    for _ in range(RUNS):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/")
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        size, queries = len(response.content), len(captured)
    layer_sizes, layer_durations = 0, []
    for _ in range(RUNS):
        start = time.perf_counter()
        layer = client.get("/communes/84.geojson")
        layer_durations.append(time.perf_counter() - start)
        assert layer.status_code == 200, layer.status_code
        layer_sizes = len(layer.content)
    overview = selectors.overview()
    verdict = "OK" if size < BUDGET_BYTES else "OVER BUDGET"
    print(f"  communes {overview.commune_count}, open facilities {overview.facility_count}")
    print(
        f"  simplify tolerance {settings.SROS_MAP_SIMPLIFY_TOLERANCE}, "
        f"coordinate precision {settings.SROS_MAP_COORD_PRECISION} decimals"
    )
    print(
        f"  page size {size:,} bytes = {size / 1e6:.2f} MB "
        f"(budget {BUDGET_BYTES / 1e6:.0f} MB: {verdict})"
    )
    print(
        f"  server render time: median {statistics.median(durations):.3f} s over {RUNS} runs "
        f"(first {durations[0]:.3f} s), {queries} SQL queries"
    )
    verdict = "OK" if layer_sizes < BUDGET_BYTES else "OVER BUDGET"
    print(
        f"  commune layer {layer_sizes:,} bytes = {layer_sizes / 1e6:.2f} MB ({verdict}), "
        f"median {statistics.median(layer_durations):.3f} s over {RUNS} runs"
    )


if __name__ == "__main__":
    main()
