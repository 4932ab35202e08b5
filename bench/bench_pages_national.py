"""Pages at national scale (issue 12 §4): each page's size and server time with all of France
loaded, next to the goal (under 3 MB and 1 s after one warm-up request).

    .venv/bin/python bench/bench_pages_national.py [--reload] [--region 44] [--runs 3]

Its own database (``BENCH_DATABASE_URL``, default ``sros_bench_pages_national``, created if
missing). The first time (or with ``--reload``) it empties what a previous load left and runs
``load_demo --from ../shared/data/france`` (34,868 communes, 5,360 GISCO hospitals, a draft
schema and demo accounts per region); later runs reuse that load. The region of the regional
pages is the one with most communes (Grand Est, 44, 5,115 communes) unless ``--region`` says
otherwise; without a done run it computes one, crow-fly, every level (``run_create`` +
``run_compute``, as ``compute_indicators --sync``; timed, not in a goal).

The commune layers are also asked as the maps ask for them (``dashboard.map_view``): at a low
zoom (7, the whole region, coarse copy), at zoom 9 without a box (the heaviest the map page
asks for: the whole region in the map copy, when the view's padded box holds it) and at zoom 11
with the padded box of a 1280 × 800 view on the region's most populous commune (what
``dashboard.js`` sends there).

Each page is requested once to warm up (template and per-run fragment caches, as a server
that has served it once), then ``--runs`` times with Django's test client, as a signed-in
superuser; the median server time (the whole request through Django, no network) and the
size of the body are printed. The load average (``os.getloadavg()``) is printed before and
after: the 2 cores are shared. Exits 1 when a page misses a goal.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_bench_pages_national"
)

from benchdb import open_data_dir, setup_django  # noqa: E402

GOAL_BYTES = 3_000_000
GOAL_SECONDS = 1.0


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def load_france(reload: bool) -> None:
    from bench_national import empty_loaded_data
    from django.core.management import call_command

    from territories.models import Commune

    if Commune.objects.exists() and not reload:
        print(f"France already loaded: {Commune.objects.count():,} communes (--reload to redo)")
        return
    empty_loaded_data()
    started = time.perf_counter()
    call_command("load_demo", "--from", str(open_data_dir() / "france"), stdout=io.StringIO())
    print(f"load_demo --from france: {time.perf_counter() - started:.1f} s ({load()})")


def biggest_region() -> str:
    from django.db.models import Count

    from territories.models import Commune

    row = (
        Commune.objects.values("department__region__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["department__region__code"]


def ensure_run(region_code: str):
    from indicators import services
    from indicators.models import IndicatorRun
    from territories.models import Region

    region = Region.objects.get(code=region_code)
    run = IndicatorRun.objects.filter(region=region, status="done").order_by("-pk").first()
    if run is not None:
        return run
    started = time.perf_counter()
    run = services.run_compute(services.run_create(region=region, enqueue=False).pk)
    print(f"crow-fly run of region {region_code}: {time.perf_counter() - started:.1f} s")
    if run.status != "done":
        raise SystemExit(f"run {run.pk} failed: {run.error}")
    return run


def view_box(region_code: str, zoom: int = 11) -> str:
    """The ``bbox`` that ``dashboard.js`` sends for a 1280 × 800 view at ``zoom`` centred on
    the region's most populous commune: the view padded by half its size on each side
    (``pad(0.5)``: twice as wide and high), rounded outward to 0.01°."""
    import math

    from territories.models import Commune

    commune = (
        Commune.objects.filter(department__region__code=region_code, point__isnull=False)
        .order_by("-population")
        .first()
    )
    lon, lat = commune.point.x, commune.point.y
    degrees_per_pixel = 360 / (256 * 2**zoom)
    half_width = 1280 * degrees_per_pixel  # two views wide, half of it on each side
    half_height = 800 * degrees_per_pixel * math.cos(math.radians(lat))
    west, east = math.floor((lon - half_width) * 100), math.ceil((lon + half_width) * 100)
    south, north = math.floor((lat - half_height) * 100), math.ceil((lat + half_height) * 100)
    return ",".join(f"{v / 100:.2f}" for v in (west, south, east, north))


def pages(region_code: str) -> list[tuple[str, str]]:
    """(label, URL) of every page measured."""
    from django.urls import reverse

    from sros.models import SchemaVersion
    from territories.models import Department

    department = Department.objects.filter(region__code=region_code).order_by("code").first()
    version = SchemaVersion.objects.filter(schema__region__code=region_code).order_by("-pk")
    version = version.first()
    board = f"/tableau-de-bord/{region_code}"
    home_layer = reverse("home_communes", args=[region_code])
    layer = f"{board}/couches/choroplethe.geojson"
    box = view_box(region_code)
    urls = [
        ("home, national (regions, départements)", reverse("home")),
        (f"home, region {region_code}", f"{reverse('home')}?region={region_code}"),
        (f"home commune layer {region_code}", home_layer),
        ("  same, zoom 7 (coarse)", f"{home_layer}?zoom=7"),
        (f"region dashboard {region_code}", f"{board}/"),
        (f"map page {region_code}", f"{board}/carte/"),
        (f"map commune layer {region_code}", layer),
        ("  same, zoom 7 (coarse)", f"{layer}?zoom=7"),
        ("  same, zoom 9, no box (map copy)", f"{layer}?zoom=9"),
        (f"  same, zoom 11, bbox {box}", f"{layer}?zoom=11&bbox={box}"),
        (f"map facility layer {region_code}", f"{board}/couches/etablissements.geojson"),
        (f"map boundary layer {region_code}", f"{board}/couches/limites.geojson"),
        (f"pathway page {region_code} (urgences)", f"{board}/filieres/urgences/"),
        (f"territory page, département {department.code}",
         f"{board}/territoires/departement/{department.code}/"),
        ("schema index", reverse("schema:index")),
        (f"schema versions {region_code}", reverse("schema:region", args=[region_code])),
    ]  # fmt: skip
    if version is not None:
        urls.append((f"schema version {version.pk}", reverse("schema:version", args=[version.pk])))
    return urls


def measure(client, url: str, runs: int) -> tuple[int, float, float, str]:
    """(size, median seconds, warm-up seconds, features of a layer or "") of ``url``."""
    started = time.perf_counter()
    response = client.get(url)
    warm_up = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    features = response.content.count(b'"type":"Feature"') if ".geojson" in url else 0
    return len(response.content), statistics.median(durations), warm_up, features or ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reload", action="store_true", help="load France again")
    parser.add_argument("--region", help="region code of the regional pages (default: biggest)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup_django(flush=False)
    from django.contrib.auth import get_user_model
    from django.test import Client

    load_france(args.reload)
    region_code = args.region or biggest_region()
    run = ensure_run(region_code)
    print(f"region {region_code}, run {run.pk}; {args.runs} runs after one warm-up ({load()})")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-pages", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    ok = True
    print(f"  {'page':<44} {'size':>10}   {'time':>7}  (warm-up)  goal < 3 MB, < 1 s")
    for label, url in pages(region_code):
        size, seconds, warm_up, features = measure(client, url, args.runs)
        good = size < GOAL_BYTES and seconds < GOAL_SECONDS
        ok &= good
        print(
            f"  {label:<44} {size / 1e6:7.2f} MB  {seconds:6.3f} s  ({warm_up:6.3f} s)  "
            f"{'OK' if good else 'OVER'}{f'  ({features:,} features)' if features else ''}",
            flush=True,
        )
    print(f"done ({load()}, {os.cpu_count()} CPUs)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
