"""A grab order end to end in a real browser: the rep posts it at +50%, the engineer sees 1.5×
the hours and grabs it, the rep confirms; the booking is on both schedules and the budget
holds the uplifted reservation."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from dispatch.tests.engineers import make_engineer
from dispatch.tests.test_browser import sign_in
from grabbing.models import GrabOrder, GrabOrderStatus
from grabbing.tests.factories import budget_for, window
from presales.periods import Quarter
from presales.tests.factories import CustomerFactory, OpportunityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def test_rep_posts_engineer_grabs_rep_confirms(browser_page, rep, engineer_user, north, solution_a, password):
    start, _end = window(hours=2)
    make_engineer(engineer_user, region=north, solutions=[solution_a])
    OpportunityFactory(name="Harbour Deal", owner=rep, customer=CustomerFactory(region=north), solution=solution_a)
    budget_for(rep, start, allocated="100000.00")
    page = browser_page

    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.goto(reverse("grabbing:new"))
    page.fill('input[name="date"]', start.strftime("%Y-%m-%d"))
    page.fill('input[name="start_time"]', "10:00")
    page.fill('input[name="end_time"]', "12:00")
    page.fill('input[name="uplift_percent"]', "50")
    page.get_by_test_id("post-grab-order").click()
    page.wait_for_url(f"**{reverse('grabbing:mine')}")
    order = GrabOrder.objects.get()
    row = page.locator(f'tr[data-grab-order="{order.pk}"]')
    assert row.locator('[data-figure="invited"]').inner_text() == "1"
    assert row.locator('[data-status="open"]').count() == 1

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    sign_in(page, "engineer", password)
    page.wait_for_url(f"**{reverse('dispatch:my-schedule')}")
    page.click('[data-nav="grabbing:invitations"]')
    invitation = page.locator(f'[data-testid="invitations"] tr[data-grab-order="{order.pk}"]')
    assert amount(invitation.locator('[data-figure="credited-hours"]').inner_text()) == Decimal("3.00")  # 2 h × 1.5
    invitation.get_by_test_id("grab").click()
    page.locator(f'tr[data-grab-order="{order.pk}"] [data-status="grabbed"]').wait_for()

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.click('[data-nav="grabbing:mine"]')
    page.locator(f'tr[data-grab-order="{order.pk}"]').get_by_test_id("confirm-grab").click()
    page.locator(f'tr[data-grab-order="{order.pk}"] [data-status="confirmed"]').wait_for()
    order.refresh_from_db()
    assert order.status == GrabOrderStatus.CONFIRMED

    page.goto(reverse("dispatch:my-bookings"))
    booking_row = page.locator(f'tr[data-booking="{order.booking_id}"]')
    assert "Harbour Deal" in booking_row.inner_text()
    assert amount(booking_row.locator('[data-figure="cost"]').inner_text().split()[0]) == Decimal("1500.00")
    page.goto(f"{reverse('budgeting:mine')}?period={Quarter.of(start)}")
    assert amount(page.locator('[data-figure="reserved"]').inner_text()) == Decimal("1500.00")

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    sign_in(page, "engineer", password)
    page.wait_for_url(f"**{reverse('dispatch:my-schedule')}")
    upcoming = page.get_by_test_id("upcoming")
    assert "Harbour Deal" in upcoming.inner_text()
    credited = upcoming.locator(f'tr[data-booking="{order.booking_id}"] [data-figure="credited-hours"]')
    assert "3" in credited.inner_text() and "+50%" in credited.inner_text()  # 2 h credited as 3


def test_rep_posts_from_a_work_order_sees_the_count_and_an_empty_scope_is_refused(
    browser_page, rep, engineer_user, north, east, solution_a, password
):
    from dispatch.services.work_orders import work_order_create

    start, end = window(hours=2)
    make_engineer(engineer_user, region=north, solutions=[solution_a])
    opportunity = OpportunityFactory(
        name="Harbour Deal", owner=rep, customer=CustomerFactory(region=north), solution=solution_a
    )
    work_order = work_order_create(
        by=rep,
        opportunity=opportunity,
        stage="value_presentation",
        activity="workshop",
        desired_start=start,
        desired_end=end,
    )
    page = browser_page
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.goto(f"{reverse('grabbing:new')}?work_order={work_order.pk}")
    page.get_by_test_id("from-work-order").wait_for()
    count = page.get_by_test_id("invitee-count")
    count.locator('[data-invited="1"]').wait_for()
    page.check('input[name="scope_regions"][value="east"]')  # nobody in the east
    count.locator('[data-invited="0"]').wait_for()
    page.screenshot(path=str(settings.VAR_DIR / "grab-empty-scope.png"), full_page=True)
    page.fill('input[name="uplift_percent"]', "60")
    page.get_by_test_id("post-grab-order").click()
    page.get_by_test_id("form-error").wait_for()
    assert page.input_value('input[name="uplift_percent"]') == "60"
    assert page.is_checked('input[name="scope_regions"][value="east"]')
    assert not GrabOrder.objects.exists()
    page.uncheck('input[name="scope_regions"][value="east"]')
    count.locator('[data-invited="1"]').wait_for()
    page.get_by_test_id("post-grab-order").click()
    page.wait_for_url(f"**{reverse('grabbing:mine')}")
    order = GrabOrder.objects.get()
    assert (order.work_order_id, order.uplift_percent) == (work_order.pk, 60)
