"""Many booking requests at once through the API never double-book an engineer, and a duplicate of a
request still running answers 409 (real threads)."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budgeting.models import LedgerEntry, LedgerKind
from budgeting.tests.factories import open_budget
from dispatch.models import Booking, WorkOrder
from dispatch.services import bookings
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from presales.periods import Quarter
from presales.tests.concurrency import run_concurrently
from presales.tests.scenario_files import row_counts

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/bookings/"


def next_monday() -> dt.date:
    today = dt.datetime.now(SHANGHAI).date()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def setting(rep, engineer_user, north, solution_a):
    monday = next_monday()
    engineer = make_engineer(engineer_user, region=north, solutions=[solution_a])
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=SHANGHAI)
    open_budget(rep, str(Quarter.of(start)), allocated="100000.00")
    token, _created = Token.objects.get_or_create(user=rep)
    body = {"engineer": engineer.pk, "opportunity": opportunity.pk, "stage": "bidding", "activity": "bidding"}
    return {"start": start, "token": token.key, "body": body}


def _post(setting, start: dt.datetime, end: dt.datetime):
    # One client per thread: a client keeps credentials and cookies of its own.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {setting['token']}")
    body = {**setting["body"], "start": start.isoformat(), "end": end.isoformat()}
    response = client.post(URL, body, format="json")
    return response.status_code, response.json()


def run(count: int, work) -> list:
    results = run_concurrently(count, work)
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    return results


def test_fifty_overlapping_bookings_at_once_make_exactly_one(setting):
    start = setting["start"]

    def attempt(index: int):
        # Each thread asks for a different hour, all of them overlapping every other one.
        shifted = start + dt.timedelta(minutes=index)
        return _post(setting, shifted, shifted + dt.timedelta(hours=1))

    results = run(50, attempt)
    statuses = sorted(status for status, _body in results)
    assert statuses.count(201) == 1, results
    refusals = [body for status, body in results if status != 201]
    assert all(status in (201, 409) for status in statuses), results
    assert {body["code"] for body in refusals} == {"slot_unavailable"}
    assert Booking.objects.count() == WorkOrder.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 1


def test_back_to_back_bookings_at_once_both_succeed(setting):
    start = setting["start"]
    slots = [(start, start + dt.timedelta(hours=1)), (start + dt.timedelta(hours=1), start + dt.timedelta(hours=2))]

    results = run(2, lambda index: _post(setting, *slots[index]))
    assert [status for status, _body in results] == [201, 201], results
    assert Booking.objects.count() == 2
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 2


@pytest.fixture
def short_lock_wait(monkeypatch):
    """Connections opened from now on (the threads') wait half a second for a lock instead of
    lock_timeout's 5 s on PostgreSQL or the 20 s busy timeout on SQLite."""
    options = connection.settings_dict["OPTIONS"]  # the dict every new connection is made from
    if connection.vendor == "sqlite":
        monkeypatch.setitem(options, "timeout", 0.5)
    else:
        flags = re.sub(r"-c lock_timeout=\S+", "", options.get("options", ""))
        monkeypatch.setitem(options, "options", f"{flags} -c lock_timeout=500".strip())


def test_a_duplicate_waiting_on_the_first_request_is_409_in_use_and_its_retry_replays(
    setting, short_lock_wait, monkeypatch
):
    """The first request holds its key (an uncommitted row on PostgreSQL, the write lock on
    SQLite) longer than the duplicate may wait: the duplicate answers 409 with Retry-After and
    writes nothing, instead of a 500; once the first has answered, the retry replays it."""
    entered, release = threading.Event(), threading.Event()
    real_create = bookings.booking_create

    def held_create(**kwargs):
        entered.set()
        assert release.wait(30)
        return real_create(**kwargs)

    monkeypatch.setattr(bookings, "booking_create", held_create)
    start = setting["start"]

    def post(_index: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {setting['token']}")
        body = {**setting["body"], "start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
        return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="book-once")

    first: list = []
    holder = threading.Thread(target=lambda: first.extend(run_concurrently(1, post)))
    holder.start()
    try:
        assert entered.wait(30)
        before = row_counts()
        [duplicate] = run(1, post)
        assert duplicate.status_code == 409, duplicate.content
        assert duplicate.json()["code"] == "idempotency_key_in_use"
        assert int(duplicate["Retry-After"]) >= 1
        assert row_counts() == before
    finally:
        release.set()
        holder.join(30)
    [response] = first
    assert response.status_code == 201, response
    [retry] = run(1, post)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == response.json()
    assert Booking.objects.count() == 1
