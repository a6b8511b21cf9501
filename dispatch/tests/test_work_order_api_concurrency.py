"""Many reps' requests filling one work order at once through the API never give it more engineers
than it needs (real threads, each on its own connection, on PostgreSQL and SQLite alike).

Bookings of one work order are serialised by its row lock (dispatch.services.work_orders.lock_work_order;
SQLite's IMMEDIATE transaction), taken before the engineer's: 30 free engineers asked for at once
onto a work order needing 2 make exactly 2 bookings.
"""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budgeting.models import LedgerEntry, LedgerKind
from dispatch.models import Booking, WorkOrder
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from dispatch.tests.tiers import fund, monday
from presales.tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/bookings/"
ENGINEERS = 30


@pytest.fixture
def setting(rep, north, solution_a):
    start = dt.datetime.combine(monday(), dt.time(10), tzinfo=SHANGHAI)
    fund(rep, start)
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    work_order = work_order_create(
        by=rep,
        opportunity=opportunity,
        stage="bidding",
        activity="bidding",
        engineers_needed=2,
        desired_start=start,
        desired_end=start + dt.timedelta(hours=2),
    )
    engineers = [make_engineer(f"e{index}", region=north, solutions=[solution_a]) for index in range(ENGINEERS)]
    token, _created = Token.objects.get_or_create(user=rep)
    return {"start": start, "token": token.key, "work_order": work_order, "engineers": engineers}


def test_thirty_engineers_booked_at_once_onto_a_work_order_needing_two_make_two(setting):
    start, work_order = setting["start"], setting["work_order"]

    def attempt(index: int):
        # One client per thread: a client keeps credentials and cookies of its own.
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {setting['token']}")
        body = {
            "work_order": work_order.pk,
            "engineer": setting["engineers"][index].pk,
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=2)).isoformat(),
        }
        response = client.post(URL, body, format="json")
        return response.status_code, response.json()

    results = run_concurrently(ENGINEERS, attempt)
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    statuses = [status for status, _body in results]
    assert statuses.count(201) == 2, results
    refusals = [body for status, body in results if status != 201]
    assert {status for status in statuses if status != 201} == {409}, results
    # Refused because it was full, or (under load) because the lock could not be had in time.
    assert {body["code"] for body in refusals} <= {"work_order_staffed", "busy"}, refusals
    assert "work_order_staffed" in {body["code"] for body in refusals}

    booked = Booking.objects.filter(work_order=work_order)
    assert booked.count() == 2 and booked.values("engineer").distinct().count() == 2
    assert WorkOrder.objects.count() == 1  # no work order opened for any refused booking
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 2
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {setting['token']}")
    seen = client.get(f"/api/v1/work-orders/{work_order.pk}/").json()
    assert (seen["status"], seen["engineers_booked"]) == ("staffed", 2)
    assert sorted(seen["bookings"]) == sorted(booked.values_list("pk", flat=True))
