"""Time the import of the whole Auvergne-Rhône-Alpes region on PostGIS.

    .venv/bin/python bench/bench_import.py

Imports, from the real files of ``../shared/data``: regions and départements (COG JSON and
polygons), the 4,021 commune polygons, the 4,034 population rows and the 566 GISCO hospitals
(point-in-polygon for each), then the same files again (the idempotent no-op path).
Budget (issue 2): the whole region well under a minute.
"""

from benchdb import open_data_dir, setup_django, timed

BUDGET_SECONDS = 60.0


def main() -> None:
    setup_django()
    from opendata.layout import AURA_FILES
    from opendata.registry import importer_for

    data = open_data_dir()
    for run in ("first import", "second import (idempotent)"):
        print(f"{run}:")
        timings: dict[str, float] = {}
        for kind, name in AURA_FILES:
            with timed(f"{kind} {name.split('/')[-1]}", timings):
                report = importer_for(kind)(data / name)
            print(f"      {report.summary()}")
        total = sum(timings.values())
        verdict = "OK" if total < BUDGET_SECONDS else "OVER BUDGET"
        print(f"  {'total':<45} {total:7.2f} s  (budget {BUDGET_SECONDS:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
