"""Faults, each a test on the real services: Redis down or going down (pages and the API keep
working, errors are logged, no task is lost), a Celery worker killed in the middle of mailing
(redelivered: nobody mailed twice), PostgreSQL restarted under a running booking (nothing
half-written, the next requests succeed). The killed import is in presales/tests."""

import datetime as dt
import json
import re
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from logging import ERROR
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from django.core import mail
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from dispatch.models import Booking, BookingStatus
from grabbing.models import Invitation
from grabbing.tests.factories import engineers, post, window
from monitoring.tasks import recompute_cells, request_recompute
from presales.core.outbox import outbox_drain
from presales.models import OutboxTask, SentMail
from presales.tests.faults import AppServer, PrivatePostgres, PrivateRedis, free_port, redis_at, wait_until
from presales.tests.workers import (
    database_url,
    new_queue,
    other_session,
    require_broker,
    sender,
    start_worker,
    stop,
    wait_for,
    wait_until_blocked,
)

pytestmark = pytest.mark.services

BOOKINGS = "/api/v1/bookings/"


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


def booking_body(engineer, opportunity, *, days: int = 0) -> dict:
    start, end = window()
    return {
        "engineer": engineer.pk,
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": (start + days * (end - start) * 12).isoformat(),
        "end": (end + days * (end - start) * 12).isoformat(),
    }


def queued_ids(server: PrivateRedis) -> list[str]:
    """The task ids waiting in the broker's default queue."""
    return [json.loads(raw)["headers"]["id"] for raw in redis.Redis(port=server.port).lrange("celery", 0, -1)]


def errors(caplog, logger: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == logger and record.levelno >= ERROR]


@pytest.mark.django_db
def test_with_redis_down_pages_and_api_keep_working_and_the_tasks_wait_in_the_outbox(
    rep, manager, wang, opportunity, budget, api, client, caplog, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        with django_capture_on_commit_callbacks(execute=True):
            booked = api.as_user(rep).post(BOOKINGS, booking_body(wang, opportunity), HTTP_IDEMPOTENCY_KEY="k1")
        assert booked.status_code == 201, booked.content
        again = api.post(BOOKINGS, booking_body(wang, opportunity), HTTP_IDEMPOTENCY_KEY="k1")
        assert again.status_code == 201 and again.json()["id"] == booked.json()["id"]  # keys live in the database
        assert api.get("/api/v1/engineers/", {"solution": "A"}).status_code == 200
        client.force_login(rep)
        assert client.get("/dispatch/find/", {"solution": "A"}).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = client.post(f"/dispatch/bookings/{booked.json()['id']}/cancel/", {"reason": "customer moved"})
        assert cancelled.status_code == 302
        client.force_login(manager)
        assert client.get("/monitoring/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/monitoring/recompute/").status_code == 302
            assert api.as_user(manager).post("/api/v1/monitoring/recompute/", {}).status_code == 202
    assert time.monotonic() - started < 10  # no request stalls on the dead Redis
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert errors(caplog, "presales.core.cache"), "the throttle's failing cache is logged"
    assert len(errors(caplog, "presales.core.outbox")) == 4
    queued = [(row.task, row.args) for row in OutboxTask.objects.all()]
    booking_id = booked.json()["id"]
    assert queued == [
        ("dispatch.notify_engineer", [booking_id, "booked"]),
        ("dispatch.notify_engineer", [booking_id, "cancelled"]),
        ("monitoring.recompute_cells", []),
        ("monitoring.recompute_cells", [None]),
    ]
    assert OutboxTask.objects.filter(attempts=1).count() == 4
    assert mail.outbox == []

    # Redis is back (here: no broker, tasks run in-process): the drain delivers every one, once.
    call_command("drain_outbox", "--all")
    assert not OutboxTask.objects.exists()
    assert [message.to for message in mail.outbox] == [[wang.user.email], [wang.user.email]]


@pytest.mark.django_db
def test_with_redis_down_the_recompute_is_still_queued_and_runs(caplog, django_capture_on_commit_callbacks):
    """The debounce and the lock are cache adds: while Redis is down they answer "added", so the
    recompute is asked for (kept in the outbox) and runs instead of being skipped."""
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        with django_capture_on_commit_callbacks(execute=True):
            request_recompute()
        assert [row.task for row in OutboxTask.objects.all()] == ["monitoring.recompute_cells"]
        result = recompute_cells.apply().get()
    assert "skipped" not in result and "cells" in result
    assert errors(caplog, "presales.core.cache")


@pytest.mark.django_db
def test_redis_going_down_mid_run_loses_no_task(
    rep, wang, opportunity, budget, api, caplog, private_redis, django_capture_on_commit_callbacks
):
    client = api.as_user(rep)
    with redis_at(private_redis.url()):
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(BOOKINGS, booking_body(wang, opportunity))
        assert first.status_code == 201
        assert not OutboxTask.objects.exists()  # published at once
        assert len(queued_ids(private_redis)) == 1

        private_redis.stop()
        with django_capture_on_commit_callbacks(execute=True):
            second = client.post(BOOKINGS, booking_body(wang, opportunity, days=1))
        assert second.status_code == 201, second.content
        assert errors(caplog, "presales.core.outbox") and errors(caplog, "presales.core.cache")
        kept = OutboxTask.objects.get()
        assert kept.args == [second.json()["id"], "booked"]

        private_redis.start()  # empty again: it keeps nothing on disk
        assert outbox_drain(grace=dt.timedelta(0)) == {"published": 1, "failed": 0, "left": 0}
        assert queued_ids(private_redis) == [str(kept.key)]


def mailed(directory: Path) -> list[str]:
    """Every recipient of every message the worker's file email backend wrote."""
    return [match for file in directory.iterdir() for match in re.findall(r"^To: (.+)$", file.read_text(), re.M)]


@pytest.mark.django_db(transaction=True)
def test_a_notification_whose_worker_is_killed_mid_task_is_redelivered_and_mails_nobody_twice(
    rep, opportunity, budget, north, solution_a, tmp_path
):
    engineers(3, region=north, solution=solution_a)
    order = post(rep, opportunity)
    invited = [invitation.engineer.user.email for invitation in Invitation.objects.filter(grab_order=order)]
    assert len(invited) == 3
    require_broker()
    queue, task_id = new_queue(), str(uuid.uuid4())
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "5",  # redelivered within seconds, not an hour
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TEST_EMAIL_FILE_PATH": str(tmp_path),
    }
    first = start_worker(queue, **env)
    with other_session() as other:
        # Another session is recording the second engineer's mail of this run: on PostgreSQL
        # the worker mails the first engineer, then waits on that row; SQLite's one write lock
        # stops it before the first.
        if connection.vendor == "sqlite":
            other.execute("BEGIN IMMEDIATE")
        else:
            other.execute(
                "INSERT INTO presales_sentmail (task_id, recipients, sent_at) VALUES (%s, %s, now())",
                [task_id, invited[1]],
            )
        result = sender().send_task("grabbing.notify_invited", args=[order.pk], queue=queue, task_id=task_id)
        wait_until_blocked(queue, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert mailed(tmp_path) == ([] if connection.vendor == "sqlite" else invited[:1])
    second = start_worker(queue, **env)
    try:
        assert wait_for(result, second, timeout=120) == 3
    finally:
        stop(second)
    assert sorted(mailed(tmp_path)) == sorted(invited)  # everyone once
    assert SentMail.objects.filter(task_id=task_id).count() == 3


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres().init()
    cluster.start()
    yield cluster
    cluster.destroy()


def money_state(cursor, budget_id: int) -> dict:
    """What a half-written booking would leave behind, read straight from the database."""
    cursor.execute("SELECT count(*) FROM dispatch_booking")
    bookings = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM dispatch_workorder")
    work_orders = cursor.fetchone()[0]
    cursor.execute("SELECT reserved FROM budgeting_budget WHERE id = %s", [budget_id])
    reserved = cursor.fetchone()[0]
    cursor.execute(
        "SELECT coalesce(sum(CASE kind WHEN 'reserve' THEN amount WHEN 'release' THEN -amount END), 0), count(*)"
        " FROM budgeting_ledgerentry WHERE budget_id = %s",
        [budget_id],
    )
    ledger_reserved, lines = cursor.fetchone()
    return {
        "bookings": bookings,
        "work_orders": work_orders,
        "reserved": reserved,
        "ledger": ledger_reserved,
        "lines": lines,
    }


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_mid_run_leaves_no_half_written_booking_and_later_requests_succeed(
    rep, wang, opportunity, budget, private_postgres
):
    token = Token.objects.create(user=rep).key
    app = AppServer(private_postgres.copy_database(database_url()))
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    url = f"{app.base}{BOOKINGS}"
    try:
        assert session.get(url, timeout=10).status_code == 200  # leaves a persistent connection
        private_postgres.restart()
        # CONN_HEALTH_CHECKS: the dead persistent connection is noticed and replaced.
        assert session.get(url, timeout=10).status_code == 200

        # A booking that has written its work order and booking, waiting for the budget row.
        locker = psycopg.connect(private_postgres.url("app"))
        locker.execute("SELECT 1 FROM budgeting_budget WHERE id = %s FOR UPDATE", [budget.pk])
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(session.post, url, json=booking_body(wang, opportunity), timeout=30)
            wait_until(lambda: blocked_sessions(private_postgres), timeout=10, what="the booking waiting")
            private_postgres.restart()  # cuts off the booking's session (and the locker's)
            assert pending.result().status_code == 500
        locker.close()
        with psycopg.connect(private_postgres.url("app"), autocommit=True) as check, check.cursor() as cursor:
            before = money_state(cursor, budget.pk)
            assert before == {"bookings": 0, "work_orders": 0, "reserved": 0, "ledger": 0, "lines": before["lines"]}

            booked = session.post(url, json=booking_body(wang, opportunity), timeout=10)
            assert booked.status_code == 201, booked.text
            after = money_state(cursor, budget.pk)
        cost = Decimal(booked.json()["cost"])
        assert after == {
            "bookings": 1,
            "work_orders": 1,
            "reserved": cost,
            "ledger": cost,
            "lines": before["lines"] + 1,
        }
    finally:
        app.stop()


def blocked_sessions(cluster: PrivatePostgres) -> int:
    with psycopg.connect(cluster.url("app")) as watcher:
        return watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()[0]
