"""``manage.py import_open_data KIND PATH``: load an official open-data file."""

from django.core.management.base import BaseCommand, CommandError

from core.importing import ImportFailed
from opendata.registry import FULL_KINDS, IMPORTERS
from opendata.services import import_file
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
        parser.add_argument(
            "--full",
            action="store_true",
            help="the file is the complete extract: end every authorisation it omits, in "
            "every département (FINESS authorisation files only)",
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

    def handle(
        self, *args, kind: str, path: str, year: int | None = None, full: bool = False, **options
    ):
        if full and kind not in FULL_KINDS:
            raise CommandError(f"--full only applies to {', '.join(sorted(FULL_KINDS))}")
        if year is not None and kind != "population":
            raise CommandError("--year only applies to population files")
        if year is not None and not 1800 <= year <= 2200:
            raise CommandError(f"--year {year} is not a reference year (1800 to 2200)")
        keywords: dict = {"reference_year": year} if year is not None else {}
        if full:
            keywords["full"] = True
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
            report = import_file(kind, path, **keywords).report
        except ImportFailed as exc:
            raise CommandError(f"Nothing imported. {exc}") from exc
        for message in report.messages:
            self.stderr.write(f"note: {message}")
        if report.rows_by_department:
            scope = ", ".join(
                f"{code}: {count}" for code, count in sorted(report.rows_by_department.items())
            )
            self.stdout.write(f"rows by département: {scope}")
        if report.ended:
            self.stdout.write(f"ended: {report.ended}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
