"""Real Celery workers on the real Redis broker, for tests that need one."""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/1")


def database_url() -> str:
    """The test database as a URL, for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def require_broker() -> str:
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {BROKER_URL} ({error}). Start it with `make services`, "
            "or install it: sudo apt-get install redis-server"
        )
    return BROKER_URL


def new_queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def start_worker(queue: str, **env: str) -> subprocess.Popen:
    """A solo-pool worker consuming ``queue`` against the test database."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "presales.settings_test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": BROKER_URL,
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "presales", "worker", "--pool=solo", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=Path(settings.BASE_DIR), env=environment)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def sender() -> Celery:
    return Celery(broker=BROKER_URL, backend=BROKER_URL, set_as_current=False)


def wait_for(result, process: subprocess.Popen | None = None, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not result.ready():
        if process is not None:
            assert process.poll() is None, "the worker exited before running the task"
        assert time.monotonic() < deadline, f"the task did not finish within {timeout} s"
        time.sleep(0.2)
    # Not result.get(): Celery refuses it in a process where an eager task is running, and its
    # flag for that is process-wide — an eager task in another thread of this test process
    # (tasks run eagerly here) made get() raise "Never call result.get() within a task!".
    if result.failed():
        raise AssertionError(f"the task failed: {result.result!r}")
    return result.result


@contextmanager
def other_session():
    """A second connection to the test database, as another process would have; whatever it
    has not committed when the block ends is rolled back."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(db["NAME"], isolation_level=None)
    else:
        other = psycopg.connect(
            dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
        )
    try:
        yield other
    finally:
        if connection.vendor != "sqlite":
            other.rollback()
        elif other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def wait_until_blocked(queue: str, timeout: float = 4.0) -> None:
    """Until the worker waits on a lock (PostgreSQL shows it; SQLite: once the worker has taken
    the task off ``queue``, and a moment for its reads)."""
    deadline = time.monotonic() + timeout
    if connection.vendor == "sqlite":
        # Not a fixed pause: on a loaded machine (xdist workers) a worker may take longer to
        # start than the pause, and would then be killed before it held the task.
        broker = redis.Redis.from_url(BROKER_URL)
        while broker.llen(queue) and time.monotonic() < deadline:
            time.sleep(0.1)
        if broker.llen(queue):
            pytest.fail("the worker never took the task")
        time.sleep(2)
        return
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail("the worker never reached the locked write")
