"""Tiered support in a real browser: a rep is refused a delivery-centre engineer on a class D
opportunity, asks for an escalation, the regional manager approves it, and the booking succeeds."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.tests.factories import open_budget
from dispatch.models import Booking, Escalation, EscalationStatus
from dispatch.tests.board_browser import select_range
from dispatch.tests.test_browser import sign_in
from dispatch.tests.tiers import centre_engineer, classed_opportunity, make_centre
from presales.periods import Quarter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_board(page, opportunity, monday: dt.date):
    page.goto(f"{reverse('dispatch:find')}?solution=A&opportunity={opportunity.pk}&week={monday}")
    select_range(page, "own", monday, dt.time(10), dt.time(11))


def test_escalation_requested_approved_then_booking_succeeds(
    browser_page, rep, manager, north, east, solution_a, lead, password
):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())  # next week, never in the past
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=timezone.get_current_timezone())
    centre_engineer("own", centre=make_centre(solution_a, lead=lead), region=east)
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    open_budget(rep, str(Quarter.of(start)), allocated="100000.00")
    page = browser_page

    # The rep: the search says why the engineer is not eligible, and booking is refused.
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.goto(f"{reverse('dispatch:find')}?solution=A&opportunity={opportunity.pk}")
    reason = page.locator('[data-testid="engineers"] tr[data-engineer="own"] [data-eligibility]')
    assert reason.get_attribute("data-eligibility") == "escalation_required"
    assert reason.get_attribute("data-eligible") == "no"
    open_board(page, opportunity, monday)
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-error").wait_for()
    assert not Booking.objects.exists()

    # ...and asks for an escalation from the refusal.
    page.get_by_test_id("ask-escalation").click()
    page.wait_for_url(f"**{reverse('dispatch:escalations')}**")
    page.fill('textarea[name="reason"]', "The customer asks for the GIS architect")
    page.get_by_test_id("request-escalation").click()
    page.locator('tr[data-escalation] [data-status="requested"]').wait_for()
    page.get_by_test_id("sign-out").click()

    # The regional manager approves it from the navigation.
    sign_in(page, "manager", password)
    page.wait_for_url(f"**{reverse('monitoring:dashboard')}")
    page.click('[data-nav="dispatch:escalations"]')
    page.get_by_test_id("approve-escalation").click()
    page.locator('tr[data-escalation] [data-status="approved"]').wait_for()
    escalation = Escalation.objects.get()
    assert (escalation.status, escalation.decided_by.username) == (EscalationStatus.APPROVED, "manager")
    page.get_by_test_id("sign-out").click()

    # The rep books the same slot: it succeeds now.
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    open_board(page, opportunity, monday)
    reason = page.locator('[data-testid="engineers"] tr[data-engineer="own"] [data-eligibility]')
    assert reason.get_attribute("data-eligibility") == "escalated"
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-success").wait_for()
    booking = Booking.objects.get()
    assert (booking.engineer.user.username, booking.start) == ("own", start)
