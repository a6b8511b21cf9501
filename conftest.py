"""Personas shared by every app's tests: a rep, another rep, an engineer, another engineer,
a manager of the region, a manager of another region, a lead and an admin."""

import datetime as dt
import functools
import importlib
import os
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from pytest_django.fixtures import validate_django_db
from rest_framework.test import APIClient

from presales.choices import Role
from presales.tests.factories import PASSWORD, RegionFactory, SolutionFactory, make_user

pytest_plugins = ["presales.tests.engines"]


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are deselected (not skipped) in the SQLite pass of the suite."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    kept = [item for item in items if "postgresql" not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if "postgresql" in item.keywords])
        items[:] = kept


# --- Rows the migrations seed, after a transactional test flushed them -------------------------
# pytest-django runs transactional tests after the others, but under xdist a worker runs whole
# files, so a flushed database can meet a test that expects the seeded rows (the default
# contingency plans, scenario_files.SEEDED_BY_MIGRATIONS). They are seeded again as the
# migration seeds them.
_db_blocker = None
SEEDING_MIGRATION = ("monitoring", "0002_default_plans")


@pytest.fixture(scope="session", autouse=True)
def _keep_db_blocker(django_db_blocker):
    global _db_blocker
    _db_blocker = django_db_blocker


def _flushes_database(item) -> bool:
    """pytest-django's own rule for a TransactionTestCase (its _django_db_helper)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction_wanted, reset_sequences, *_rest = validate_django_db(marker)
        if transaction_wanted or reset_sequences:
            return True
    flushing = {"transactional_db", "live_server", "django_db_reset_sequences"}
    return bool(flushing & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    # nextitem None: the session's fixtures (the test database itself) are gone too.
    if nextitem is not None and _db_blocker is not None and _flushes_database(item):
        with _db_blocker.unblock():
            _seed_again()
    return result


@functools.cache
def _models_as_the_seeding_migration_saw_them():
    # Not the project's models: those would also write history rows the migration never wrote.
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state(SEEDING_MIGRATION).apps


def _seed_again() -> None:
    seed = importlib.import_module(".".join([SEEDING_MIGRATION[0], "migrations", SEEDING_MIGRATION[1]]))
    seed.create(_models_as_the_seeding_migration_saw_them(), schema_editor=None)


@pytest.fixture(autouse=True)
def _eager_results_may_be_joined():
    # Celery marks "a task is running here, joining a result would block" in one process-wide
    # flag, set and restored around each eager task; eager tasks run at once in several threads
    # (the concurrency tests) can restore it in the wrong order and leave it set, and every
    # later ``.get()`` in that process then raises "Never call result.get() within a task!".
    # Under xdist a worker's later tests meet it; each test starts with the flag as a fresh
    # process has it.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and other cached state must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def reference_scenario(django_db_setup, django_db_blocker):
    """The reference scenario, imported once per test module inside a transaction that is
    rolled back when the module ends; each test runs in its own savepoint (pytest-django's
    ``db``), so what one test writes never reaches the next. Only for modules whose every
    database test reads the same imported world and none needs real commits (no
    ``transaction=True``, threads, workers or live server): a module fixture stays open until
    the module's last test."""
    from presales.tests.scenario_files import load, reference_path

    with django_db_blocker.unblock(), transaction.atomic():
        yield load(reference_path())  # what the command printed
        transaction.set_rollback(True)


# --- A fixed clock ---------------------------------------------------------------------------
# A Wednesday mid-morning in Shanghai, mid-quarter: "next Monday", "yesterday's working day" and
# "this quarter" derived from now come out the same however long a test runs, and never fall
# across a night, a weekend or a quarter's end. The tests that derive them take ``frozen_now``
# (a module: ``pytestmark = pytest.mark.usefixtures("frozen_now")``); not tests with threads,
# workers or a browser, whose timeouts want the real clock.
FROZEN_NOW = dt.datetime(2026, 5, 13, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen_now():
    """The clock starts at FROZEN_NOW and ticks on from there, so timestamps still order."""
    with time_machine.travel(FROZEN_NOW, tick=True):
        yield FROZEN_NOW


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def north(db):
    return RegionFactory(code="north", name="华北 North China")


@pytest.fixture
def east(db):
    return RegionFactory(code="east", name="华东 East China")


@pytest.fixture
def solution_a(db):
    return SolutionFactory(code="A", name="智慧城市 Smart City")


@pytest.fixture
def rep(north):
    return make_user("rep", roles=[Role.SALES], regions=[north], display_name="销售 Rep")


@pytest.fixture
def other_rep(north):
    return make_user("other_rep", roles=[Role.SALES], regions=[north], display_name="Other Rep")


@pytest.fixture
def engineer_user(north):
    return make_user("engineer", roles=[Role.ENGINEER], regions=[north], display_name="王工 Wang")


@pytest.fixture
def manager(north):
    return make_user("manager", roles=[Role.MANAGER], regions=[north], display_name="North Manager")


@pytest.fixture
def other_manager(east):
    return make_user("other_manager", roles=[Role.MANAGER], regions=[east], display_name="East Manager")


@pytest.fixture
def lead(north):
    return make_user("lead", roles=[Role.LEAD], regions=[north], display_name="Lead")


@pytest.fixture
def admin_user(north):
    return make_user("admin", roles=[Role.ADMIN], regions=[north], display_name="Admin")


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates it with a real token."""
    client = APIClient()

    def as_user(user):
        from rest_framework.authtoken.models import Token

        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    client.as_user = as_user
    return client


# --- Browser tests --------------------------------------------------------------------------
# Debian's Chromium, driven by Playwright's sync API; Playwright never downloads a browser here.
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def browser_page(monkeypatch, live_server):
    """A fresh headless page whose browser asks for Chinese, as the users' browsers do.

    Playwright's sync API keeps an event loop running in this thread, which Django would take
    for async code and refuse database access from the test; the test itself is synchronous.
    """
    if not os.path.exists(CHROMIUM_PATH):
        pytest.skip(f"{CHROMIUM_PATH} is not installed (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # Database work done while Playwright's loop runs (the persona fixtures) gets its own
            # connection, which nothing else would close; on PostgreSQL it would then block
            # dropping the test database.
            connections.close_all()
