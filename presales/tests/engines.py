"""Which tests run on both engines: the ``engine`` marker, and the checks that keep it honest.

The suite runs whole on PostgreSQL and, on SQLite (the embedded default), only the tests
marked ``engine``: those whose outcome may depend on the database (concurrency, constraints and
triggers, search SQL, money sums, monitoring figures, idempotency races, migrations, the
importer). A test is marked when its module is in ``ENGINE_SENSITIVE_MODULES`` or it carries
``@pytest.mark.engine`` itself.

Two checks watch the code while the suite runs:
- behaviour only a real engine shows — a lock or statement timeout refused, a constraint or
  trigger refusing a write, migrations run, threads racing, a Celery worker process — fails
  any test that reaches it unmarked, naming what it reached (``PER_TEST``);
- SQL written per engine — the search's overlap, the seconds between two times, decimal
  sums — is reached by many tests; the marked ones must reach each of it, or a full run of the
  marked tests fails at its end (``COVERED``).
"""

import functools
import importlib
import sys
import threading

import pytest
from django.db.models import DecimalField, Sum
from django.db.utils import DatabaseErrorWrapper

ENGINE_SENSITIVE_MODULES = frozenset(
    {
        # Concurrency: real threads and processes racing for the same rows.
        "budgeting/tests/test_concurrency.py",
        "dispatch/tests/test_api_concurrency.py",
        "dispatch/tests/test_work_order_api_concurrency.py",
        "grabbing/tests/test_api_concurrency.py",
        "monitoring/tests/test_recompute_races.py",
        "presales/tests/test_idempotency_records.py",
        # Lock and statement timeouts, a database or broker down.
        "presales/tests/test_errors.py",
        "grabbing/tests/test_faults.py",
        # Constraints, triggers, money sums, the search's SQL and the rules' SQL forms.
        "budgeting/tests/test_ledger.py",
        "budgeting/tests/test_ledger_properties.py",
        "budgeting/tests/test_services.py",
        "dispatch/tests/test_bookings.py",
        "dispatch/tests/test_calendar.py",
        "dispatch/tests/test_tiered.py",
        "dispatch/tests/test_visibility.py",
        "dispatch/tests/test_work_order_rules.py",
        "dispatch/tests/test_rules.py",
        "grabbing/tests/test_services.py",
        # Column types and lengths the engines enforce differently.
        "presales/tests/test_input_types.py",
        "presales/tests/test_limits.py",
        # Migrations with a branch per engine, the importer's one transaction, the demo
        # (which `make run` loads into SQLite).
        "dispatch/tests/test_work_order_migration.py",
        "grabbing/tests/test_migration_work_order.py",
        "presales/tests/test_scenario.py",
        "presales/tests/test_scenario_killed.py",
        "presales/tests/test_seed_demo.py",
        # Monitoring figures and the Celery worker against each engine.
        "monitoring/tests/test_recompute.py",
        "monitoring/tests/test_utilisation.py",
        "monitoring/tests/test_work_orders_counted.py",
        "monitoring/tests/test_worker.py",
        "presales/tests/test_celery_worker.py",
    }
)

PER_TEST = "per test"
COVERED = "covered"
OVERLAP = "dispatch.availability._bookings_overlapping (the search's overlap SQL)"
SECONDS = "presales.core.db.SecondsBetween (lateness SQL)"
DECIMAL_SUM = "a decimal Sum (money sums)"
COVERED_PATHS = (OVERLAP, SECONDS, DECIMAL_SUM)

# What the current test reached (threads included), and what marked tests reached in this run.
_reached: set[str] = set()
_reached_by_marked: set[str] = set()
_kinds: dict[str, str] = {}
_lock = threading.Lock()


def _note(what: str) -> None:
    with _lock:
        _reached.add(what)


def _wrap(original, what: str, when):
    @functools.wraps(original)
    def watched(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args, result=result):
            _note(what)
        return result

    return watched


def _watch_function(module_name: str, name: str, what: str, kind: str, when=lambda *a, result: True) -> None:
    _kinds[what] = kind
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    watched = _wrap(original, what, when)
    # Also where it was imported by name (``from presales.core.db import database_refusal``).
    for other in [module, *list(sys.modules.values())]:
        if getattr(other, "__dict__", {}).get(name) is original:
            setattr(other, name, watched)


def _watch_method(cls, name: str, what: str, kind: str, when=lambda *a, result: True) -> None:
    _kinds[what] = kind
    setattr(cls, name, _wrap(getattr(cls, name), what, when))


def _watch_integrity_errors() -> None:
    what = "a constraint or trigger refusing a write (IntegrityError)"
    _kinds[what] = PER_TEST
    original = DatabaseErrorWrapper.__exit__

    def watched(self, exc_type, exc_value, traceback):
        if exc_type is not None and issubclass(exc_type, self.wrapper.Database.IntegrityError):
            _note(what)
        return original(self, exc_type, exc_value, traceback)

    DatabaseErrorWrapper.__exit__ = watched


def watch_engine_specific_code() -> None:
    from django.db.migrations.executor import MigrationExecutor

    from presales.core.db import SecondsBetween

    # Every error the API answers passes through it; only a refusal is the engine's own.
    _watch_function(
        "presales.core.db",
        "database_refusal",
        "a lock or statement timeout refused (presales.core.db.database_refusal)",
        PER_TEST,
        when=lambda *a, result: result is not None,
    )
    _watch_integrity_errors()
    _watch_method(MigrationExecutor, "migrate", "migrations run by the test", PER_TEST)
    _watch_function("presales.tests.concurrency", "run_concurrently", "threads racing (run_concurrently)", PER_TEST)
    _watch_function("presales.tests.workers", "start_worker", "a Celery worker process (start_worker)", PER_TEST)

    _watch_function("dispatch.availability", "_bookings_overlapping", OVERLAP, COVERED)
    for vendor in ("as_postgresql", "as_sqlite"):
        _watch_method(SecondsBetween, vendor, SECONDS, COVERED)
    _watch_method(
        Sum, "as_sql", DECIMAL_SUM, COVERED, when=lambda self, *a, result: isinstance(self.output_field, DecimalField)
    )


@pytest.hookimpl(tryfirst=True)  # before ``-m engine`` selects by the marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.location[0] in ENGINE_SENSITIVE_MODULES:
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session", autouse=True)
def _watching_engine_specific_code(django_db_setup):
    # After the test database is migrated: building it is not any one test's doing.
    watch_engine_specific_code()


@pytest.fixture(autouse=True)
def _engine_marker_is_complete(request, _watching_engine_specific_code):
    with _lock:
        _reached.clear()
    yield
    marked = request.node.get_closest_marker("engine") is not None
    with _lock:
        reached = set(_reached)
        if marked:
            _reached_by_marked.update(reached)
    unmarked_reach = sorted(what for what in reached if _kinds[what] == PER_TEST)
    if unmarked_reach and not marked:
        pytest.fail(
            f"{request.node.nodeid} reaches what only a real engine shows ({'; '.join(unmarked_reach)}) but is "
            "not marked engine: add its module to ENGINE_SENSITIVE_MODULES in presales/tests/engines.py "
            "or mark the test @pytest.mark.engine.",
            pytrace=False,
        )


# --- COVERED, over the whole run (every xdist worker's share) ----------------------------------


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: a worker has finished
def pytest_testnodedown(node, error):
    _reached_by_marked.update(getattr(node, "workeroutput", {}).get("engine_reached", []))


def _runs_every_marked_test(config) -> bool:
    """A run of the whole suite or of ``-m engine``: no -k, no narrower paths or marks."""
    option = config.option
    whole = not config.args or set(config.args) == set(config.getini("testpaths"))
    return whole and not option.keyword and option.markexpr in ("", "engine")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workeroutput"):  # an xdist worker: the controller decides
        session.config.workeroutput["engine_reached"] = sorted(_reached_by_marked)
        return
    if exitstatus != 0 or not _runs_every_marked_test(session.config):
        return
    missed = [what for what in COVERED_PATHS if what not in _reached_by_marked]
    if missed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(
            f"engines.py: no test marked engine reached {'; '.join(missed)}: SQLite would never run it."
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
