"""Booking on the schedule board in a real browser: a rep books a free slot in place, the board
and the budget follow; then the engineer acknowledges it on their schedule."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.tests.factories import open_budget
from dispatch.models import Booking, BookingStatus
from dispatch.services.engineers import engineer_upsert
from presales.periods import Quarter
from presales.tests.factories import CustomerFactory, OpportunityFactory, RateFactory, SkillFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str) -> None:
    page.goto(reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('form.form button[type="submit"]')


def amount(text: str) -> Decimal:
    # Whatever the language's grouping, the figure is digits and one decimal point.
    return Decimal(re.sub(r"[^\d.]", "", text))


def test_rep_books_on_the_board_and_the_engineer_acknowledges(browser_page, rep, engineer_user, north, password):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())  # next week, never in the past
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=timezone.get_current_timezone())
    RateFactory(resource_type="presales", grade="P3", hourly_rate=Decimal("500.00"))
    engineer_upsert(
        user=engineer_user,
        region=north,
        resource_type="presales",
        grade="P3",
        time_zone="Asia/Shanghai",
        solutions=[],
        skills={SkillFactory(code="k8s", name="Kubernetes"): 4},
        working_hours=[(day, dt.time(9), dt.time(18)) for day in range(1, 6)],
        time_off=[],
    )
    OpportunityFactory(name="Harbour Deal", owner=rep, customer=CustomerFactory(region=north))
    open_budget(rep, str(Quarter.of(start)), allocated="100000.00")
    page = browser_page

    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.select_option('select[name="skill"]', "k8s")
    page.get_by_test_id("search").click()
    page.wait_for_url("**skill=k8s**")
    page.get_by_test_id("next-week").click()
    page.wait_for_url(f"**week={monday}**")
    remaining = page.locator('[data-testid="budget-remaining"] [data-figure="remaining"]')
    assert amount(remaining.inner_text()) == Decimal("100000.00")

    row = page.locator('[data-testid="schedule-board"] tr[data-engineer="engineer"]')
    cell = f'[data-slot="{monday:%Y-%m-%d}T10:00"]'
    assert row.locator(cell).get_attribute("data-state") == "free"
    row.locator(cell).click()
    confirm = page.get_by_test_id("booking-confirm")
    confirm.wait_for()
    assert amount(confirm.locator('[data-figure="cost"]').inner_text()) == Decimal("500.00")
    assert amount(confirm.locator('[data-figure="remaining-after"]').inner_text()) == Decimal("99500.00")
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-success").wait_for()

    # The board and the budget figure reload in place: the slot is now drawn busy.
    page.locator(f'[data-testid="schedule-board"] tr[data-engineer="engineer"] {cell}[data-state="booking"]').wait_for()
    assert amount(remaining.inner_text()) == Decimal("99500.00")
    booking = Booking.objects.get()
    assert (booking.start, booking.status) == (start, BookingStatus.BOOKED)

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    sign_in(page, "engineer", password)
    page.wait_for_url(f"**{reverse('dispatch:my-schedule')}")
    upcoming = page.get_by_test_id("upcoming")
    assert "Harbour Deal" in upcoming.inner_text()
    upcoming.get_by_test_id("acknowledge-booking").click()
    upcoming.locator(f'tr[data-booking="{booking.pk}"] [data-status="acknowledged"]').wait_for()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACKNOWLEDGED
