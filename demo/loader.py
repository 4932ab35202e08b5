"""A deterministic FICTITIOUS region for the demo, written as official-format files.

Nothing here is real: the region (code ``99``), its département (``96``), its communes,
inhabitants and facilities are invented, and every name says so. Both codes are well-formed
but used by no real region or département, so the demo can sit beside real data. The region lies
in the Bay of Biscay, where it overlaps no real commune. The files follow the official
layouts (COG JSON, GeoJSON, INSEE population CSV, FINESS cs1100507 and cs1100501,
authorisations CSV) so that the demo goes through the very importers that load real data
(``opendata.layout``).
"""

from pathlib import Path

import numpy as np

from .facilities import (
    make_facilities,
    write_authorisations,
    write_finess,
    write_legal_entities,
)
from .groupings import create_demo_groupings
from .schema import DEMO_PASSWORD, create_demo_schema
from .territories import (
    REGION_CODE,
    REGION_NAME,
    make_communes,
    make_region_shape,
    write_territory_files,
)

__all__ = [
    "DEMO_PASSWORD",
    "REGION_CODE",
    "REGION_NAME",
    "create_demo_groupings",
    "create_demo_schema",
    "write_demo_files",
]


def write_demo_files(directory: Path, seed: int = 2026) -> Path:
    """Write the fictitious region's files under ``directory`` in the open-data layout."""
    rng = np.random.default_rng(seed)
    region = make_region_shape(rng)
    communes = make_communes(region, rng)
    for sub in ("geo", "population", "facilities", "authorisations"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    write_territory_files(directory, region, communes)
    facilities = make_facilities(communes)
    write_finess(directory / "facilities" / "etalab-cs1100507-demo.csv", facilities)
    write_legal_entities(directory / "facilities" / "etalab-cs1100501-demo.csv", facilities)
    write_authorisations(directory / "authorisations" / "authorisations-demo.csv", facilities)
    return directory
