"""Booking on the schedule board in a real browser: a rep books a free slot in place, the board
and the budget follow; then the engineer acknowledges it on their schedule."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from budgeting.tests.factories import open_budget
from dispatch.models import Booking, BookingStatus
from dispatch.services.engineers import engineer_upsert
from dispatch.tests.board_browser import lane, select_range
from presales.periods import Quarter
from presales.tests.factories import CustomerFactory, OpportunityFactory, RateFactory, SkillFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)


def sign_in(page, username: str, password: str) -> None:
    page.goto(reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('form.form button[type="submit"]')


def amount(text: str) -> Decimal:
    # Whatever the language's grouping, the figure is digits and one decimal point.
    return Decimal(re.sub(r"[^\d.]", "", text))


def wang(user, region, skill) -> None:
    """The engineer persona: P3 (500/h), the skill at level 4, Monday–Friday 09:00–18:00."""
    engineer_upsert(
        user=user,
        region=region,
        resource_type="presales",
        grade="P3",
        time_zone="Asia/Shanghai",
        solutions=[],
        skills={skill: 4},
        working_hours=[(day, dt.time(9), dt.time(18)) for day in range(1, 6)],
        time_off=[],
    )


def test_rep_books_on_the_board_and_the_engineer_acknowledges(browser_page, rep, engineer_user, north, password):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())  # next week, never in the past
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=timezone.get_current_timezone())
    RateFactory(resource_type="presales", grade="P3", hourly_rate=Decimal("500.00"))
    wang(engineer_user, north, SkillFactory(code="k8s", name="Kubernetes"))
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

    free = f'[data-state="free"][data-start="{monday:%Y-%m-%d}T09:00:00+08:00"]'
    assert lane(page, "engineer").locator(free).count() == 1
    select_range(page, "engineer", monday, dt.time(10), dt.time(11))
    confirm = page.get_by_test_id("booking-confirm")
    assert amount(confirm.locator('[data-figure="cost"]').inner_text()) == Decimal("500.00")
    assert amount(confirm.locator('[data-figure="remaining-after"]').inner_text()) == Decimal("99500.00")
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-success").wait_for()

    # The row and the budget figure reload in place: the slot is now drawn busy.
    lane(page, "engineer").locator(f'[data-state="booking"][data-start="{monday:%Y-%m-%d}T10:00:00+08:00"]').wait_for()
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


@pytest.mark.parametrize("way", ["drag", "keyboard"])
def test_rep_books_exactly_the_searched_half_hour_window_on_the_only_free_row(
    browser_page, rep, engineer_user, north, password, way
):
    """The seed's example: the customer wants 13:30–14:30, only Wang is free; the rep selects
    13:30–14:30 on Wang's row, confirms, and sees that row drawn busy and the budget fall by one
    hour of his rate, without the find page being re-run."""
    from dispatch.tests.test_pages import book, working_engineer

    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time(13, 30), tzinfo=tz)
    end = start + dt.timedelta(hours=1)
    RateFactory(resource_type="presales", grade="P3", hourly_rate=Decimal("500.00"))
    gis = SkillFactory(code="gis", name="GIS")
    wang(engineer_user, north, gis)
    busy = [working_engineer(name, region=north, skills={gis: 4}) for name in ("zhang", "li")]
    deal = OpportunityFactory(name="Harbour Deal", owner=rep, customer=CustomerFactory(region=north))
    open_budget(rep, str(Quarter.of(start)), allocated="100000.00")
    for engineer in busy:  # both already taken at the wanted time
        book(rep, engineer, deal, start)
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.goto(f"{reverse('dispatch:find')}?skill=gis&free_date={monday}&free_start=13:30&free_end=14:30")
    rows = page.locator('[data-testid="schedule-board"] tr[data-engineer]')
    assert [rows.nth(i).get_attribute("data-engineer") for i in range(rows.count())] == ["engineer"]
    assert page.locator(".lane-window").count() == 1  # the searched window, drawn on the row
    # Day view fits the card: no horizontal scroll on the board or the page, from 1280 px up.
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
    remaining = page.locator('[data-testid="budget-remaining"] [data-figure="remaining"]')
    before_text = remaining.inner_text()
    before = amount(before_text)
    free = lane(page, "engineer").locator(f'a[data-start="{monday:%Y-%m-%d}T09:00:00+08:00"]')
    free.focus()
    assert free.get_attribute("aria-label").endswith("09:00–09:15, 空闲")  # the focused slot's name

    if way == "drag":
        select_range(page, "engineer", monday, dt.time(13, 30), dt.time(14, 30), drag=True)
    else:  # arrows move a 15-minute cursor, Enter marks the start and then the last slot
        for _ in range(18):  # 09:00 → 13:30
            page.keyboard.press("ArrowRight")
        assert free.get_attribute("aria-label").endswith("13:30–13:45, 空闲")
        page.keyboard.press("Enter")
        for _ in range(3):  # → 14:15–14:30
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.get_by_test_id("booking-confirm").wait_for()
    confirm = page.get_by_test_id("booking-confirm")
    assert "13:30–14:30" in confirm.get_by_test_id("booking-when").inner_text()
    assert amount(confirm.locator('[data-figure="cost"]').inner_text()) == Decimal("500.00")
    assert amount(confirm.locator('[data-figure="remaining-after"]').inner_text()) == before - Decimal("500.00")
    page.screenshot(path=str(SHOTS / f"find-range-confirm-1440-{way}.png"), full_page=True)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-success").wait_for()

    day = f"{monday:%Y-%m-%d}"
    booked = f'[data-state="booking"][data-start="{day}T13:30:00+08:00"][data-end="{day}T14:30:00+08:00"]'
    lane(page, "engineer").locator(booked).wait_for()
    expect(remaining).not_to_have_text(before_text)  # the figure reloads with the row
    assert amount(remaining.inner_text()) == before - Decimal("500.00")
    assert not any("/find/?" in url for url in requests)  # only the row's fragment was fetched
    assert any("/find/lane/" in url for url in requests)
    booking = Booking.objects.get(engineer__user=engineer_user)
    assert (booking.start, booking.end, booking.cost) == (start, end, Decimal("500.00"))
    page.screenshot(path=str(SHOTS / f"find-range-booked-1440-{way}.png"), full_page=True)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.goto(f"{reverse('dispatch:find')}?skill=gis&week={monday}")  # everyone, now Wang is booked too
    lane(page, "engineer").locator(booked).wait_for()
    page.screenshot(path=str(SHOTS / f"find-range-booked-1440-en-{way}.png"), full_page=True)
    page.goto(f"{reverse('dispatch:find')}?skill=gis")  # this week: opens at today, "now" marked
    assert page.locator(".board-day-link[aria-current=date]").get_attribute("data-day") == str(today)
    page.screenshot(path=str(SHOTS / f"find-today-1440-en-{way}.png"), full_page=True)
