"""The booking's, escalation's and hotline request's transition tables: every (status, action)
pair — the allowed ones succeed through the service and lead to the table's status, the others
raise InvalidState — and the pages show an action's button exactly when the table allows it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from dispatch.models import (
    BOOKING_TRANSITIONS,
    ESCALATION_TRANSITIONS,
    HOTLINE_TRANSITIONS,
    Booking,
    BookingStatus,
    EscalationStatus,
    HotlineStatus,
)
from dispatch.services.bookings import (
    booking_acknowledge,
    booking_cancel,
    booking_complete,
    booking_rate,
    booking_rating_correct,
    booking_reassign,
    booking_reschedule,
)
from dispatch.tests.test_tiered_reassign import book
from dispatch.tests.tiers import centre_engineer, classed_opportunity
from dispatch.tiered.escalations import escalation_approve, escalation_decline, escalation_request
from dispatch.tiered.hotline import hotline_answer, hotline_request
from presales.exceptions import InvalidState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def senior(centre, north):
    return centre_engineer("senior", centre=centre, region=north, grade="P5", hourly_rate="800.00")


@pytest.fixture
def reach(rep, north, solution_a, own):
    """A booking of a class A opportunity (the lead's to reassign) brought to ``status``."""

    def _reach(status: str) -> Booking:
        booking = book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a))
        engineer = own.user
        if status in (BookingStatus.ACKNOWLEDGED, BookingStatus.COMPLETED, BookingStatus.RATED):
            booking_acknowledge(booking=booking, by=engineer)
        if status in (BookingStatus.COMPLETED, BookingStatus.RATED):
            booking_complete(booking=booking, by=engineer, actual_hours=Decimal("2"), allow_early=True)
        if status == BookingStatus.RATED:
            booking_rate(booking=booking, by=rep, score=4)
        if status == BookingStatus.CANCELLED:
            booking_cancel(booking=booking, by=rep)
        booking.refresh_from_db()
        assert booking.status == status
        return booking

    return _reach


def _booking_acts(rep, lead, senior):
    later = dt.timedelta(hours=1)
    return {
        "acknowledge": lambda b: booking_acknowledge(booking=b, by=b.engineer.user),
        "complete": lambda b: booking_complete(
            booking=b, by=b.engineer.user, actual_hours=Decimal("1"), allow_early=True
        ),
        "rate": lambda b: booking_rate(booking=b, by=rep, score=5),
        "correct_rating": lambda b: booking_rating_correct(booking=b, by=rep, score=2),
        "cancel": lambda b: booking_cancel(booking=b, by=rep),
        "reschedule": lambda b: booking_reschedule(booking=b, by=rep, start=b.start + later, end=b.end + later),
        "reassign": lambda b: booking_reassign(booking=b, by=lead, engineer=senior),
    }


def test_every_booking_action_is_tried():
    assert set(BOOKING_TRANSITIONS.steps) == set(_booking_acts(None, None, None))


@pytest.mark.parametrize("action", sorted(BOOKING_TRANSITIONS.steps))
@pytest.mark.parametrize("status", BookingStatus.values)
def test_each_booking_action_from_each_status(reach, rep, lead, senior, status, action):
    booking = reach(status)
    act = _booking_acts(rep, lead, senior)[action]
    if BOOKING_TRANSITIONS.allows(action, status):
        act(booking)
        booking.refresh_from_db()
        assert booking.status == (BOOKING_TRANSITIONS.target(action) or status)
    else:
        with pytest.raises(InvalidState):
            act(booking)
        booking.refresh_from_db()
        assert booking.status == status


@pytest.mark.parametrize("status", BookingStatus.values)
def test_the_rep_page_shows_a_button_exactly_when_the_table_allows_it(client, reach, rep, status):
    booking = reach(status)  # next week: nothing has started
    client.force_login(rep)
    page = client.get(reverse("dispatch:my-bookings")).content.decode()
    for action, testid in (
        ("cancel", "cancel-booking"),
        ("rate", "rate-booking"),
        ("correct_rating", "correct-rating"),
    ):
        assert (f'data-testid="{testid}"' in page) == booking.allows(action), (status, action)


@pytest.mark.parametrize("status", BookingStatus.values)
def test_the_engineer_page_shows_acknowledge_exactly_when_the_table_allows_it(client, reach, own, status):
    booking = reach(status)
    client.force_login(own.user)
    page = client.get(reverse("dispatch:my-schedule")).content.decode()
    assert ('data-testid="acknowledge-booking"' in page) == booking.allows("acknowledge")


# --- Escalations and hotline requests ----------------------------------------------------------


@pytest.fixture
def reach_escalation(rep, manager, north, solution_a, centre):
    def _reach(status: str):
        opportunity = classed_opportunity(rep, "C", region=north, solution=solution_a)
        escalation = escalation_request(by=rep, opportunity=opportunity, reason="Nobody local knows it")
        if status == EscalationStatus.APPROVED:
            escalation_approve(escalation=escalation, by=manager)
        if status == EscalationStatus.DECLINED:
            escalation_decline(escalation=escalation, by=manager)
        escalation.refresh_from_db()
        assert escalation.status == status
        return escalation

    return _reach


@pytest.mark.parametrize("action", sorted(ESCALATION_TRANSITIONS.steps))
@pytest.mark.parametrize("status", EscalationStatus.values)
def test_each_escalation_action_from_each_status(reach_escalation, manager, status, action):
    escalation = reach_escalation(status)
    act = {"approve": escalation_approve, "decline": escalation_decline}[action]
    if ESCALATION_TRANSITIONS.allows(action, status):
        act(escalation=escalation, by=manager)
        escalation.refresh_from_db()
        assert escalation.status == ESCALATION_TRANSITIONS.target(action)
    else:
        with translation.override("en"), pytest.raises(InvalidState, match="it was already decided"):
            act(escalation=escalation, by=manager)


@pytest.mark.parametrize("status", EscalationStatus.values)
def test_the_escalation_page_offers_a_decision_exactly_when_the_table_allows_it(
    client, reach_escalation, manager, status
):
    escalation = reach_escalation(status)
    client.force_login(manager)
    page = client.get(reverse("dispatch:escalations")).content.decode()
    assert ('data-testid="approve-escalation"' in page) == escalation.allows("approve")


@pytest.mark.parametrize("status", HotlineStatus.values)
def test_answering_a_hotline_request_from_each_status(rep, north, solution_a, centre, own, status):
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    opportunity = classed_opportunity(rep, "A", region=north, solution=solution_a)
    hotline = hotline_request(by=rep, opportunity=opportunity, question="Does it scale?")
    if status == HotlineStatus.ANSWERED:
        hotline_answer(hotline=hotline, by=own.user, answer="Yes.")
    if HOTLINE_TRANSITIONS.allows("answer", status):
        assert hotline_answer(hotline=hotline, by=own.user, answer="Yes.").status == HOTLINE_TRANSITIONS.target(
            "answer"
        )
    else:
        with translation.override("en"), pytest.raises(InvalidState, match="already answered"):
            hotline_answer(hotline=hotline, by=own.user, answer="Again.")
