"""``manage.py load_road_network NAME PATH``: build a road network once and cache it on disk."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators import road_networks
from indicators.engine.travel.road import RoadProvider


class Command(BaseCommand):
    help = (
        "Build the car graph of an OSM road file (Geofabrik-schema GeoJSON/GPKG/SHP or "
        ".osm.pbf) and cache it as var/road-networks/NAME.npz (one per region)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="network name, e.g. the region code ('93')")
        parser.add_argument("path", help="road file")

    def handle(self, *args, name: str, path: str, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source}: no such file")
        try:
            provider = RoadProvider.from_file(source, name=name)
        except (ValueError, OSError) as error:
            raise CommandError(f"{source.name}: {error}") from error
        target = provider.save(RoadProvider.cache_path(name, road_networks.cache_dir()))
        meta = provider.metadata
        self.stdout.write(
            f"{name}: {meta['nodes_before']:,} nodes / {meta['edges_before']:,} edges read; "
            f"largest strongly connected component {meta['nodes']:,} nodes "
            f"({meta['largest_component_share']:.1%}), {meta['arcs']:,} arcs; "
            f"built in {meta['build_seconds']:.2f} s"
        )
        self.stdout.write(self.style.SUCCESS(f"cached in {target}"))
