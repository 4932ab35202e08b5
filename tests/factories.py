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
    """A commune with a square polygon in grid cell (col, row), its map copies and inner point."""
    geometry = square(col, row) if with_geometry else None
    return Commune.objects.create(
        code=code,
        name=name or f"Commune {code}",
        department=department or make_department(code=code[:2]),
        population=population,
        geometry=geometry,
        map_geometry=geometry,
        low_zoom_map_geometry=geometry,
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


def make_emergency_region(
    commune_counts: tuple[int, int], facility_communes: tuple[int, int]
) -> dict:
    """Région 84 with départements 01 and 02 of ``commune_counts`` communes, an emergency
    service (urgences, SU) in each of the communes at ``facility_communes``, and a level of
    its own (the seeded ones may have been flushed). The worker tests' small region."""
    from facilities.models import Facility
    from pathways.models import Level, LevelRequirement, Pathway

    region = make_region("84")
    communes = []
    for code, count, start in (("01", commune_counts[0], 0), ("02", commune_counts[1], 10)):
        department = make_department(code, f"Département {code}", region=region)
        communes += [
            make_commune(f"{code}{i + 1:03d}", col=col, row=0, department=department)
            for i, col in enumerate(range(start, start + count))
        ]
    for finess, index in zip(("010000001", "020000001"), facility_communes, strict=True):
        commune = communes[index]
        facility = Facility.objects.create(
            finess_et=finess, name=f"CH {finess}", kind="ch", source="manual", commune=commune,
            point=Point(commune.point.x + 0.01, commune.point.y, srid=4326),
        )  # fmt: skip
        facility.authorisations.create(activity="urgences", modality="su", start_date="2020-01-01")
    pathway = Pathway.objects.create(code="urgences-test", name="Urgences (test)")
    level = Level.objects.create(pathway=pathway, rank=1, code="su", name="SU")
    LevelRequirement.objects.create(
        level=level, activity="urgences", modality="su", access_target_minutes=30
    )
    return {"region": region, "level": level, "communes": communes}
