"""Small builders of valid territories for tests (no real files needed).

Communes are squares on a regular grid in degrees near Lyon, so neighbours share edges exactly,
like the communes of a real coverage.
"""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from territories.models import Commune, Department, Region

#: South-west corner of the grid and the side of one square commune, in degrees.
ORIGIN = (4.5, 45.5)
SIDE = 0.05


def make_region(code: str = "84", name: str = "Auvergne-Rhône-Alpes", **fields) -> Region:
    region, _created = Region.objects.get_or_create(code=code, defaults={"name": name, **fields})
    return region


def make_department(
    code: str = "69", name: str = "Rhône", region: Region | None = None, **fields
) -> Department:
    region = region or make_region()
    department, _created = Department.objects.get_or_create(
        code=code, defaults={"name": name, "region": region, **fields}
    )
    return department


def square(col: int, row: int, side: float = SIDE) -> MultiPolygon:
    """The MultiPolygon of grid cell (col, row): cells with adjacent indices share an edge."""
    x, y = ORIGIN[0] + col * side, ORIGIN[1] + row * side
    ring = ((x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y))
    return MultiPolygon(Polygon(ring), srid=4326)


def make_commune(
    code: str,
    *,
    col: int = 0,
    row: int = 0,
    population: int | None = 1000,
    department: Department | None = None,
    name: str | None = None,
    with_geometry: bool = True,
) -> Commune:
    """A commune with a square polygon in grid cell (col, row), its map copy and inner point."""
    geometry = square(col, row) if with_geometry else None
    return Commune.objects.create(
        code=code,
        name=name or f"Commune {code}",
        department=department or make_department(code=code[:2]),
        population=population,
        geometry=geometry,
        map_geometry=geometry,
        point=Point(*geometry.centroid.coords, srid=4326) if geometry else None,
    )


def make_commune_grid(
    columns: int, rows: int, *, department: Department | None = None, first: int = 1
) -> list[Commune]:
    """``columns × rows`` neighbouring communes coded ``<dep>001``, ``<dep>002``… row by row."""
    department = department or make_department()
    communes = []
    for index in range(columns * rows):
        code = f"{department.code}{first + index:03d}"
        communes.append(
            make_commune(
                code,
                col=index % columns,
                row=index // columns,
                population=100 * (index + 1),
                department=department,
            )
        )
    return communes
