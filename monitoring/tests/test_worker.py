"""The recompute on real Celery workers and Redis: it runs there, and it survives a killed worker."""

import datetime as dt
import signal
from contextlib import contextmanager

import pytest
from django.db import connection

from monitoring.models import Alert, CellSnapshot
from monitoring.services.recompute import recompute
from presales.tests.scenario_files import load, reference_data, reference_path
from presales.tests.workers import (
    new_queue,
    other_session,
    require_broker,
    sender,
    start_worker,
    stop,
    wait_for,
    wait_until_blocked,
)

AS_OF = dt.datetime.fromisoformat(reference_data()["as_of"])
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def state() -> tuple[list, list]:
    snapshots = list(CellSnapshot.objects.order_by("region_id", "solution_id", "window_end").values())
    alerts = list(Alert.objects.order_by("region_id", "solution_id", "kind").values())
    for row in snapshots + alerts:
        row.pop("id")
    for row in snapshots:
        row.pop("computed_at")
    return snapshots, alerts


@contextmanager
def snapshots_locked():
    """Another session holds the write lock the recompute needs, until the block ends."""
    with other_session() as other:
        if connection.vendor == "sqlite":
            other.execute("BEGIN IMMEDIATE")
        else:
            other.execute("LOCK TABLE monitoring_cellsnapshot IN EXCLUSIVE MODE")
        yield


def test_a_worker_recomputes_the_reference_week():
    load(reference_path())
    require_broker()
    queue = new_queue()
    worker = start_worker(queue)
    try:
        result = sender().send_task("monitoring.recompute_cells", args=[AS_OF.isoformat()], queue=queue)
        assert wait_for(result, worker)["alerts_opened"] == 4
    finally:
        stop(worker)
    before = state()
    assert recompute(end=AS_OF).snapshots_changed == 0
    assert state() == before


def test_a_task_whose_worker_is_killed_mid_task_is_redelivered_with_the_same_result():
    load(reference_path())
    require_broker()
    queue = new_queue()
    # A short visibility timeout and restore scan, so the test need not wait an hour.
    fast = {"CELERY_VISIBILITY_TIMEOUT": "5", "CELERY_UNACKED_RESTORE_INTERVAL": "1"}
    first = start_worker(queue, **fast)
    with snapshots_locked():
        result = sender().send_task("monitoring.recompute_cells", args=[AS_OF.isoformat()], queue=queue)
        wait_until_blocked(queue, timeout=30)  # a loaded machine starts a worker slowly
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert not CellSnapshot.objects.exists()  # nothing was written by the killed run
    second = start_worker(queue, **fast)
    try:
        outcome = wait_for(result, second, timeout=240)
    finally:
        stop(second)
    assert outcome["alerts_opened"] == 4
    redelivered = state()
    assert recompute(end=AS_OF).snapshots_changed == 0  # the same as computing it here
    assert state() == redelivered
    assert Alert.objects.count() == 4
