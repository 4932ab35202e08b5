"""Load a directory of official open-data files laid out like ``../shared/data``.

The layout (every part optional; files of one step load in name order):

====================================  ==============================================
``population/regions-*.json``         régions (COG JSON)
``geo/regions-*.geojson``             région polygons
``population/departements-*.json``    départements (COG JSON)
``geo/departements-*.geojson``        département polygons
``geo/communes-*.geojson|gpkg|shp``   commune polygons (top of ``geo/`` only)
``population/communes-*.csv``         populations légales (INSEE COG CSV)
``geo/communes-<year>/*.geojson|…``   commune polygons of an earlier COG year, for the
                                      communes still without a polygon only
``facilities/*cs1100507*``            FINESS extract (etalab-cs1100507)
``facilities/eurostat-gisco-*.csv``   hospitals from Eurostat GISCO
``authorisations/*.csv``              authorisations (docs/authorisations-csv.md)
====================================  ==============================================

The order matters: communes need their département, facilities need communes for their
point-in-polygon, authorisations need facilities.

Polygons of an earlier COG year (``geo/communes-2018/``: the per-département files of IGN
ADMIN EXPRESS COG 2018 from ``gregoiredavid/france-geojson`` v2.1.1) load after the
population file, whose ``anciens_codes`` map their 2018 codes to the 2026 communes, and only
give a shape to a commune that has none (``territories.importers.import_missing_commune_polygons``).
So in ``../shared/data`` they fill the Alpes-Maritimes (06), whose population is loaded but
which has no 2026 polygon file, and leave the 2026 Auvergne-Rhône-Alpes polygons
(``geo/communes-aura-cog2026.geojson``, loaded first) as they are: the AURA 2018 files of the
same folder find every AURA commune already shaped and change nothing. We chose "fill only"
over "skip the AURA 2018 files" so that the folder needs no list of exceptions: whatever
département has a current polygon keeps it, whatever has only a 2018 one gets that.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

from core.importing import ImportReport

from .services import import_file

#: (import KIND, glob patterns relative to the directory), in loading order.
LAYOUT: list[tuple[str, tuple[str, ...]]] = [
    ("regions", ("population/regions-*.json", "geo/regions-*.geojson")),
    ("departments", ("population/departements-*.json", "geo/departements-*.geojson")),
    ("communes", ("geo/communes-*.geojson", "geo/communes-*.gpkg", "geo/communes-*.shp")),
    ("population", ("population/communes-*.csv",)),
    (
        "communes-fill",
        ("geo/communes-*/*.geojson", "geo/communes-*/*.gpkg", "geo/communes-*/*.shp"),
    ),
    ("finess-ej", ("facilities/*cs1100501*",)),
    ("finess", ("facilities/*cs1100507*",)),
    ("gisco-hospitals", ("facilities/eurostat-gisco-*.csv",)),
    ("authorisations", ("authorisations/*.csv",)),
    ("annuaire-sante", ("professionals/PS_LibreAcces_Personne_activite*.txt",)),
]


#: The real Auvergne-Rhône-Alpes region in ``../shared/data`` as (KIND, path) in loading order:
#: what the tests and benchmarks load as "the real region".
AURA_FILES: list[tuple[str, str]] = [
    ("regions", "population/regions-cog2026.json"),
    ("regions", "geo/regions-france-2018.geojson"),
    ("departments", "population/departements-cog2026.json"),
    ("departments", "geo/departements-france-2018.geojson"),
    ("communes", "geo/communes-aura-cog2026.geojson"),
    ("population", "population/communes-aura-cog2026.csv"),
    ("gisco-hospitals", "facilities/eurostat-gisco-hospitals-aura-2020.csv"),
]


def files_to_load(directory: Path) -> Iterator[tuple[str, Path]]:
    """(KIND, path) of every file of ``directory`` that the layout names, in loading order."""
    for kind, patterns in LAYOUT:
        for pattern in patterns:
            for path in sorted(directory.glob(pattern)):
                yield kind, path


def load_directory(
    directory: Path, *, echo: Callable[[str], None] = lambda line: None
) -> list[ImportReport]:
    """Import every file of ``directory`` (see the layout above); stops at the first bad file.

    Each file is imported in its own transaction, so the files before a bad one stay loaded
    and the bad one writes nothing; running it again resumes where it stopped.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory")
    reports = []
    for kind, path in files_to_load(directory):
        report = import_file(kind, path).report
        echo(f"{path.relative_to(directory)}  {report.summary()}")
        reports.append(report)
    if not reports:
        raise FileNotFoundError(f"{directory} holds none of the files of the open-data layout")
    return reports
