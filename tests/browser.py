"""Headless Chromium for page tests: launch, and record what a page logs and requests.

Playwright never downloads a browser here; it drives Debian's ``/usr/bin/chromium``. Its sync
API runs an event loop in the test's thread, which makes Django refuse database access from
that thread ("async-unsafe"): build the test data *before* ``open_browser``, or
``monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")`` in a test that must touch the
database while the browser runs.

    with open_browser() as session:
        session.page.goto(live_server.url)
        ...
        session.assert_no_console_errors()
        session.assert_all_requests_to(live_server.url)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("SROS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
#: Upper bound (ms) of every Playwright wait (selectors, clicks, navigations, wait_for_function):
#: twice Playwright's default, so that a machine busy with other jobs (CI, stress-ng) slows a
#: page test down instead of failing it. A wait still ends as soon as its condition holds.
TIMEOUT_MS = 60_000


@dataclass
class BrowserSession:
    """A page plus everything it logged and requested since it was opened."""

    page: object  # playwright.sync_api.Page
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.page_errors

    def assert_no_console_errors(self) -> None:
        assert self.console_errors() == [], self.console_errors()

    def assert_all_requests_to(self, base_url: str) -> None:
        """Every request went to the host of ``base_url`` (no CDN, no tile server)."""
        expected = urlsplit(base_url).netloc
        elsewhere = [
            url
            for url in self.requests
            if not url.startswith("data:") and urlsplit(url).netloc != expected
        ]
        assert self.requests, "the page made no request at all"
        assert elsewhere == [], elsewhere
        assert self.failed_requests == [], self.failed_requests

    def sign_in(self, base_url: str, cookie: str) -> None:
        """Give the browser a session cookie made by ``session_cookie`` (quicker than the login
        form, which test_schema_browser walks through)."""
        from django.conf import settings

        self.page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
        )

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path


def session_cookie(client, user) -> str:
    """A logged-in session of ``user``; call it before ``open_browser``, since Django refuses
    database access while Playwright's event loop runs."""
    from django.conf import settings

    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@contextmanager
def open_browser(viewport: dict | None = None, locale: str = "fr-FR") -> Iterator[BrowserSession]:
    """A fresh headless Chromium page whose console messages and requests are recorded."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport or VIEWPORT, locale=locale)
            page.set_default_timeout(TIMEOUT_MS)
            page.set_default_navigation_timeout(TIMEOUT_MS)
            session = BrowserSession(page=page)
            page.on("console", lambda msg: session.console.append((msg.type, msg.text)))
            page.on("pageerror", lambda error: session.page_errors.append(str(error)))
            page.on("request", lambda request: session.requests.append(request.url))
            page.on(
                "requestfailed",
                lambda request: session.failed_requests.append(
                    f"{request.url} ({request.failure})"
                ),
            )
            page.on(
                "response",
                lambda response: (
                    session.failed_requests.append(f"{response.url} (HTTP {response.status})")
                    if response.status >= 400
                    else None
                ),
            )
            yield session
        finally:
            browser.close()


#: axe-core, vendored under static/vendor/ (see its README) and served by the test server like
#: any static file; no template refers to it, so users' pages never load it.
AXE_URL = "/static/vendor/axe-core-4.14.1/axe.min.js"
#: The impacts that fail a page test (axe's four: minor, moderate, serious, critical).
AXE_IMPACTS = ("serious", "critical")
#: Rules of axe's default set turned off, each with its reason in docs/accessibility.md.
AXE_DISABLED_RULES: dict[str, str] = {}


def axe_violations(page, base_url: str) -> list[str]:
    """Run axe-core's default rules on ``page`` and return one line per serious or critical
    violation: ``rule (impact): help — target, …``. axe is added as a same-origin script, which
    the Content-Security-Policy allows (an inline script would be refused)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=base_url + AXE_URL)
    options = {"rules": {rule: {"enabled": False} for rule in AXE_DISABLED_RULES}}
    violations = page.evaluate("options => axe.run(document, options)", options)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        + (f" (+{len(v['nodes']) - 5})" if len(v["nodes"]) > 5 else "")
        for v in violations
        if v["impact"] in AXE_IMPACTS
    ]
