"""``manage.py compute_urgent_care``: urgent care within 30 minutes for a region (issue 11 §3).

    compute_urgent_care REGION [--network NAME | --matrix CSV | --detour 1.3 --speed-kmh 50]
                        [--helismur-speed-kmh N --helismur-takeoff-minutes N]

The héliSMUR speed and take-off delay have no default (no text states them,
docs/emergency-resources.md): without both, no héliSMUR base is counted and the run says so.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators import urgent_services
from indicators.services import build_provider
from territories.models import Region


class Command(BaseCommand):
    help = "Compute urgent-care access within 30 minutes (nearest of SU, SMUR, AMU, MCS, héliSMUR)."

    def add_arguments(self, parser):
        parser.add_argument("region", help="INSEE code of the region")
        parser.add_argument("--network", help="a road network loaded by load_road_network")
        parser.add_argument("--matrix", help="CSV origin_id,destination_id,minutes")
        parser.add_argument("--detour", type=float, default=1.3, help="crow-fly detour factor")
        parser.add_argument("--speed-kmh", type=float, default=50.0, help="crow-fly speed")
        parser.add_argument("--helismur-speed-kmh", type=float, help="helicopter cruise speed")
        parser.add_argument("--helismur-takeoff-minutes", type=float, help="take-off delay")

    def handle(self, *args, **options):
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"no region {options['region']!r} loaded")
        try:
            run = urgent_services.urgent_compute(
                region.pk,
                provider_parameters=self._travel(options),
                helismur_speed_kmh=options["helismur_speed_kmh"],
                helismur_takeoff_minutes=options["helismur_takeoff_minutes"],
            )
        except (ValueError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        region_row = run.group_values.get(unit_kind="region")
        self.stdout.write(
            f"urgent-care run {run.pk} for {region.code}: {region_row.population_beyond:.0f} "
            f"of {region_row.population:.0f} inhabitants beyond {run.target_minutes:.0f} min"
        )
        for code, said in run.summary["means"].items():
            state = f"{said['places']} places" if said["counted"] else said["not_counted"]
            self.stdout.write(f"  {code}: {state} ({said['direction']})")

    def _travel(self, options) -> dict:
        if options["network"]:
            road = build_provider({"provider": "road", "network": options["network"]})
            return road.parameters()
        if options["matrix"]:
            return {"provider": "matrix", "path": str(Path(options["matrix"]).resolve())}
        return {"provider": "crowfly", "detour": options["detour"],
                "speed_kmh": options["speed_kmh"], "access_minutes": 0.0}  # fmt: skip
