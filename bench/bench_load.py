"""Throughput and latency of the web application under a fixed mix of 50 signed-in users.

    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/bench_load.py [--reuse]

Uses its own database, ``BENCH_LOAD_DATABASE_URL`` (default
``postgis://postgres@127.0.0.1:5432/sros_bench_load``), created if missing. Without ``--reuse``
it is EMPTIED, then loaded with ``manage.py load_demo --from SROS_OPEN_DATA_DIR`` (the real AURA
files: régions, départements, 4,021 commune polygons, populations, 566 GISCO hospitals) plus the
SYNTHETIC authorisations of ``bench_end_to_end`` (GISCO carries none), and one crow-fly run of
every level is computed in-process. With ``--reuse`` a database that already holds a done run
of region 84 is used as it is (saves the ~2 minutes of loading between two measures). Either
way it is then VACUUM ANALYZEd (``settle``), as autovacuum would have done on a server, and the
response cache is emptied (its data version bumped) so that "built" figures are built.

Then it starts gunicorn as ``docker-compose.yml`` does (3 workers, gthread, 4 threads,
``DEBUG=0`` with ``SROS_ALLOW_HTTP=1``) on 127.0.0.1, signs in 50 planners of the region
(sessions made with Django's test client: the server sees ordinary session cookies), and:

1. requests each kind of page alone, one at a time, on the idle server: the median wall time
   (loopback, so that is server time) and the workers' CPU per request, next to the goal of
   each list request < 30 ms;
2. runs the mix for 10 s of warm-up then 60 s measured: 50 users, each a thread with one
   keep-alive connection and one request at a time (a closed loop, so the client is bounded by
   the users, never queues more than 50 requests), drawing from the fixed mix

   =====  ===================================================================================
   40 %   ``/api/indicateurs/?run=<run>&page=<random>`` (pages of 100 stored values)
   20 %   ``/api/communes/?page=<random>`` or ``/api/etablissements/?page=<random>`` (half each)
   20 %   ``/tableau-de-bord/84/`` (the region dashboard page)
   10 %   ``/api/communes/?department=<random>&simplified=1&page_size=1000`` (the map layer of
          one random département's communes, in GeoJSON)
   10 %   ``/tableau-de-bord/84/territoires/commune/<random>/`` (a commune's territory page)
   =====  ===================================================================================

   and prints requests/s, p50/p95/p99, errors (any status other than 200 or an exception), and
   the server CPU per request: utime+stime of the gunicorn master and workers read from
   ``/proc/<pid>/stat`` before and after the 60 s, divided by the requests completed.

The goals (issue 9, on the 2-core machine): ≥ 60 requests/s, p95 < 1.5 s, 0 errors.

The client competes with the server for the 2 cores. It is kept light (stdlib ``http.client``
on persistent connections, no parsing beyond reading the body) and its own CPU time
(``resource.getrusage``) is printed as a share of the machine, so that a reader can see how much
of the 2 cores the server actually had. PostgreSQL's CPU is not in "server CPU per request"
(it is in the machine's total, also printed).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get("BENCH_LOAD_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_bench_load"),
)

from bench_end_to_end import REGION, import_synthetic_authorisations_and_compute  # noqa: E402
from benchdb import ROOT, _create_database, open_data_dir, timed  # noqa: E402

USERS = 50
WARM_UP_SECONDS = 10
MEASURE_SECONDS = 60
PORT = 8765
GOAL_RPS, GOAL_P95, GOAL_LIST_MS = 60.0, 1.5, 30.0
ALONE_REPEATS = 15
TICKS = os.sysconf("SC_CLK_TCK")


# --- the database ---------------------------------------------------------------------------


def setup(reuse: bool) -> None:
    """Django on the bench database: migrated, and loaded unless ``reuse`` finds a done run."""
    url = os.environ["BENCH_DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from indicators.models import IndicatorRun

    if reuse and IndicatorRun.objects.filter(region__code=REGION, status="done").exists():
        print("reusing the loaded bench database")
    else:
        call_command("flush", interactive=False, verbosity=0)
        load_and_compute()
    settle()


def settle() -> None:
    """VACUUM ANALYZE, as autovacuum does on a server some time after the run was written: just
    after a COPY the planner has no statistics (a far page of values then takes 500 ms, not 30)
    and no visibility map (the index-only scan of the list's order still reads the table)."""
    from django.db import connection

    with timed("VACUUM ANALYZE", {}), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def load_and_compute() -> None:
    from django.core.management import call_command

    from demo.schema import ensure_catalogue

    ensure_catalogue()  # the catalogue and the pathways the flush emptied (migrations' rows)
    timings: dict[str, float] = {}
    label = "load_demo --from the open-data directory"
    with timed(label, timings), open(os.devnull, "w") as quiet:
        call_command("load_demo", directory=str(open_data_dir()), stdout=quiet)
    import_synthetic_authorisations_and_compute(timings)


def session_cookies(count: int) -> list[str]:
    """``count`` planners of the region, each signed in once: their session cookies."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from access.services import membership_grant
    from territories.models import Region

    region = Region.objects.get(code=REGION)
    cookies = []
    for index in range(count):
        user, _created = get_user_model().objects.get_or_create(username=f"bench-user-{index}")
        membership_grant(user=user, region=region, role="planner")
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


@dataclass
class Targets:
    """What the mix draws from, read once from the database."""

    run_id: int
    value_pages: int
    commune_pages: int
    facility_pages: int
    departments: list[str]
    communes: list[str]

    @classmethod
    def read(cls) -> Targets:
        from facilities.models import Facility
        from indicators.models import IndicatorValue
        from indicators.selectors import latest_run
        from territories.models import Commune, Region

        region = Region.objects.get(code=REGION)
        run = latest_run(region)
        pages = lambda rows: max(1, -(-rows // 100))  # noqa: E731
        communes = list(
            Commune.objects.filter(department__region=region).values_list("code", flat=True)
        )
        return cls(
            run_id=run.pk,
            value_pages=pages(IndicatorValue.objects.filter(run=run).count()),
            commune_pages=pages(Commune.objects.count()),
            facility_pages=pages(Facility.objects.count()),
            departments=list(region.departments.values_list("code", flat=True)),
            communes=communes,
        )

    def draw(self, rng: random.Random) -> tuple[str, str]:
        """(kind, URL) of one request of the fixed mix."""
        roll = rng.random()
        if roll < 0.40:
            page = rng.randint(1, self.value_pages)
            return "api values", f"/api/indicateurs/?run={self.run_id}&page={page}"
        if roll < 0.50:
            return "api communes", f"/api/communes/?page={rng.randint(1, self.commune_pages)}"
        if roll < 0.60:
            page = rng.randint(1, self.facility_pages)
            return "api facilities", f"/api/etablissements/?page={page}"
        if roll < 0.80:
            return "region dashboard", f"/tableau-de-bord/{REGION}/"
        if roll < 0.90:
            department = rng.choice(self.departments)
            return "département layer", (
                f"/api/communes/?department={department}&simplified=1&page_size=1000"
            )
        commune = rng.choice(self.communes)
        return "territory page", f"/tableau-de-bord/{REGION}/territoires/commune/{commune}/"


LIST_KINDS = ("api values", "api communes", "api facilities", "département layer")


# --- the server -----------------------------------------------------------------------------


def start_gunicorn() -> subprocess.Popen:
    env = dict(os.environ, DEBUG="0", SROS_ALLOW_HTTP="1", ALLOWED_HOSTS="127.0.0.1")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--timeout", "60",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def server_cpu_seconds(master: int) -> float:
    """utime + stime of the gunicorn master and its workers, from /proc."""
    total = 0.0
    for pid in [master, *_children(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)
    return total


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (user+nice+system+irq+softirq), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / TICKS


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends serving the bench database, sampled every 0.2 s
    from /proc (their process title names the database): Django keeps connections 60 s
    (``conn_max_age``), so backends come and go during the measure; one that ends loses at most
    its last 0.2 s. An estimate, printed as such."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} "
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PostgresCpu:
        self._read(baseline=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._read(baseline=False)

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first.get(pid, 0.0) for pid in self.last)

    def _sample(self) -> None:
        while not self.stop.wait(0.2):
            self._read(baseline=False)

    def _read(self, *, baseline: bool) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.marker not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, cpu = int(entry.name), (int(fields[11]) + int(fields[12])) / TICKS
            if baseline:
                self.first[pid] = cpu
            self.last[pid] = cpu


# --- the client -----------------------------------------------------------------------------


class User:
    """One signed-in user: one keep-alive connection, one request at a time."""

    def __init__(self, cookie: str) -> None:
        self.cookie = cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def get(self, url: str) -> tuple[int, int]:
        """(status, bytes) of ``url``; reconnects once if the server closed the connection (an
        idle keep-alive connection), and after any other failure before raising it (a timeout
        or a half-read answer leaves the connection unusable: ``CannotSendRequest``)."""
        headers = {"Cookie": self.cookie, "Accept-Language": "fr", "Accept": "*/*"}
        for attempt in (1, 2):
            try:
                self.connection.request("GET", url, headers=headers)
                response = self.connection.getresponse()
                body = response.read()
                return response.status, len(body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._reconnect()
                if attempt == 2:
                    raise
            except Exception:
                self._reconnect()
                raise
        raise AssertionError("unreachable")

    def _reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warm_up_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_warm_up_error(self, error: str) -> None:
        with self.lock:
            self.warm_up_errors.append(error)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if error:
                self.errors.append(error)

    def all(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]


def user_loop(user: User, targets: Targets, seed: int, stop_at: float, measure_from: float,
              results: Results) -> None:  # fmt: skip
    rng = random.Random(seed)
    while (now := time.monotonic()) < stop_at:
        kind, url = targets.draw(rng)
        start = time.monotonic()
        error = None
        try:
            status, _size = user.get(url)
            if status != 200:
                error = f"{status} {url}"
        except Exception as exc:  # noqa: BLE001 — every failure is counted, none stops the bench
            error = f"{type(exc).__name__} {url}"
        if now >= measure_from:
            results.add(kind, time.monotonic() - start, error)
        elif error:
            results.add_warm_up_error(error)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- the two measures -----------------------------------------------------------------------


def measure_alone(master: int, cookie: str, targets: Targets) -> None:
    """Each kind of request alone on the idle server: median wall time and CPU per request,
    the first time each URL is asked (built: the response cache is emptied at start) and
    again (the API lists then come from the cache)."""
    print(f"\neach request alone on the idle server (median of up to {ALONE_REPEATS} URLs, distinct"
          " for the lists, after one warm-up; built = first time asked, again = the same URLs"
          " once more):")  # fmt: skip
    user = User(cookie)
    rng = random.Random(1)
    kinds: dict[str, list[str]] = {}
    wanted = (*LIST_KINDS, "region dashboard", "territory page")
    for _draw in range(20_000):  # lists: distinct URLs, so that "built" is never a cached page
        if all(len(kinds.get(k, [])) > ALONE_REPEATS for k in wanted):
            break
        kind, url = targets.draw(rng)
        urls = kinds.setdefault(kind, [])
        if len(urls) <= ALONE_REPEATS and not (kind in LIST_KINDS and url in urls):
            urls.append(url)
    for kind, urls in kinds.items():
        user.get(urls[0])
        figures = [_timed_gets(master, user, urls[1:]) for _round in ("built", "again")]
        (built_ms, built_cpu, built_pg, size), (again_ms, again_cpu, again_pg, _size) = figures
        goal = ""
        if kind in LIST_KINDS:
            verdict = "OK" if built_ms < GOAL_LIST_MS else "MISSED"
            goal = f"  goal < {GOAL_LIST_MS:.0f} ms built: {verdict}"
        print(f"  {kind:<18} {len(urls) - 1:2d} URLs built {built_ms:7.1f} ms CPU "
              f"{built_cpu:5.1f} PG {built_pg:4.1f} ms | again {again_ms:6.1f} ms CPU "
              f"{again_cpu:5.1f} PG {again_pg:4.1f} ms | {size:>9,.0f} B{goal}")  # fmt: skip
    print(
        f"  (load average {os.getloadavg()[0]:.1f}: wall times include waiting for the cores"
        " other work on the machine holds; CPU = gunicorn's, PG = PostgreSQL's, per request)"
    )


def _timed_gets(master: int, user: User, urls: list[str]) -> tuple[float, float, float, float]:
    """(median wall ms, server CPU ms per request, PostgreSQL CPU ms per request, median
    bytes) of getting ``urls``."""
    walls, sizes = [], []
    cpu_before = server_cpu_seconds(master)
    with PostgresCpu(os.environ["BENCH_DATABASE_URL"].rsplit("/", 1)[1]) as postgres:
        for url in urls:
            start = time.perf_counter()
            status, size = user.get(url)
            walls.append(time.perf_counter() - start)
            sizes.append(size)
            assert status == 200, (status, url)
    cpu = (server_cpu_seconds(master) - cpu_before) / len(walls)
    pg = postgres.seconds() / len(walls)
    return statistics.median(walls) * 1000, cpu * 1000, pg * 1000, statistics.median(sizes)


def measure_mix(master: int, cookies: list[str], targets: Targets) -> None:
    print(f"\nthe mix: {len(cookies)} users, {WARM_UP_SECONDS} s warm-up then {MEASURE_SECONDS} s")
    results = Results()
    start = time.monotonic()
    measure_from = start + WARM_UP_SECONDS
    stop_at = measure_from + MEASURE_SECONDS
    users = [User(cookie) for cookie in cookies]
    threads = [
        threading.Thread(target=user_loop, args=(u, targets, i, stop_at, measure_from, results))
        for i, u in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    load_before = os.getloadavg()[0]
    cpu_before, busy_before = server_cpu_seconds(master), machine_busy_seconds()
    client_before = _client_cpu()
    with PostgresCpu(os.environ["BENCH_DATABASE_URL"].rsplit("/", 1)[1]) as postgres:
        time.sleep(max(0.0, stop_at - time.monotonic()))
        cpu, busy = server_cpu_seconds(master) - cpu_before, machine_busy_seconds() - busy_before
        client = _client_cpu() - client_before
    load_after = os.getloadavg()[0]
    for thread in threads:
        thread.join()
    latencies = results.all()
    done = len(latencies)
    rps = done / MEASURE_SECONDS
    p50, p95, p99 = (percentile(latencies, f) for f in (0.50, 0.95, 0.99))
    verdict = lambda ok: "OK" if ok else "MISSED"  # noqa: E731
    print(f"  requests/s   {rps:7.1f}   (goal ≥ {GOAL_RPS:.0f}: {verdict(rps >= GOAL_RPS)})")
    print(f"  p50          {p50:7.3f} s")
    print(f"  p95          {p95:7.3f} s (goal < {GOAL_P95} s: {verdict(p95 < GOAL_P95)})")
    print(f"  p99          {p99:7.3f} s")
    errors = len(results.errors)
    print(f"  errors       {errors:7d}   (goal 0: {verdict(errors == 0)})"
          + (f"  e.g. {results.errors[:3]}" if errors else ""))  # fmt: skip
    if results.warm_up_errors:
        print(f"  (and {len(results.warm_up_errors)} errors in the warm-up, first: "
              f"{results.warm_up_errors[:3]})")  # fmt: skip
    print(f"  server CPU   {cpu / max(done, 1) * 1000:7.1f} ms/request (gunicorn master + workers)"
          f"; PostgreSQL ~{postgres.seconds() / max(done, 1) * 1000:.1f} ms/request")  # fmt: skip
    per_request = (cpu + postgres.seconds() + client) / max(done, 1)
    print(
        f"  ceiling      {2 / max(per_request, 1e-9):7.1f} requests/s if the 2 cores were this "
        "bench's alone (2 s of CPU a second / server + PostgreSQL + client CPU per request)"
    )
    share = lambda seconds: f"{seconds / MEASURE_SECONDS / 2 * 100:.0f} %"  # noqa: E731
    others = busy - cpu - postgres.seconds() - client
    print(f"  the 2 cores  server {share(cpu)}, PostgreSQL ~{share(postgres.seconds())}, client "
          f"{share(client)}, other work on the machine ~{share(max(others, 0.0))}")  # fmt: skip
    print(f"  client CPU   {client / MEASURE_SECONDS / 2 * 100:7.1f} % of the 2 cores; "
          f"machine busy {busy / MEASURE_SECONDS / 2 * 100:.0f} % (server, client, PostgreSQL, "
          "anything else running)")  # fmt: skip
    print(f"  load average {load_before:.1f} at the start of the 60 s, {load_after:.1f} at the end "
          "(this bench's server, PostgreSQL and client, and any other work on the machine)"
          )  # fmt: skip
    print("  by kind (requests, p50, p95):")
    for kind, values in sorted(results.latencies.items()):
        print(f"    {kind:<20} {len(values):6d}  {percentile(values, 0.5):6.3f} s  "
              f"{percentile(values, 0.95):6.3f} s")  # fmt: skip


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reuse", action="store_true", help="keep a loaded bench database")
    arguments = parser.parse_args()
    setup(arguments.reuse)
    targets = Targets.read()
    cookies = session_cookies(USERS)
    from django.db import connections

    connections.close_all()  # the server's workers take the connections from here on
    try:
        from core import response_cache
    except ImportError:  # a checkout without the response cache (a "before" figure)
        pass
    else:
        response_cache.invalidate()  # "built" figures are built: no page from an earlier bench
    print(
        f"run {targets.run_id}: {targets.value_pages} pages of values, "
        f"{targets.commune_pages} of communes, {targets.facility_pages} of facilities"
    )
    server = start_gunicorn()
    try:
        measure_alone(server.pid, cookies[0], targets)
        measure_mix(server.pid, cookies, targets)
    finally:
        stop_gunicorn(server)


if __name__ == "__main__":
    main()
