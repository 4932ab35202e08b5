"""``manage.py import_open_data KIND PATH``: load an official open-data file."""

from django.core.management.base import BaseCommand, CommandError

from core.importing import ImportFailed
from opendata.registry import IMPORTERS, importer_for
from territories.models import Zoning


class Command(BaseCommand):
    help = "Import an official open-data file (transactional and idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("path")
        parser.add_argument(
            "--year",
            type=int,
            help="reference year of the legal populations (population files only)",
        )
        zoning = parser.add_argument_group("zoning files")
        zoning.add_argument("--name", help="the zoning's name (default: the publisher's)")
        zoning.add_argument(
            "--kind",
            dest="zoning_kind",
            choices=Zoning.Kind.values,
            help="the zoning's kind (default: the publisher's)",
        )
        zoning.add_argument(
            "--region", help="region code, when the file's communes are in several regions"
        )

    def handle(self, *args, kind: str, path: str, year: int | None = None, **options):
        if year is not None and kind != "population":
            raise CommandError("--year only applies to population files")
        if year is not None and not 1800 <= year <= 2200:
            raise CommandError(f"--year {year} is not a reference year (1800 to 2200)")
        keywords: dict = {"reference_year": year} if year is not None else {}
        zoning = {
            "name": options.get("name"),
            "kind": options.get("zoning_kind"),
            "region": options.get("region"),
        }
        given = [f"--{flag}" for flag, value in zoning.items() if value is not None]
        if given and kind != "zoning":
            raise CommandError(f"{', '.join(given)} only apply to zoning files")
        if kind == "zoning":
            keywords.update({flag: value for flag, value in zoning.items() if value is not None})
        try:
            report = importer_for(kind)(path, **keywords)
        except ImportFailed as exc:
            raise CommandError(f"Nothing imported. {exc}") from exc
        for message in report.messages:
            self.stderr.write(f"note: {message}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
