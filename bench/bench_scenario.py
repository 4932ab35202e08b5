"""Scenario evaluation on the real Auvergne-Rhône-Alpes data, through the test client (issue 11 §5).

    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/bench_scenario.py [--no-keep]

Uses its own database, ``BENCH_DATABASE_URL`` (default
``postgis://postgres@127.0.0.1:5432/sros_bench``), created if missing and EMPTIED first.
Imports the real AURA files and the SYNTHETIC authorisations of ``bench_end_to_end`` (so that
every pathway level has facilities), stores one crow-fly run of every level (the base), then
writes a zoning of one zone per département, a draft schema version on it, and a scenario of
one closure (a CHU, which serves every level but psychiatry) and one opening (a CH in the
Cantal), and requests ``GET /api/scenarios/<id>/resultat/`` (every level, crow-fly, with the
objectives) as a planner: one warm-up, then ``--calls`` timed calls; prints the median (p50,
goal < 200 ms), the max, the queries of the warm-up and of one later call, and the
evaluation's own timings.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_end_to_end import REGION, import_synthetic_authorisations_and_compute  # noqa: E402
from benchdb import open_data_dir, setup_django, timed  # noqa: E402

GOAL_SECONDS = 0.2


def prepare():
    """The AURA data, a stored run, a scenario (one closure, one opening) and a planner."""

    from access.services import membership_grant
    from demo.schema import ensure_catalogue
    from facilities.models import Facility
    from opendata.layout import AURA_FILES
    from opendata.registry import importer_for
    from sros import scenarios, services, workflow
    from territories.models import Region
    from territories.services import zoning_create

    ensure_catalogue()  # the catalogue and the pathways the flush emptied (migrations' rows)
    timings: dict[str, float] = {}
    with timed("import the real AURA files", timings):
        for kind, name in AURA_FILES:
            importer_for(kind)(open_data_dir() / name)
    import_synthetic_authorisations_and_compute(timings)
    region = Region.objects.get(code=REGION)
    from django.contrib.auth import get_user_model

    planner = get_user_model().objects.create_user("bench-planner", password="bench-pw-1")
    membership_grant(user=planner, region=region, role="planner")
    zones = {
        d.code: (d.name, list(d.communes.values_list("code", flat=True)))
        for d in region.departments.order_by("code")
    }
    zoning = zoning_create(region=region, name="Départements", kind="schema", zones=zones)
    schema = services.schema_create(region=region)
    draft = workflow.version_new_draft(schema, user=planner)
    services.version_set_zoning(version=draft, zoning=zoning, user=planner)
    chu = Facility.objects.filter(kind="chu", commune__department__region=region)
    closed = chu.order_by("finess_et").first()
    scenario = scenarios.scenario_create(
        version=draft, user=planner, name="Bench: one closure, one opening",
        changes=[
            {"kind": "close", "finess": closed.finess_et},
            {"kind": "open", "label": "Nouveau CH (bench)", "facility_kind": "ch",
             "lon": 2.65, "lat": 45.05},
        ],
    )  # fmt: skip
    return planner, scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument(
        "--no-keep",
        action="store_true",
        help="keep no base (sros.scenario_base.MAX_ENTRIES = 0): every call computes it, as before",
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    planner, scenario = prepare()
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(planner)
    url = f"/api/scenarios/{scenario.pk}/resultat/"
    from sros import scenario_base

    if args.no_keep:
        scenario_base.MAX_ENTRIES = 0
    kept_before = scenario_base.size()
    # The import may have filled the query log (a deque of 9,000): a full log would make
    # CaptureQueriesContext count the wrong queries.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url)
    kept_after = scenario_base.size()
    warm_up_queries = len(queries)  # now: the context reads the log when asked
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    seconds = []
    for _ in range(args.calls):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
        assert response.json()["levels"] == body["levels"]  # the same answer every time
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as later:
        client.get(url)
    p50 = statistics.median(seconds)
    verdict = "OK" if p50 < GOAL_SECONDS else "ABOVE GOAL"
    touched = [level for level in body["levels"] if level.get("closed") or level.get("opened")]
    print(f"scenario evaluation on AURA ({len(body['levels'])} levels, {len(touched)} touched):")
    print(f"  queries: warm-up {warm_up_queries}, a later call {len(later)}; bases kept in this "
          f"process: {kept_before} before the warm-up, {kept_after} after")  # fmt: skip
    print(f"  p50 over {args.calls} calls            {p50 * 1000:8.1f} ms  "
          f"(goal < {GOAL_SECONDS * 1000:.0f} ms: {verdict})")  # fmt: skip
    print(f"  max                          {max(seconds) * 1000:8.1f} ms")
    print(f"  the evaluation's timings (s): {response.json()['timings']}")


if __name__ == "__main__":
    main()
