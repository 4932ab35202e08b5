"""No internal code on a French page: each persona walks the demo's pages by their links and
no workflow transition (``create``, ``submit``…), state (``draft``, ``adopted``), provider
(``crowfly``, ``road``, ``matrix``), field name (``max_access_minutes``), scenario site id
(``new-1``) or other snake_case code shows in what a person reads (text, ``title``,
``aria-label``). Labels come from ``core.labels`` (registered by each app's ``labels.py``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from core.labels import label_of
from indicators import inputs
from sros import scenarios, services
from sros.models import Objective, SchemaVersion
from territories.models import Region
from tests.module_data import data_of_the_module

CODE = re.compile(
    r"\b([a-z]+_[a-z0-9_]+|new-\d+|crowfly|draft|adopted|archived|queued|running|"
    r"return_to_draft|submit|create)\b|\broad\b|\bmatrix\b"
)
SKIPPED = ("/export", "/api/", "/admin/", "/i18n/", "/static/", "/deconnexion", "/logout")
#: An import's page quotes the file's own lines and keys (data, not our codes).
QUOTES_DATA = re.compile(r"^/donnees/imports/\d+/$")
PAGES_PER_PERSONA = 70


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.parts, self.links = 0, [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "code"):  # a command a person types is not our code
            self.hidden += 1
        if tag == "a" and (attributes.get("href") or "").startswith("/"):
            self.links.append(attributes["href"].split("#")[0])
        self.parts += [attributes[k] for k in ("title", "aria-label", "alt") if attributes.get(k)]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


@pytest.fixture(scope="module")
def demo_with_history(django_db_setup, django_db_blocker):
    """The demo region with a run, an objective edited in the draft (history, diff), and a
    scenario that opens a new site (« new-1 » inside)."""
    with data_of_the_module(django_db_blocker):
        call_command("load_demo", verbosity=0)
        call_command("compute_indicators", "--sync", verbosity=0)
        get_user_model().objects.create_superuser("chef", "chef@example.org", "pw-1")
        planner = get_user_model().objects.get(username="planificateur")
        draft = SchemaVersion.objects.get(schema__region__code="99", state="draft")
        objective = Objective.objects.filter(version=draft).first()
        services.objective_update(
            objective, lock_version=objective.lock_version, user=planner,
            max_access_minutes=(objective.max_access_minutes or 30) + 5,
        )  # fmt: skip
        units = inputs.load_units(Region.objects.get(code="99"))
        far = int(np.argmax(units.places.lon + units.places.lat))
        scenarios.scenario_create(
            version=draft, name="Nouvelle maternité", user=planner,
            changes=[{"kind": "open", "label": "", "facility_kind": "ch",
                      "lon": float(units.places.lon[far]), "lat": float(units.places.lat[far]),
                      "activity": "obstetrique", "modality": "obstetrique"}],
        )  # fmt: skip
        yield


def walk(client: Client) -> dict[str, str]:
    """Visible text of each HTML page reached from the home page by links (bounded)."""
    seen: dict[str, str] = {}
    todo = ["/"]
    while todo and len(seen) < PAGES_PER_PERSONA:
        url = todo.pop(0)
        if url in seen or any(part in url for part in SKIPPED):
            continue
        response = client.get(url)
        seen[url] = ""
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        seen[url] = " ".join(parser.parts)
        todo += [link for link in parser.links if link not in seen]
    return seen


@pytest.mark.parametrize("username", ["planificateur", "directeur", "analyste", "chef"])
def test_no_internal_code_on_a_french_page(db, demo_with_history, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    pages = walk(client)

    found = {
        url: sorted({m.group(0) for m in CODE.finditer(text)})
        for url, text in pages.items()
        if not QUOTES_DATA.match(url) and CODE.search(text)
    }
    assert found == {}
    visited = " ".join(pages)
    assert "/tableau-de-bord/99/" in visited and "/schema/versions/" in visited
    if username == "planificateur":  # the pages where the codes were
        assert re.search(r"/schema/versions/\d+/history/", visited)
        assert re.search(r"/schema/versions/\d+/diff/\d+/", visited)
        assert re.search(r"/schema/scenarios/\d+/", visited)
        assert "/indicateurs/" in visited and "/donnees/imports/" in visited


def test_the_labels_read_in_french_and_english():
    from django.utils import translation

    with translation.override("fr"):
        assert label_of("provider", "crowfly") == "à vol d'oiseau"
        assert label_of("provider", "road") == "réseau routier"
        assert label_of("provider", "matrix") == "matrice importée"
        assert label_of("transition", "create") == "Création"
        assert label_of("version_state", "adopted") == "Adopté"
        field = label_of("objective_field", "max_access_minutes")
        assert field == "temps d'accès maximal (minutes)"
        assert label_of("scenario_site", "new-2") == "nouveau site 2"
        assert label_of("scenario_site", "690000001") == "690000001"
        assert label_of("import_kind", "finess") == "FINESS, établissements"
    with translation.override("en"):
        assert label_of("provider", "crowfly") == "crow-fly"
        assert label_of("scenario_site", "new-1") == "new site 1"
