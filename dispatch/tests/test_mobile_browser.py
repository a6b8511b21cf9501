"""The rep's and the engineer's pages on a 390 px phone: my bookings, my schedule (acknowledge,
complete) and the regional dashboard fit the screen with no sideways page scroll, and every
row's action button is on screen. Screenshots, in Chinese and English, land in var/screenshots/
for a person to look at."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from budgeting.tests.factories import open_budget
from dispatch.models import Booking, BookingStatus
from dispatch.services.bookings import booking_acknowledge, booking_create
from monitoring.tests.test_browser import AS_OF, reference_day, sign_in  # noqa: F401 (fixture)
from presales.models import User
from presales.periods import Quarter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    language = page.evaluate("document.documentElement.lang")
    page.screenshot(path=str(SHOTS / f"mobile-{name}-{language}.png"))


def fits_the_phone(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    shoot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide"


def sign_in_speaking(page, username: str, password: str, language: str) -> None:
    sign_in(page, username, password)
    page.wait_for_load_state("networkidle")
    if page.evaluate("document.documentElement.lang") != language:
        page.locator(f'.lang-switch button[value="{language}"]').click()
        page.wait_for_function(f"document.documentElement.lang === '{language}'")


def on_screen(locator, shot: str | None = None) -> None:
    """Visible and inside the phone's width, not behind a sideways-scrolled table."""
    locator.scroll_into_view_if_needed()
    if shot:
        shoot(locator.page, shot)
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


@pytest.fixture
def next_week_booking(reference_day):  # noqa: F811 (the fixture imported above)
    """An upcoming booking of the reference rep with Zhang and one of last week he acknowledged,
    so the rep can cancel and the engineer acknowledge and complete."""
    rep = User.objects.get(username="rep_a")
    template = Booking.objects.filter(work_order__opportunity__owner=rep, engineer__user__username="zhang").first()
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=timezone.get_current_timezone())
    last_week = start - dt.timedelta(days=7)
    for moment in {start, last_week}:
        open_budget(rep, str(Quarter.of(moment)), allocated="100000.00")
    arguments = {
        "by": rep,
        "engineer": template.engineer,
        "opportunity": template.work_order.opportunity,
        "stage": template.stage,
        "activity": template.activity,
        "notify": False,
    }
    done = booking_create(**arguments, start=last_week, end=last_week + dt.timedelta(hours=2), allow_past=True)
    booking_acknowledge(booking=done, by=template.engineer.user)
    return booking_create(**arguments, start=start, end=start + dt.timedelta(hours=2))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_reps_and_the_engineers_pages_fit_a_phone(next_week_booking, browser_page, password, language):
    page = browser_page
    page.set_viewport_size(PHONE)

    sign_in_speaking(page, "rep_a", password, language)
    page.goto(reverse("dispatch:my-bookings"))
    assert page.evaluate("document.documentElement.lang") == language
    fits_the_phone(page, "my-bookings")
    on_screen(page.locator(f'tr[data-booking="{next_week_booking.pk}"]').get_by_test_id("cancel-booking"))
    on_screen(page.get_by_test_id("rate-booking").first, "my-bookings-rate")

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    sign_in_speaking(page, "zhang", password, language)
    page.goto(reverse("dispatch:my-schedule"))
    fits_the_phone(page, "my-schedule")
    row = page.get_by_test_id("upcoming").locator(f'tr[data-booking="{next_week_booking.pk}"]')
    acknowledge = row.get_by_test_id("acknowledge-booking")
    on_screen(acknowledge)
    acknowledge.click()
    row.locator('[data-status="acknowledged"]').wait_for()
    next_week_booking.refresh_from_db()
    assert next_week_booking.status == BookingStatus.ACKNOWLEDGED
    on_screen(page.get_by_test_id("complete-booking").first, "my-schedule-complete")
    on_screen(page.locator(".complete-form input[name=actual_hours]").first)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    sign_in_speaking(page, "mgr_north", password, language)
    page.goto(f"{reverse('monitoring:dashboard')}?date={AS_OF.date().isoformat()}")
    fits_the_phone(page, "dashboard")
    on_screen(page.get_by_test_id("acknowledge-alert").first, "dashboard-alert")
