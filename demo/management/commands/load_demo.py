"""``manage.py load_demo [--from DIR]``: load the demo data.

Without ``--from``: a deterministic fictitious region, written as official-format files and
loaded through the same importers as real data, then its groupings, a schema (adopted version,
draft, objectives, pilot project) and the demo accounts. With ``--from DIR``: the real files of DIR
(the layout of ../shared/data, see ``opendata.layout``), then a planner and a director account
in each real region loaded and a draft schema zoned by département where a region has none
(``demo.real_regions``). Running it again changes nothing. ``scripts/demo.sh`` then computes
every region (``compute_indicators --sync``) and serves.
"""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.importing import ImportFailed
from demo import loader as demo
from demo.real_regions import set_up_real_regions
from demo.schema import ensure_catalogue
from opendata.layout import load_directory


class Command(BaseCommand):
    help = "Load the fictitious demo region, or the official files of a directory (--from)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="directory", help="a directory laid out like ../shared/data"
        )

    def handle(self, *args, directory: str | None = None, **options):
        # The authorisations the files carry are keys of the catalogue: it comes first.
        ensure_catalogue()
        try:
            if directory:
                load_directory(Path(directory), echo=self.stdout.write)
                for line in set_up_real_regions():
                    self.stdout.write(line)
            else:
                self._load_fictitious_region()
        except (ImportFailed, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc

    def _load_fictitious_region(self) -> None:
        self.stdout.write(f"Fictitious demo region: {demo.REGION_NAME} (invented data)")
        with tempfile.TemporaryDirectory(prefix="sros-demo-") as tmp:
            load_directory(demo.write_demo_files(Path(tmp)), echo=self.stdout.write)
        for line in [*demo.create_demo_groupings(), *demo.create_demo_schema()]:
            self.stdout.write(line)
