"""Screenshots of the dashboard pages for the README, into docs/screenshots/.

    .venv/bin/python bench/screenshots.py [name …]

Loads the demo region into its own database (``SCREENSHOTS_DATABASE_URL``, default
``postgis://postgres@127.0.0.1:5432/sros_screenshots``, EMPTIED first), computes a run, serves
the project with ``runserver`` on ``SCREENSHOTS_ADDRESS`` (default 127.0.0.1:8765) and
photographs each page in headless Chromium at 1280×800 — only the pages named on the command
line, if any (e.g. ``scenario-comparison``). Tests save their own screenshots under
``settings.VAR_DIR``, never here.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["BENCH_DATABASE_URL"] = os.environ.get(
    "SCREENSHOTS_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/sros_screenshots"
)

from benchdb import ROOT, _create_database  # noqa: E402

ADDRESS = os.environ.get("SCREENSHOTS_ADDRESS", "127.0.0.1:8765")
OUT = ROOT / "docs" / "screenshots"


#: Who takes each page: the administrator of the captures, or the demo's planner (password
#: ``demo.schema.DEMO_PASSWORD``) for the pages only a region's planner opens.
PLANNER_PAGES = {
    "objectives-grid",
    "scenario-suggest",
    "closures",
    "consultation",
    "imports",
    "scenario-builder",
    "scenario-preview",
    "natural-territories",
}
#: Pages photographed scrolled to an element (shown once the page's own requests are done).
SCROLL_TO = {"scenario-preview": "#scenario-preview-section", "natural-territories": "#proposal"}


def pages() -> dict[str, str]:
    from django.urls import reverse

    from sros.models import Scenario, SchemaVersion
    from territories.models import Commune, Zoning

    zoning = Zoning.objects.filter(region__code="99").order_by("pk").first()  # the schema's
    zone = zoning.zones.order_by("code").first()
    commune = Commune.objects.filter(department__region__code="99").order_by("-population")[0]
    scenario = Scenario.objects.get(version__schema__region__code="99")
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    base = "/tableau-de-bord/99"
    return {
        "home": "/",
        "dashboard-region": "/tableau-de-bord/99/",
        "dashboard-map": "/tableau-de-bord/99/carte/?units=communes&indicator=nearest_minutes",
        "dashboard-map-zones": f"{base}/carte/?units={zoning.pk}&indicator=share_beyond",
        "dashboard-pathway": "/tableau-de-bord/99/filieres/perinatalite/",
        "dashboard-territory-zone": f"{base}/territoires/zone/{zoning.pk}/{zone.code}/",
        "dashboard-territory-commune": f"/tableau-de-bord/99/territoires/commune/{commune.code}/",
        "scenario-comparison": f"{base}/scenarios/{scenario.pk}/",
        "objectives-grid": reverse("schema:objective_grid", args=[draft.pk]),
        "scenario-suggest": reverse("schema:scenario_suggest", args=[scenario.pk]),
        "scenario-builder": reverse("schema:scenario_edit", args=[scenario.pk]),
        "scenario-preview": reverse("schema:scenario_edit", args=[scenario.pk]),
        "closures": reverse("schema:closures", args=[draft.pk]),
        "consultation": reverse("schema:consultation", args=[draft.pk]) + "?etat=all",
        "imports": reverse("opendata:import_list"),
        "natural-territories": f"{base}/territoires-naturels/",
    }


def natural_territories_proposal() -> None:
    """A proposal of six zones on the demo region (no flows loaded: the catchments of its
    maternities stand in), compared with the schema's zoning, as a planner would ask."""
    from indicators.zoning_proposals import propose_zoning
    from pathways.models import Level
    from sros.schema_selectors import current_zoning
    from territories.models import Region

    region = Region.objects.get(code="99")
    level = Level.objects.get(pathway__code="perinatalite", rank=1)
    propose_zoning(region, n_zones=6, level=level, compare_with=current_zoning(region))


def consultation_comments() -> None:
    """Two comments on the demo draft, as after its return from consultation (the services take
    new comments during consultation only): an open one on an objective with the planner's
    reply, and a resolved one on a volet."""
    from django.contrib.auth import get_user_model

    from sros.models import Comment, SchemaVersion

    users = get_user_model().objects
    director, planner = users.get(username="directeur"), users.get(username="planificateur")
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    first = Comment.objects.create(
        version=draft, objective=draft.objectives.first(), author=director,
        organisation_name="Centre hospitalier de la zone Nord",
        text="Une seule implantation ne suffit pas dans cette zone : 40 min de trajet l'hiver.",
    )  # fmt: skip
    Comment.objects.create(
        version=draft, objective=first.objective, parent=first, author=planner,
        organisation_name="ARS", text="Objectif porté à deux implantations dans cette version.",
    )  # fmt: skip
    Comment.objects.create(
        version=draft, volet=draft.volets.first(), author=director, text="Coquille page 3.",
        organisation_name="URPS médecins libéraux", resolved_at=draft.created_at,
        resolved_by=planner,
    )  # fmt: skip


def setup_database() -> None:
    """Like ``benchdb.setup_django`` but without its flush, which would empty the seeds."""
    import django
    from django.core.management import call_command

    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(os.environ["DATABASE_URL"])
    django.setup()
    call_command("migrate", verbosity=0)


def drop_database() -> None:
    """A fresh database: the seeding migrations (pathways, activity catalogue) that a flush
    would empty run again, as ``load_demo`` expects."""
    import psycopg

    url = os.environ["BENCH_DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    server = url.replace("postgis://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'drop database if exists "{name}"')


def main() -> None:
    drop_database()
    setup_database()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    call_command("compute_indicators", "--sync", verbosity=0)
    get_user_model().objects.create_superuser("captures", "c@example.org", "captures-pw-1")
    consultation_comments()
    natural_territories_proposal()
    targets = pages()
    if sys.argv[1:]:
        targets = {name: targets[name] for name in sys.argv[1:]}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", ADDRESS, "--noreload"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://{ADDRESS}/connexion/")
                break
            except OSError:
                time.sleep(0.5)
        shoot(targets)
    finally:
        server.terminate()
        server.wait()


def shoot(targets: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        from demo.schema import DEMO_PASSWORD

        accounts = {"captures": "captures-pw-1", "planificateur": DEMO_PASSWORD}
        signed_in = {}
        for username, password in accounts.items():
            page = browser.new_page(viewport=VIEWPORT, locale="fr-FR")
            page.goto(f"http://{ADDRESS}/connexion/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("main form button[type=submit]")
            page.wait_for_load_state("networkidle")
            signed_in[username] = page
        for name, path in targets.items():
            page = signed_in["planificateur" if name in PLANNER_PAGES else "captures"]
            page.goto(f"http://{ADDRESS}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            if name in SCROLL_TO:
                page.locator(SCROLL_TO[name]).evaluate("node => node.scrollIntoView()")
                page.evaluate("window.scrollBy(0, -20)")
            page.screenshot(path=str(OUT / f"{name}.png"))
            print(f"  {OUT / f'{name}.png'}")
        browser.close()


if __name__ == "__main__":
    main()
