"""The Content-Security-Policy in headless Chromium: the main pages, with the demo region and a
computed run loaded, draw their maps and charts without a single refused script, style or
connection (every inline block carries the request's nonce; no style="" attribute), and the
API docs run Swagger UI from its own script URL."""

import pytest
from django.urls import reverse

from facilities.models import Facility
from opendata.models import ImportRecord
from sros.models import Scenario, SchemaVersion
from territories.models import Commune
from tests.browser import open_browser, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed before any script of the page runs: every violation the page's policy reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " " + (event.blockedURI || "inline") + " " +
    (event.sourceFile || "") + ":" + event.lineNumber + " " + (event.sample || "")
  );
});
"""


def csp_console_errors(session) -> list[str]:
    """Chromium's console lines for a refused resource ("Refused to load…", "Applying inline
    style violates…"): they all name the Content Security Policy."""
    return [text for kind, text in session.console if "Content Security Policy" in text]


@pytest.fixture
def pages(demo_chief) -> dict[str, tuple[str, list[str]]]:
    """Each page to open, with the selectors that show it has drawn (built before the browser,
    which forbids ORM calls)."""
    version = SchemaVersion.objects.filter(schema__region__code="99").order_by("pk").first()
    scenario = Scenario.objects.filter(version__schema__region__code="99").first()
    commune = Commune.objects.filter(department__region__code="99").order_by("code").first()
    facility = Facility.objects.filter(commune__department__region__code="99").first()
    first_import = ImportRecord.objects.order_by("pk").first()  # load_demo's first file
    areas = ".leaflet-overlay-pane path.leaflet-interactive"
    markers = ".leaflet-marker-pane .sros-marker, .leaflet-marker-pane .sros-cluster"
    return {
        "home": ("/", [areas, markers, "#population-legend .swatch"]),
        "region dashboard": ("/tableau-de-bord/99/", [".swatch-marker"]),
        "indicator map": (
            "/tableau-de-bord/99/carte/?indicator=nearest_minutes",
            [areas, markers, "#map-legend[data-indicator='nearest_minutes'] li .swatch"],
        ),
        "pathway": ("/tableau-de-bord/99/filieres/urgences/", [areas, markers]),
        "territory (commune)": (
            reverse("dashboard:territory", args=["99", "commune", commune.code]),
            [areas],
        ),
        "territory (département)": ("/tableau-de-bord/99/territoires/departement/96/", [areas]),
        "scenario comparison": (
            reverse("dashboard:scenario", args=["99", scenario.pk]),
            [areas, "#comparison-legend[data-mode='cote-a-cote'] li .swatch"],
        ),
        "schema version": (reverse("schema:version", args=[version.pk]), [".schema-nav"]),
        "compliance map": (
            reverse("schema:compliance_map", args=[version.pk]),
            [areas, ".map-legend .swatch"],
        ),
        "indicator runs": ("/indicateurs/", ["main h1"]),
        "imports": ("/donnees/imports/", [".imports tbody tr"]),
        "import": (reverse("opendata:import_detail", args=[first_import.pk]), [".import-keys li"]),
        "api docs": ("/api/docs/", [".swagger-ui .opblock"]),
        # Django's admin writes an inline <style> in some change lists: none may render here.
        "admin index": ("/admin/", ["#content-main"]),
        "admin list": ("/admin/facilities/facility/", ["#result_list"]),
        "admin form": (
            reverse("admin:facilities_facility_change", args=[facility.pk]),
            ["#facility_form"],
        ),
    }


def test_the_main_pages_break_no_rule_of_the_content_security_policy(
    live_server, demo_chief, pages, client
):
    cookie = session_cookie(client, demo_chief)
    violations: dict[str, list[str]] = {}
    with open_browser() as session:
        page = session.page
        page.set_default_timeout(90_000)  # generous: the machine is shared
        page.add_init_script(RECORD_VIOLATIONS)
        session.sign_in(live_server.url, cookie)
        for name, (url, drawn) in pages.items():
            response = page.goto(live_server.url + url)
            assert response.status == 200, (name, response.status)
            policy = response.headers["content-security-policy"]
            assert "unsafe" not in policy and "script-src 'self'" in policy, (name, policy)
            for selector in drawn:
                page.wait_for_selector(selector, state="attached")
            page.wait_for_function("document.readyState === 'complete'")
            found = page.evaluate("window.__cspViolations") + csp_console_errors(session)
            if found:
                violations[name] = found
            session.console.clear()
        # The recorder itself works: a style="" attribute added by script is refused.
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">')")
        page.wait_for_function("window.__cspViolations.length > 0", timeout=10_000)
        control = page.evaluate("window.__cspViolations")
        page.wait_for_function("window.__cspViolations.length > 0", timeout=10_000)
        page.evaluate("0")  # one more round trip, for the console message to arrive
        refused = csp_console_errors(session)

    assert violations == {}
    # Chromium may report the one refused attribute more than once.
    assert control and all(text.startswith("style-src-attr") for text in control), control
    assert refused and all("Applying inline style" in text for text in refused), refused
