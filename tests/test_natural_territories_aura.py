"""Natural territories (issue 13 §3) on the real Auvergne-Rhône-Alpes communes (4,021
polygons): the commune adjacency, zonings proposed from flows or from nearest-facility
catchments, and the catchments layer and exports."""

import time

import numpy as np
import pytest
from django.db import connection

from territories.selectors import commune_adjacency
from tests.test_schema_aura_pages import aura  # noqa: F401 (fixture)

pytestmark = pytest.mark.open_data


def test_the_adjacency_of_aura_is_the_communes_sharing_a_boundary_line(aura, db):  # noqa: F811
    started = time.perf_counter()
    adjacency = commune_adjacency(aura)
    seconds = time.perf_counter() - started
    print(f"\ncommune_adjacency(AURA): {len(adjacency)} communes, {len(adjacency.pairs)} pairs, "
          f"{seconds:.2f} s")  # fmt: skip
    assert len(adjacency) == 4021
    assert adjacency.no_polygon == ["15031", "15035", "15047", "15171"]
    assert (adjacency.pairs[:, 0] < adjacency.pairs[:, 1]).all()
    codes = np.array(adjacency.codes)
    found = {tuple(sorted(p)) for p in codes[adjacency.pairs].tolist()}
    assert ("69123", "69266") in found  # Lyon – Villeurbanne
    assert seconds < 3
    # The same pairs as PostGIS's own DE-9IM on the spatial index.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.code, b.code FROM territories_commune a
            JOIN territories_department da ON da.id = a.department_id
            JOIN territories_commune b ON a.code < b.code AND a.geometry && b.geometry
            JOIN territories_department db ON db.id = b.department_id
            WHERE da.region_id = %s AND db.region_id = %s
              AND ST_Relate(a.geometry, b.geometry, '****1****')
            """,
            [aura.pk, aura.pk],
        )
        assert set(cursor.fetchall()) == found
