"""A real Celery worker, on the real Redis broker, runs a real task against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from presales.tests.factories import RegionFactory

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/1")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def broker():
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {BROKER_URL} ({error}). Start it with `make services`, "
            "or install it: sudo apt-get install redis-server"
        )
    return BROKER_URL


@pytest.fixture
def worker(broker):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "presales.settings_test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "presales",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
    )
    yield queue, process
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_task_that_reads_the_database(broker, worker):
    RegionFactory(code="north")
    RegionFactory(code="east")
    queue, process = worker
    sender = Celery(broker=broker, backend=broker, set_as_current=False)
    result = sender.send_task("presales.worker_health", queue=queue)
    deadline = time.monotonic() + 60
    while not result.ready():
        assert process.poll() is None, "the worker exited before running the task"
        assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
        time.sleep(0.2)
    assert result.get() == {"database": connection.vendor, "regions": ["east", "north"]}


def test_without_a_broker_tasks_run_in_process():
    from presales.tasks import worker_health

    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.CELERY_BROKER_URL)
    assert worker_health.app.conf.task_always_eager is True
