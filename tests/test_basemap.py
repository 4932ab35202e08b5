"""The background map (SROS_BASEMAP_URL, core/basemap.py): none by default (the pages' other
browser tests check that no request leaves the server), its host added to the CSP's img-src
only when set, a template no map could use refused at start-up, and in Chromium the tiles of
the template requested under the map page's layers with no CSP violation."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from core.basemap import BasemapError, csp_source
from tests.browser import open_browser, session_cookie

ROOT = Path(__file__).resolve().parent.parent
PLAN_IGN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
    "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
#: A 1 × 1 transparent PNG: what the fake tile server answers.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d605a20000000049454e44ae426082"
)


@pytest.mark.parametrize(
    ("template", "source"),
    [
        (PLAN_IGN, "https://data.geopf.fr"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
    ],
)
def test_the_csp_source_is_the_templates_scheme_and_host(template, source):
    assert csp_source(template) == source


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("https://tiles.example.org/{z}/{x}.png", "lacks {y}"),
        ("ftp://tiles.example.org/{z}/{x}/{y}.png", "http(s)"),
        ("/tiles/{z}/{x}/{y}.png", "http(s)"),
        ("https://{z}.example.org/{x}/{y}.png", "host may only hold"),
    ],
)
def test_a_template_no_map_could_use_is_refused_saying_why(template, reason):
    with pytest.raises(BasemapError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        csp_source(template)


def img_src(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    environment.pop("SROS_BASEMAP_URL", None) if not env else None
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_the_csp_names_the_basemaps_host_only_when_one_is_set():
    default = img_src()
    assert default.returncode == 0, default.stderr
    assert "geopf" not in default.stdout and "http" not in default.stdout
    with_basemap = img_src(SROS_BASEMAP_URL=PLAN_IGN)
    assert with_basemap.returncode == 0, with_basemap.stderr
    assert "'https://data.geopf.fr'" in with_basemap.stdout
    wrong = img_src(SROS_BASEMAP_URL="https://tiles.example.org/{z}.png")
    assert wrong.returncode != 0 and "lacks {x}, {y}" in wrong.stderr


TILES = "https://tiles.example.test/plan/{z}/{x}/{y}.png"


def with_tiles_host() -> dict:
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"].append(csp_source(TILES))
    return policy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_page_draws_the_basemaps_tiles_under_its_layers(
    live_server, client, django_user_model
):
    call_command("load_demo", verbosity=0)
    call_command("compute_indicators", "--sync", verbosity=0)  # the map needs a done run
    chief = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    cookie = session_cookie(client, chief)
    tiles: list[str] = []

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, body=PNG, content_type="image/png")

    with (
        override_settings(
            SROS_BASEMAP_URL=TILES,
            SROS_BASEMAP_ATTRIBUTION="Fond : serveur de test",
            CONTENT_SECURITY_POLICY=with_tiles_host(),
        ),
        open_browser() as session,
    ):
        page = session.page
        page.route("https://tiles.example.test/**", tile)
        session.sign_in(live_server.url, cookie)
        response = page.goto(live_server.url + "/tableau-de-bord/99/carte/")
        page.wait_for_selector(".sros-basemap img.leaflet-tile-loaded")
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        errors = session.console_errors()

    assert "https://tiles.example.test" in response.headers["content-security-policy"]
    assert tiles and all(
        url.startswith("https://tiles.example.test/plan/") and url.endswith(".png") for url in tiles
    )
    z, x, y = (int(part) for part in tiles[0].removesuffix(".png").split("/")[-3:])
    assert 5 <= z <= 18 and 0 <= x < 2**z and 0 <= y < 2**z
    assert "Fond : serveur de test" in attribution
    assert errors == [], errors
