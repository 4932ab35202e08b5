"""axe-core in headless Chromium: the main pages, with the demo region loaded and its
indicators computed, opened as each persona, have no serious or critical violation of axe's
default rules (docs/accessibility.md lists the rules turned off, with their reason).

axe is served from our static files (static/vendor/axe-core-*/) but no template refers to it:
the test adds it to each page once the page has drawn, as a same-origin <script src>, which
the Content-Security-Policy allows. One browser, the pages in sequence."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from facilities.models import Facility
from indicators.models import PatientFlow, PmsiGeoCommune
from indicators.zoning_proposals import propose_zoning
from opendata.models import ImportRecord, ImportUpload
from pathways.models import Level
from sros.models import Comment, Objective, Scenario, SchemaVersion, SuggestionJob
from territories.models import Commune, Region, Zone
from tests.browser import (
    AXE_DISABLED_RULES,
    AXE_IMPACTS,
    axe_violations,
    open_browser,
    session_cookie,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AREAS = ".leaflet-overlay-pane path.leaflet-interactive"
MARKERS = ".leaflet-marker-pane .sros-marker, .leaflet-marker-pane .sros-cluster"


def _demo_pages() -> dict[str, tuple[str, list[str]]]:
    """Name → (URL, selectors that show the page has drawn), read before the browser opens."""
    objective = Objective.objects.filter(version__schema__region__code="99").first()
    version = objective.version  # the adopted version, with its objectives grid
    draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
    scenario = Scenario.objects.filter(version__schema__region__code="99").first()
    commune = Commune.objects.filter(department__region__code="99").order_by("code").first()
    zone = Zone.objects.filter(zoning=version.default_zoning).order_by("code").first()
    facility = Facility.objects.filter(commune__department__region__code="99").first()
    first_import = ImportRecord.objects.order_by("pk").first()
    done, refused = _demo_uploads(first_import)
    _demo_comments(draft)
    suggestion = _demo_suggestion(scenario)
    goal = _demo_goal_suggestion(scenario)
    pages = {
        "home": ("/", [AREAS, MARKERS]),
        "dashboard": ("/tableau-de-bord/99/", ["main h1"]),
        "map": ("/tableau-de-bord/99/carte/?indicator=nearest_minutes", [AREAS, MARKERS]),
        "pathway": ("/tableau-de-bord/99/filieres/urgences/", [AREAS]),
        "territory (commune)": (
            reverse("dashboard:territory", args=["99", "commune", commune.code]),
            [AREAS],
        ),
        "territory (zone)": (
            reverse("dashboard:zone", args=["99", zone.zoning_id, zone.code]),
            ["main h1"],
        ),
        "scenario comparison": (reverse("dashboard:scenario", args=["99", scenario.pk]), [AREAS]),
        "schema index": (reverse("schema:index"), ["main h1"]),
        "schema versions": (reverse("schema:region", args=["99"]), ["main h1"]),
        "version (objectives grid)": (
            reverse("schema:version", args=[version.pk]),
            ["#objectives"],
        ),
        "objective form": (reverse("schema:objective_edit", args=[objective.pk]), ["main h1"]),
        "objectives grid": (
            reverse("schema:objective_grid", args=[draft.pk]),
            ["#objective-grid"],
        ),
        "scenarios": (reverse("schema:scenarios", args=[version.pk]), ["main h1"]),
        "scenario": (reverse("schema:scenario", args=[scenario.pk]), ["main h1"]),
        "compliance map": (reverse("schema:compliance_map", args=[version.pk]), [AREAS]),
        "suggest": (
            reverse("schema:scenario_suggest", args=[scenario.pk]),
            ["#suggest-map[data-loaded='1']"],
        ),
        "suggestion": (reverse("schema:suggestion", args=[suggestion.pk]), ["#suggestion-answer"]),
        "suggestion (coverage goal)": (
            reverse("schema:suggestion", args=[goal.pk]),
            ["#goal-answer"],
        ),
        "closures": (reverse("schema:closures", args=[draft.pk]), ["#closures"]),
        "history": (reverse("schema:history", args=[version.pk]), ["main h1"]),
        "doctors zoning": (reverse("schema:doctors_zoning", args=["99"]), ["main h1"]),
        "consultation": (
            reverse("schema:consultation", args=[draft.pk]) + "?etat=all",
            ["article.comment"],
        ),
        "apl": (reverse("indicators:apl", args=["99"]), ["main h1"]),
        "urgent care": (reverse("indicators:urgent_care", args=["99"]), ["main h1"]),
        "patient flows": (
            reverse("dashboard:patient_flows", args=["99"])
            + f"?zonage={_demo_flows(version.default_zoning_id)}",
            [".flows-zones tbody tr"],
        ),
        "indicator runs": ("/indicateurs/", ["main h1"]),
        "imports": ("/donnees/imports/", [".imports tbody tr"]),
        "import": (reverse("opendata:import_detail", args=[first_import.pk]), ["main h1"]),
        "upload (report)": (
            reverse("opendata:upload_detail", args=[done.pk]),
            ["#upload-report"],
        ),
        "upload (refused)": (
            reverse("opendata:upload_detail", args=[refused.pk]),
            ["#upload-error"],
        ),
        "admin index": ("/admin/", ["#content-main"]),
        "admin list": ("/admin/facilities/facility/", ["#result_list"]),
        "admin form": (
            reverse("admin:facilities_facility_change", args=[facility.pk]),
            ["#facility_form"],
        ),
    }
    # After the flows above: a proposal on them, compared with the schema's zoning.
    proposal = propose_zoning(
        Region.objects.get(code="99"), n_zones=3, compare_with=version.default_zoning,
        level=Level.objects.get(pathway__code="urgences", rank=1),
    )  # fmt: skip
    pages["natural territories"] = (
        reverse("dashboard:natural_territories", args=["99"]) + f"?zonage={proposal.pk}",
        ["#proposal-map[data-loaded]", "#catchments-map[data-loaded]"],
    )
    return pages


def _demo_comments(draft: SchemaVersion) -> None:
    """Comments of the consultation on the demo draft (as after its return to draft, where the
    planner still replies and resolves): an open one on an objective, for a legal entity of the
    region, with a reply; a resolved one on a volet, for an organisation typed by hand. Written
    directly: the services accept new comments during consultation only."""
    users = Comment._meta.get_field("author").related_model.objects
    director, planner = users.get(username="directeur"), users.get(username="planificateur")
    entity = Facility.objects.filter(
        commune__department__region__code="99", legal_entity__isnull=False
    ).first()
    first = Comment.objects.create(
        version=draft, objective=draft.objectives.first(), author=director,
        text="Une seule implantation ne suffit pas dans cette zone.",
        **({"organisation_id": entity.legal_entity.pk} if entity else
           {"organisation_name": "Centre hospitalier fictif"}),
    )  # fmt: skip
    Comment.objects.create(
        version=draft, objective=first.objective, parent=first, author=planner,
        organisation_name="ARS", text="Objectif revu dans cette version.",
    )  # fmt: skip
    Comment.objects.create(
        version=draft, volet=draft.volets.first(), author=director, text="Coquille p. 3.",
        organisation_name="URPS médecins libéraux", resolved_at=draft.created_at,
        resolved_by=planner,
    )  # fmt: skip


def _demo_flows(zoning_id: int) -> int:
    """Patient flows of three demo communes (one masked cell) at a demo hospital; the zoning."""
    communes = Commune.objects.filter(department__region__code="99").order_by("code")[:3]
    site = Facility.objects.filter(commune__department__region__code="99", kind="ch").first()
    for i, commune in enumerate(communes):
        code = f"99{i:03d}"
        PmsiGeoCommune.objects.create(year=2023, pmsi_code=code, commune=commune, share=1.0)
        PatientFlow.objects.create(
            year=2023, activity="MCO", pmsi_code=code, finess=site.finess_et, level="et",
            facility=site, stays=None if i == 2 else 100 * (i + 1), masked=i == 2,
        )  # fmt: skip
    return zoning_id


def _demo_uploads(record: ImportRecord) -> tuple[ImportUpload, ImportUpload]:
    """Two uploads of the demo planner: one imported (its report), one refused for rows outside
    the region (the rows named)."""
    planner = ImportUpload._meta.get_field("user").related_model.objects.get(
        username="planificateur"
    )
    common = {"user": planner, "region": Region.objects.get(code="99"),
              "kind": "authorisations", "size": 120, "sha256": "0" * 64}  # fmt: skip
    done = ImportUpload.objects.create(
        **common, file_name="autorisations.csv", status="done", progress=100, record=record
    )
    text = "ligne 4 : commune 06088 hors de la région Région fictive"
    refused = ImportUpload.objects.create(
        **common, file_name="autorisations-06.csv", status="failed", progress=10,
        error=f"1 ligne hors de la région Région fictive, rien n’a été importé : {text}",
        outside=[{"place": "commune 06088", "lines": [4], "count": 1, "text": text}],
    )  # fmt: skip
    return done, refused


def _demo_suggestion(scenario: Scenario) -> SuggestionJob:
    """A suggestion the greedy answered (its page says « heuristique » with the gap)."""
    level = Level.objects.get(pathway__code="urgences", rank=1)
    return SuggestionJob.objects.create(
        scenario=scenario, model="mclp", status="done", progress=100,
        parameters={"level": level.pk, "target_minutes": 30.0, "p": 2, "points": None},
        result={"solver": "greedy", "gap": 0.012, "heuristic": True, "seconds": 0.4,
                "objective": 1000.0, "covered": 1000.0, "uncoverable": 10.0, "demand": 1200.0,
                "opened": 2, "added": [30.0, 20.0], "fixed_sites": 12, "candidates": 540,
                "weight": "total"},
    )  # fmt: skip


def _demo_goal_suggestion(scenario: Scenario) -> SuggestionJob:
    """A coverage goal out of reach (its page warns, with the best share)."""
    level = Level.objects.get(pathway__code="urgences", rank=1)
    return SuggestionJob.objects.create(
        scenario=scenario, model="goal", status="done", progress=100,
        parameters={"level": level.pk, "target_minutes": 30.0, "p": None, "goal": 97.5,
                    "points": [[7.0, 43.7]]},
        result={"solver": "highs", "gap": 0.0, "heuristic": False, "seconds": 0.1,
                "objective": 1.0, "covered": 1100.0, "uncoverable": 100.0, "demand": 1200.0,
                "opened": 1, "added": [30.0], "fixed_sites": 12, "candidates": 1,
                "weight": "total", "goal_met": False, "reachable": 1100.0,
                "share": 1100 / 1200, "reachable_share": 1100 / 1200},
    )  # fmt: skip


READER_PAGES = [
    "home",
    "dashboard",
    "map",
    "pathway",
    "territory (commune)",
    "territory (zone)",
    "scenario comparison",
    "schema index",
    "schema versions",
    "version (objectives grid)",
    "objective form",
    "scenarios",
    "scenario",
    "indicator runs",
    "imports",
    "import",
    "history",
    "doctors zoning",
    "apl",
    "urgent care",
    "patient flows",
    "natural territories",
]
#: persona → the pages it opens (the demo accounts of load_demo, plus a superuser).
PERSONA_PAGES = {
    "planificateur": READER_PAGES
    + [
        "compliance map",
        "objectives grid",
        "upload (report)",
        "upload (refused)",
        "consultation",
        "suggest",
        "suggestion",
        "suggestion (coverage goal)",
        "closures",
    ],
    "directeur": [
        "dashboard",
        "natural territories",
        "map",
        "territory (commune)",
        "version (objectives grid)",
        "consultation",
        "closures",
    ],
    "analyste": ["dashboard", "map", "territory (zone)", "indicator runs", "patient flows"],
    "chef": ["imports", "import", "upload (report)", "admin index", "admin list", "admin form"],
}


@pytest.fixture
def visits(demo_chief, django_user_model) -> list[tuple[str, str, str, list[str]]]:
    pages = _demo_pages()
    # One client per persona: logging a second user in on the same client flushes the first
    # one's session, whose cookie would then open the login page instead.
    cookies = {
        username: session_cookie(Client(), django_user_model.objects.get(username=username))
        for username in PERSONA_PAGES
    }
    visits = [("anonyme", "", reverse("login"), ["main h1"])]
    for username, names in PERSONA_PAGES.items():
        visits += [(username, cookies[username], *pages[name]) for name in names]
    return visits


def test_no_serious_or_critical_axe_violation_as_each_persona(live_server, visits):
    found: dict[str, list[str]] = {}
    with open_browser() as session:
        page = session.page
        page.set_default_timeout(20_000)
        for persona, cookie, url, drawn in visits:
            page.context.clear_cookies()
            if cookie:
                session.sign_in(live_server.url, cookie)
            response = page.goto(live_server.url + url)
            assert response.status == 200, (persona, url, response.status)
            # No redirect (the response's URL: the map pages rewrite their own address with
            # their selection once the layer has drawn, which page.url would race with).
            assert response.url == live_server.url + url, (persona, url, response.url)
            for selector in drawn:
                page.wait_for_selector(selector, state="attached")
            page.wait_for_load_state("networkidle")
            violations = axe_violations(page, live_server.url)
            if violations:
                found[f"{persona} {url}"] = violations
        # The check itself can fail: an image with no text alternative is a critical violation.
        page.evaluate(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')"
        )
        control = axe_violations(page, live_server.url)

    assert found == {}, "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in found.items())
    assert any(line.startswith("image-alt") for line in control), control
    assert AXE_IMPACTS == ("serious", "critical")
    assert all(rule in AXE_DISABLED_RULES_DOC for rule in AXE_DISABLED_RULES)


def _disabled_rules_in_docs() -> str:
    from django.conf import settings

    return (settings.BASE_DIR / "docs" / "accessibility.md").read_text(encoding="utf-8")


AXE_DISABLED_RULES_DOC = _disabled_rules_in_docs()
