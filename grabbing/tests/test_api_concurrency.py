"""Thirty invited engineers grab one order at once through the API (real threads): exactly one wins."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budgeting.models import LedgerEntry, LedgerKind
from dispatch.models import Booking
from dispatch.tests.engineers import make_opportunity
from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus
from grabbing.tests.factories import budget_for, engineers, post, window
from presales.tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/grab-orders/"
ENGINEERS = 30


def _client(user) -> APIClient:
    # One client per thread: a client keeps credentials of its own.
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_thirty_engineers_grab_at_once_and_exactly_one_wins(rep, north, solution_a):
    crowd = engineers(ENGINEERS, region=north, solution=solution_a)
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    budget_for(rep, window()[0])
    order = post(rep, opportunity, uplift_percent=50)
    assert order.invited == ENGINEERS
    clients = [_client(engineer.user) for engineer in crowd]

    def attempt(index: int):
        response = clients[index].post(f"{URL}{order.pk}/grab/")
        return response.status_code, response.json()

    results = run_concurrently(ENGINEERS, attempt)
    assert not [result for result in results if isinstance(result, Exception)], results
    statuses = [status for status, _body in results]
    assert statuses.count(200) == 1, results
    assert {body["code"] for status, body in results if status != 200} == {"already_grabbed"}
    [winner] = [body["engineer"] for status, body in results if status == 200]
    order.refresh_from_db()
    assert (order.status, order.winner_id) == (GrabOrderStatus.GRABBED, winner)
    assert Invitation.objects.filter(status=InvitationStatus.WON).count() == 1

    confirmed = _client(rep).post(f"{URL}{order.pk}/confirm/")
    assert confirmed.status_code == 201, confirmed.json()
    booking = Booking.objects.get()
    assert booking.engineer_id == winner
    assert booking.cost == booking.hours * booking.hourly_rate * Decimal("1.5") == Decimal("1500.00")
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 1
    assert GrabOrder.objects.get().status == GrabOrderStatus.CONFIRMED
