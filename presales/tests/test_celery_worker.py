"""A real Celery worker, on the real Redis broker, runs a real task against the test database."""

import pytest
from django.conf import settings
from django.db import connection

from presales.tests.factories import RegionFactory
from presales.tests.workers import new_queue, require_broker, sender, start_worker, stop, wait_for


@pytest.fixture
def worker():
    require_broker()
    queue = new_queue()
    process = start_worker(queue)
    yield queue, process
    stop(process)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_task_that_reads_the_database(worker):
    RegionFactory(code="north")
    RegionFactory(code="east")
    queue, process = worker
    result = sender().send_task("presales.worker_health", queue=queue)
    assert wait_for(result, process) == {"database": connection.vendor, "regions": ["east", "north"]}


def test_without_a_broker_tasks_run_in_process():
    from presales.tasks import worker_health

    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.CELERY_BROKER_URL)
    assert worker_health.app.conf.task_always_eager is True
