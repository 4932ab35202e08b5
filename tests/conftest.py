"""Shared fixtures. The suite runs on PostGIS (scripts/test.sh sets DATABASE_URL)."""

import os
from pathlib import Path

import pytest

# Fixture modules loaded with ``pytest_plugins`` that test modules also import from: rewrite
# their asserts too (else pytest warns "Module already imported so cannot be rewritten").
pytest.register_assert_rewrite(
    "tests.api_fixtures", "tests.aura_fixtures", "tests.export_fixtures", "tests.personas"
)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def open_data_dir() -> Path:
    return Path(settings.SROS_OPEN_DATA_DIR)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )


@pytest.fixture(scope="session")
def _rows_after_migrations(django_db_setup, django_db_blocker) -> str:
    """The test database's rows as the migrations left them (the seeded pathways, catalogue and
    initiatives), read by the first transactional test before it runs."""
    with django_db_blocker.unblock():
        return connection.creation.serialize_db_to_string()


#: Set on a transactional test's item: the seeded rows to write back once it is torn down.
_SEEDS = pytest.StashKey[tuple]()


@pytest.fixture(autouse=True)
def _transactional_tests_leave_the_seeds(request, django_db_blocker):
    """A transactional test (a live server, a worker) ends by emptying every table, seeds
    included. In one process pytest-django runs them after all the others; with two processes
    (scripts/test.sh) a module's transactional tests run beside its other tests, so the seeds
    are written back once the test is torn down (``pytest_runtest_teardown`` below), as
    Django's serialized rollback does. A transactional test inside a module's data
    (tests/module_data.py) would see that data uncommitted, then fail to flush it: it is
    refused, saying so."""
    if _is_transactional(request):
        if connection.in_atomic_block:
            pytest.fail("a transactional test cannot share module data: move it to its own module")
        rows = request.getfixturevalue("_rows_after_migrations")
        request.node.stash[_SEEDS] = (rows, django_db_blocker)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the test's own teardown (pytest-django's flush, which ran post_migrate and so
    wrote content types and permissions anew under other ids): empty the tables again without
    post_migrate, then write back the rows the migrations seeded."""
    result = yield
    seeds = item.stash.get(_SEEDS, None)
    # The last test's teardown destroyed the test database too: nobody needs the seeds then.
    if seeds is not None and nextitem is not None:
        rows, blocker = seeds
        with blocker.unblock():
            call_command(
                "flush",
                interactive=False,
                inhibit_post_migrate=True,
                reset_sequences=False,
                verbosity=0,
            )
            connection.creation.deserialize_db_from_string(rows)
    return result


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


@pytest.fixture(autouse=True)
def _french_at_the_start():
    """Each test starts in French, the default. A request made with the English cookie leaves
    the thread's language English after it (core.middleware activates it per request, as
    Django's LocaleMiddleware does, and a web request always activates its own), so a later
    test's message read outside a request came out English, depending on the order of files."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
