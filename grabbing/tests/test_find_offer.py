"""When a search finds nobody free at the desired time, the find page offers the matching
engineers' earliest free slots with the delay each causes, and a grab order pre-filled from it."""

import datetime as dt

import pytest
from django.urls import reverse

from dispatch.delay import Delay
from dispatch.models import Engineer, TimeOff
from dispatch.selectors.board import earliest_free_slots
from dispatch.services.bookings import booking_create
from grabbing.tests.factories import at, next_monday

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def nobody_free(rep, opportunity, wang, li, budget):
    monday = next_monday()
    booking_create(
        by=rep,
        engineer=wang,
        opportunity=opportunity,
        stage="bidding",
        activity="bidding",
        start=at(monday, 10),
        end=at(monday, 12),
    )
    TimeOff.objects.create(engineer=li, start=at(monday, 0), end=at(monday + dt.timedelta(days=2), 12))
    return monday


def test_earliest_slots_with_their_delay(nobody_free, wang, li):
    monday = nobody_free
    engineers = list(Engineer.objects.prefetch_related("working_hours"))
    slots = earliest_free_slots(
        engineers=engineers, desired_start=at(monday, 10), length=dt.timedelta(hours=2), slight_limit_hours=48
    )
    assert [(slot.engineer, slot.start, slot.delay) for slot in slots] == [
        (wang, at(monday, 12), Delay.SLIGHT),  # right after the booking: 2 h late
        (li, at(monday + dt.timedelta(days=2), 12), Delay.SEVERE),  # after the leave: 50 h late
    ]
    assert slots[0].end == at(monday, 14)


def test_the_find_page_offers_slots_and_a_grab_order(client, rep, nobody_free, solution_a):
    monday = nobody_free
    client.force_login(rep)
    query = f"solution=A&free_date={monday}&free_start=10:00&free_end=12:00"
    body = client.get(f"{reverse('dispatch:find')}?{query}", **EN).content.decode()
    assert 'data-testid="nobody-free"' in body
    assert f"{monday} 12:00–14:00" in body and 'data-delay="slight"' in body and 'data-delay="severe"' in body
    link = f'href="{reverse("grabbing:new")}?solution=A&amp;free_date={monday}&amp;free_start=10%3A00'
    assert link in body

    form = client.get(f"{reverse('grabbing:new')}?{query}", **EN).content.decode()
    assert f'value="{monday}"' in form and 'value="10:00"' in form and 'value="12:00"' in form


def test_no_offer_when_someone_is_free(client, rep, opportunity, wang, budget):
    monday = next_monday()
    client.force_login(rep)
    query = f"solution=A&free_date={monday}&free_start=10:00&free_end=12:00"
    body = client.get(f"{reverse('dispatch:find')}?{query}", **EN).content.decode()
    assert 'data-testid="nobody-free"' not in body and 'data-engineer="engineer"' in body
