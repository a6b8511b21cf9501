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


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_waiting_for_a_worker_is_not_refused_while_an_eager_task_runs_in_another_thread(worker):
    """Tasks run eagerly in the test process, and Celery marks "a task is running here" for the
    whole process: another thread's eager task made the wait for a real worker raise (seen in CI
    after the concurrency tests). The wait does not depend on that mark."""
    from celery.result import denied_join_result

    queue, process = worker
    result = sender().send_task("presales.worker_health", queue=queue)
    with denied_join_result():  # what an eager task in another thread leaves set meanwhile
        assert wait_for(result, process)["database"] == connection.vendor
