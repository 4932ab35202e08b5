"""``manage.py compute_indicators``: compute the indicators of a region (or of every region).

    compute_indicators [--region CODE] [--levels urgences:1 perinatalite:2 …]
                       [--provider crowfly|road|matrix] [--network NAME] [--matrix CSV]
                       [--detour 1.3] [--speed-kmh 50] [--sync]

Without ``--sync`` the run is queued for the workers and its id printed; with it, the run is
computed in this process and a summary printed (units, levels, values, timings).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef

from core.workers import UNAVAILABLE, BrokerUnavailable
from indicators import services
from indicators.models import IndicatorRun
from pathways.models import Level
from territories.models import Commune, Region


class Command(BaseCommand):
    help = "Compute the coverage indicators of a region (queued for the workers, or --sync)."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="INSEE code of the region (default: every region)")
        parser.add_argument(
            "--levels", nargs="+", metavar="PATHWAY:RANK", help="levels (default: all)"
        )
        parser.add_argument("--provider", choices=["crowfly", "road", "matrix"], default="crowfly")
        parser.add_argument("--network", help="road network loaded by load_road_network")
        parser.add_argument("--matrix", help="CSV matrix origin_id,destination_id,minutes")
        parser.add_argument("--detour", type=float, default=1.3, help="crow-fly detour factor")
        parser.add_argument("--speed-kmh", type=float, default=50.0, help="crow-fly speed")
        parser.add_argument("--sync", action="store_true", help="compute in this process")

    def handle(self, *args, **options):
        regions = self._regions(options["region"])
        levels = self._levels(options["levels"])
        parameters = self._provider_parameters(options)
        for region in regions:
            try:
                run = services.run_create(
                    region=region,
                    levels=levels,
                    provider_parameters=parameters,
                    enqueue=not options["sync"],
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            except BrokerUnavailable as exc:
                raise CommandError(f"{UNAVAILABLE} ({exc})") from exc
            if not options["sync"]:
                self.stdout.write(f"run {run.pk} queued for {region}")
                continue
            run = services.run_compute(run.pk)
            self._summary(run)
            if run.status != IndicatorRun.Status.DONE:
                raise CommandError(f"run {run.pk} failed: {run.error}")

    def _regions(self, code: str | None) -> list[Region]:
        # EXISTS, not a join with DISTINCT, and without the region polygons: DISTINCT over
        # the joined rows with their geometry took 89 s of the 98 s of the real-data demo's
        # compute_indicators on SpatiaLite (4,184 communes), for two regions.
        communes = Commune.objects.filter(department__region=OuterRef("pk"))
        regions = Region.objects.defer("geometry").filter(Exists(communes))
        if code:
            regions = Region.objects.filter(code=code)
            if not regions:
                raise CommandError(f"unknown region {code!r}")
        elif not regions:
            raise CommandError("no region with communes is loaded (see load_demo)")
        return list(regions.defer("geometry").order_by("code"))

    def _levels(self, specs: list[str] | None) -> list[Level] | None:
        if not specs:
            return None
        levels = []
        for spec in specs:
            pathway, _sep, rank = spec.partition(":")
            level = Level.current.filter(pathway__code=pathway, rank=rank or 0).first()
            if not rank.isdigit() or level is None:
                known = ", ".join(
                    f"{code}:{r}" for code, r in Level.current.values_list("pathway__code", "rank")
                )
                raise CommandError(f"unknown level {spec!r} (known: {known})")
            levels.append(level)
        return levels

    def _provider_parameters(self, options) -> dict:
        provider = options["provider"]
        if provider == "road":
            if not options["network"]:
                raise CommandError("--provider road needs --network NAME (see load_road_network)")
            return {"provider": "road", "network": options["network"]}
        if provider == "matrix":
            if not options["matrix"]:
                raise CommandError("--provider matrix needs --matrix CSV")
            return {"provider": "matrix", "path": options["matrix"]}
        return {
            "provider": "crowfly",
            "detour": options["detour"],
            "speed_kmh": options["speed_kmh"],
        }

    def _summary(self, run: IndicatorRun) -> None:
        summary = run.inputs_summary
        self.stdout.write(f"run {run.pk} {run.region}: {run.get_status_display()}")
        if run.error:
            self.stdout.write(f"  error: {run.error}")
        self.stdout.write(
            f"  units: {summary.get('units', 0)} communes, "
            f"population {summary.get('population', 0)}"
            f" ({len(summary.get('excluded_units', []))} without a point, population "
            f"{summary.get('excluded_population', 0)} excluded)"
        )
        self.stdout.write(f"  levels: {run.levels.count()}, provider: {run.provider}")
        for state in run.level_states.values():
            if state.get("state") != "computed":
                missing = ", ".join(m["activity"] for m in state.get("missing", []))
                self.stdout.write(
                    f"  level {state.get('label')}: {state.get('state')} "
                    f"(no authorisation loaded: {missing})"
                )
        self.stdout.write(f"  values written: {run.values.count()}")
        timings = ", ".join(f"{k} {v}" for k, v in run.timings.items() if k != "values")
        self.stdout.write(f"  timings (s): {timings}")
