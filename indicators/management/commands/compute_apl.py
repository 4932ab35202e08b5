"""``manage.py compute_apl``: compute and store the DREES's APL of a region, or of every
region at once (``all``: the inputs read once, the engine called once on all communes, one
run per region; ``apl_services.apl_compute_all``).

    compute_apl REGION|all [--matrix CSV | --detour 1.3 --speed-kmh 50]
                [--age-weights CSV --weights-source TEXT]
                [--consultations-per-etp N --consultations-source TEXT]

``--age-weights``: a CSV ``band;weight`` with the bands 0-14, 15-29, 30-44, 45-59, 60-74, 75+
(relative consumption, 1 = national mean), whose provenance ``--weights-source`` must name
(docs/indicators.md: the DREES's figures were not in the stored corpus, none is shipped).
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators import apl_services
from indicators.engine.apl import AgeWeights
from territories.models import Region


def read_weights(path: Path, source: str) -> AgeWeights:
    """``band;weight`` lines (a header line ``band;weight`` is allowed)."""
    bands = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for line, row in enumerate(csv.reader(f, delimiter=";"), start=1):
            if not row or row[0].strip().lower() == "band":
                continue
            try:
                bands.append((row[0].strip(), float(row[1].replace(",", "."))))
            except (IndexError, ValueError):
                raise CommandError(f"{path}, line {line}: not 'band;weight' ({row!r})") from None
    try:
        return AgeWeights(tuple(bands), source=source)
    except ValueError as error:
        raise CommandError(f"{path}: {error}") from error


class Command(BaseCommand):
    help = "Compute the APL (DREES) of a region's communes and its TVS means."

    def add_arguments(self, parser):
        parser.add_argument("region", help="INSEE code of the region, or all")
        parser.add_argument("--matrix", help="CSV origin_commune;destination_commune;minutes")
        parser.add_argument("--detour", type=float, default=1.3, help="crow-fly detour factor")
        parser.add_argument("--speed-kmh", type=float, default=50.0, help="crow-fly speed")
        parser.add_argument("--age-weights", type=Path, help="CSV band;weight")
        parser.add_argument("--weights-source", default="", help="where the weights come from")
        parser.add_argument("--consultations-per-etp", type=float)
        parser.add_argument("--consultations-source", default="")

    def handle(self, *args, **options):
        every = options["region"] == "all"
        region = None if every else Region.objects.filter(code=options["region"]).first()
        if region is None and not every:
            raise CommandError(f"no region {options['region']!r} loaded")
        if options["matrix"]:
            parameters = {"provider": "matrix", "path": str(Path(options["matrix"]).resolve())}
        else:
            parameters = {"provider": "crowfly", "detour": options["detour"],
                          "speed_kmh": options["speed_kmh"], "access_minutes": 0.0}  # fmt: skip
        weights = None
        if options["age_weights"]:
            if not options["weights_source"].strip():
                raise CommandError("--age-weights needs --weights-source (their provenance)")
            weights = read_weights(options["age_weights"], options["weights_source"])
        arguments = {
            "provider_parameters": parameters,
            "age_weights": weights,
            "consultations_per_etp": options["consultations_per_etp"],
            "consultations_source": options["consultations_source"],
        }
        try:
            if every:
                runs = apl_services.apl_compute_all(**arguments)
            else:
                runs = [apl_services.apl_compute(region.pk, **arguments)]
        except ValueError as error:
            raise CommandError(str(error)) from error
        for run in runs:
            self.stdout.write(f"APL run {run.pk} for {run.region.code}: {run.unit}")
            for key, value in run.summary.items():
                self.stdout.write(f"  {key}: {value}")
