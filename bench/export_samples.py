"""A sample PDF report of the demo's first zone into docs/exports/, and its first page as PNG.

    .venv/bin/python bench/export_samples.py

Loads the demo region into its own database (``EXPORT_SAMPLES_DATABASE_URL``, default
``postgis://postgres@127.0.0.1:5432/sros_export_samples``, DROPPED and created again first),
computes a run and downloads the zone's diagnostic with Django's test client; ``pdftoppm``
(poppler-utils) renders page 1 to look at the layout. Tests never write here.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["BENCH_DATABASE_URL"] = os.environ.get(
    "EXPORT_SAMPLES_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_export_samples"
)

from benchdb import ROOT  # noqa: E402
from screenshots import drop_database, setup_database  # noqa: E402

OUT = ROOT / "docs" / "exports"


def main() -> None:
    drop_database()
    setup_database()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from dashboard.exports.jobs import export_job_run
    from territories.models import Zoning

    call_command("load_demo", verbosity=0)
    call_command("compute_indicators", "--sync", verbosity=0)
    user = get_user_model().objects.create_superuser("samples", "s@example.org", "samples-pw-1")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    zoning = Zoning.objects.get(region__code="99")
    zone = zoning.zones.order_by("code").first()
    response = client.get(
        reverse("dashboard:export_zone_report", args=["99", zoning.pk, zone.code])
    )
    assert response.status_code == 303, response.content[:300]  # a PDF is a job: built here
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    export_job_run(job_id)
    response = client.get(reverse("dashboard:export_job_file", args=[job_id]))
    assert response.status_code == 200, response.content[:300]
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / "diagnostic-zone-demo.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(OUT / "diagnostic-zone-demo-page1")],
        check=True,
    )  # fmt: skip
    print(f"{pdf} ({len(response.content):,} B) and {OUT / 'diagnostic-zone-demo-page1.png'}")


if __name__ == "__main__":
    main()
