"""Shared fixtures. The suite runs on PostGIS (scripts/test.sh sets DATABASE_URL)."""

import os
from pathlib import Path

import pytest

# Fixture modules loaded with ``pytest_plugins`` that test modules also import from: rewrite
# their asserts too (else pytest warns "Module already imported so cannot be rewritten").
pytest.register_assert_rewrite("tests.api_fixtures", "tests.export_fixtures", "tests.personas")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402


def open_data_dir() -> Path:
    return Path(settings.SROS_OPEN_DATA_DIR)


@pytest.fixture(scope="session")
def open_data() -> Path:
    """The real open-data folder (../shared/data); skips without it, unless CI requires it."""
    path = open_data_dir()
    if not (path / "README.md").exists():
        reason = f"real open data not found in SROS_OPEN_DATA_DIR={path}"
        if os.environ.get("SROS_REQUIRE_OPEN_DATA") == "1":
            pytest.fail(reason + " (SROS_REQUIRE_OPEN_DATA=1)")
        pytest.skip(reason)
    return path


@pytest.fixture
def demo_chief(django_user_model):
    """The demo region with a computed run, and an administrator to look at it (the browser
    tests of the dashboard)."""
    call_command("load_demo", verbosity=0)
    call_command("compute_indicators", "--sync", verbosity=0)
    return django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")


@pytest.fixture(autouse=True)
def _fresh_response_cache():
    """Each test starts with no cached API page: its fixtures write without ``data_changed``,
    and the cache (Redis) outlives the test database."""
    from core import response_cache

    response_cache.invalidate()
