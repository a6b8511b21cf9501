"""Work orders in a real browser (Chinese, as the users' browsers ask): a booking made on the
find page with a desired start two days before its start shows as a slight delay on the
opportunity page; and a rep opens a work order, finds it in My work orders, opens the find page
from it and books an engineer who fills it."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.tests.factories import open_budget
from dispatch.models import Booking, WorkOrder
from dispatch.services.engineers import engineer_upsert
from dispatch.tests.board_browser import select_range
from dispatch.tests.test_browser import sign_in
from presales.periods import Quarter
from presales.tests.factories import CustomerFactory, OpportunityFactory, RateFactory, SkillFactory, SolutionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR", "")  # set it to keep a screenshot of every step


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def setting(rep, engineer_user, north):
    """Wang (k8s 4) works Monday–Friday 09:00–18:00 on the deal's solution; the rep's budget."""
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())  # next week, never in the past
    RateFactory(resource_type="presales", grade="P3", hourly_rate=Decimal("500.00"))
    solution = SolutionFactory(code="city", name="智慧城市 Smart City")
    engineer = engineer_upsert(
        user=engineer_user,
        region=north,
        resource_type="presales",
        grade="P3",
        time_zone="Asia/Shanghai",
        solutions=[solution],
        skills={SkillFactory(code="k8s", name="Kubernetes"): 4},
        working_hours=[(day, dt.time(9), dt.time(18)) for day in range(1, 6)],
        time_off=[],
    )
    deal = OpportunityFactory(name="Harbour Deal", owner=rep, customer=CustomerFactory(region=north), solution=solution)
    start = dt.datetime.combine(monday, dt.time(10), tzinfo=timezone.get_current_timezone())
    open_budget(rep, str(Quarter.of(start)), allocated="100000.00")
    return engineer, deal, monday


def test_a_booking_with_an_earlier_desired_start_is_a_slight_delay(browser_page, rep, password, setting):
    _engineer, deal, monday = setting
    wednesday = monday + dt.timedelta(days=2)
    page = browser_page
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.goto(f"{reverse('dispatch:find')}?week={monday}")
    select_range(page, "engineer", wednesday, dt.time(10), dt.time(11))
    confirm = page.get_by_test_id("booking-confirm")
    desired = confirm.locator('input[name="desired_start"]')
    assert desired.input_value() == f"{wednesday:%Y-%m-%d}T10:00"  # default: the booking's start
    desired.fill(f"{monday:%Y-%m-%d}T10:00")  # two days earlier
    shot(page, "01-find-confirm-desired-start")
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-success").wait_for()
    work_order = Booking.objects.get().work_order
    assert work_order.desired_start.astimezone(timezone.get_current_timezone()).date() == monday

    page.goto(reverse("dispatch:opportunity", args=[deal.pk]))
    row = page.locator(f'[data-testid="dispatch-list"] tr[data-work-order="{work_order.pk}"]')
    badge = row.locator("[data-delay]")
    assert badge.get_attribute("data-delay") == "slight"
    assert badge.inner_text() == "轻微延时"  # Slight delay, as the Chinese page says it
    assert row.locator("[data-lateness-hours]").get_attribute("data-lateness-hours") == "48.0"
    assert page.get_by_test_id("visibility-summary").locator('[data-figure="slight"]').inner_text() == "1"
    shot(page, "02-opportunity-slight")


def test_open_a_work_order_find_it_and_book_from_it(browser_page, rep, password, setting):
    from playwright.sync_api import expect

    _engineer, deal, monday = setting
    tuesday = monday + dt.timedelta(days=1)
    page = browser_page
    sign_in(page, "rep", password)
    page.wait_for_url(f"**{reverse('dispatch:find')}")

    # From the opportunity page: New work order, pre-filled with the deal.
    page.goto(reverse("dispatch:opportunity", args=[deal.pk]))
    page.get_by_test_id("new-work-order").click()
    page.wait_for_url(f"**{reverse('dispatch:work_order_new')}?opportunity={deal.pk}")
    form = page.get_by_test_id("work-order-form")
    assert form.locator('select[name="opportunity"]').input_value() == str(deal.pk)
    assert form.locator('select[name="solution"]').input_value() == "city"
    form.locator('select[name="skills-0-skill"]').select_option("k8s")
    form.locator('select[name="skills-0-min_level"]').select_option("3")
    form.locator('input[name="engineers_needed"]').fill("2")
    form.locator('input[name="desired_start"]').fill(f"{tuesday:%Y-%m-%d}T14:00")
    # A window ending before it starts is refused; what was typed stays.
    form.locator('input[name="desired_end"]').fill(f"{tuesday:%Y-%m-%d}T13:00")
    form.locator('textarea[name="note"]').fill("客户要求现场演示")
    page.get_by_test_id("open-work-order").click()
    page.wait_for_load_state()
    assert WorkOrder.objects.count() == 0
    form = page.get_by_test_id("work-order-form")
    assert form.locator(".field-error").count() >= 1
    assert form.locator('textarea[name="note"]').input_value() == "客户要求现场演示"
    assert form.locator('select[name="skills-0-skill"]').input_value() == "k8s"
    assert form.locator('select[name="skills-0-min_level"]').input_value() == "3"
    shot(page, "03-new-work-order-refused")
    form.locator('input[name="desired_end"]').fill(f"{tuesday:%Y-%m-%d}T16:00")
    page.get_by_test_id("open-work-order").click()
    work_order_url = "**/dispatch/work-orders/*/"
    page.wait_for_url(work_order_url)
    work_order = WorkOrder.objects.get()
    assert page.locator('[data-wo-status="open"]').count() == 1
    shot(page, "04-work-order-detail")

    # My work orders, from the navigation: the row, then its candidates on the find page.
    page.click('[data-nav="dispatch:work_orders"]')
    page.wait_for_url(f"**{reverse('dispatch:work_orders')}")
    row = page.locator(f'tr[data-work-order="{work_order.pk}"]')
    assert row.locator('[data-figure="engineers"]').inner_text() == "0/2"
    assert row.get_by_test_id("send-to-pool").get_attribute("href").endswith(f"?work_order={work_order.pk}")
    shot(page, "05-my-work-orders")
    row.get_by_test_id("find-candidates").click()
    page.wait_for_url(f"**work_order={work_order.pk}**")
    assert page.get_by_test_id("filling-work-order").is_visible()
    filters = page.get_by_test_id("engineer-filters")
    assert filters.locator('input[name="free_date"]').input_value() == str(tuesday)
    assert filters.locator('input[name="free_start"]').input_value() == "14:00"
    assert filters.locator('input[name="free_end"]').input_value() == "16:00"
    assert filters.locator('select[name="solution"]').input_value() == "city"
    assert page.locator('table[data-testid="engineers"] tr[data-engineer="engineer"]').count() == 1
    shot(page, "06-find-from-work-order")

    select_range(page, "engineer", tuesday, dt.time(14), dt.time(16))  # the board opens at the searched day
    confirm = page.get_by_test_id("booking-confirm")
    assert confirm.get_by_test_id("fills-work-order").is_visible()
    assert confirm.locator('input[name="desired_start"]').count() == 0  # the work order's applies
    expect(page.get_by_test_id("booking-confirm").locator('[data-figure="cost"]')).to_contain_text("000")  # 1,000
    page.get_by_test_id("confirm-booking").click()
    page.get_by_test_id("booking-success").wait_for()
    booking = Booking.objects.get()
    assert booking.work_order_id == work_order.pk and booking.hours == Decimal("2.00")
    shot(page, "07-booked")

    page.get_by_test_id("see-work-order").click()
    page.wait_for_url(f"**{reverse('dispatch:work_order', args=[work_order.pk])}")
    assert page.locator('[data-wo-status="partially_staffed"]').count() == 1
    assert page.get_by_test_id("work-order-bookings").locator(f'tr[data-booking="{booking.pk}"]').is_visible()
    assert page.locator('[data-delay="on_time"]').count() == 1
    shot(page, "08-work-order-partially-staffed")

    # Cancel it from My work orders, confirming the dialog: its booking is released.
    page.goto(reverse("dispatch:work_orders"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f'tr[data-work-order="{work_order.pk}"]').get_by_test_id("cancel-work-order").click()
    page.locator(f'tr[data-work-order="{work_order.pk}"] [data-wo-status="cancelled"]').wait_for()
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    shot(page, "09-cancelled")


def test_a_manager_follows_a_cells_open_figure_to_its_work_orders(browser_page, rep, manager, password, setting):
    """The dashboard's north × city cell counts three waiting work orders (one partially
    staffed); its figure opens the list filtered to them, at a desktop's and a phone's width."""
    from dispatch.services.bookings import booking_create
    from dispatch.services.work_orders import work_order_create
    from monitoring.services.recompute import recompute
    from presales.choices import PresalesStage

    engineer, deal, monday = setting
    tz = timezone.get_current_timezone()
    now = timezone.now()

    def wanted(day, hour, **extra):
        start = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=tz)
        return work_order_create(
            by=rep,
            opportunity=deal,
            stage=PresalesStage.VALUE_PRESENTATION,
            activity="exchange",
            desired_start=start,
            desired_end=start + dt.timedelta(hours=2),
            now=now - dt.timedelta(hours=1),
            **extra,
        )

    waiting = [wanted(1, 10), wanted(2, 14, engineers_needed=2), wanted(3, 9)]
    booking_create(
        by=rep,
        engineer=engineer,
        opportunity=deal,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity="exchange",
        start=waiting[1].desired_start,
        end=waiting[1].desired_end,
        work_order=waiting[1],
    )
    wanted(4, 10)
    staffed = WorkOrder.objects.latest("pk")
    booking_create(
        by=rep,
        engineer=engineer,
        opportunity=deal,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity="exchange",
        start=staffed.desired_start,
        end=staffed.desired_end,
        work_order=staffed,
    )
    recompute()

    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, "manager", password)
    page.wait_for_url(f"**{reverse('monitoring:dashboard')}")
    cell = page.get_by_test_id("cell-north-city")
    link = cell.get_by_test_id("open-work-orders")
    assert link.inner_text() == "3"
    shot(page, "10-dashboard-waiting-links")
    link.click()
    page.wait_for_url(f"**{reverse('dispatch:work_orders')}?**")
    assert page.locator("h1").inner_text() == "工单"
    rows = page.locator('table[data-testid="work-orders"] tbody tr')
    assert sorted(int(rows.nth(i).get_attribute("data-work-order")) for i in range(rows.count())) == sorted(
        work_order.pk for work_order in waiting
    )
    filters = page.get_by_test_id("work-order-filters")
    assert filters.locator('select[name="region"]').input_value() == "north"
    assert filters.locator('select[name="solution"]').input_value() == "city"
    assert filters.locator('input[name="status"][value="open"]').is_checked()
    assert filters.locator('input[name="status"][value="partially_staffed"]').is_checked()
    assert not filters.locator('input[name="status"][value="staffed"]').is_checked()
    # Pending: due in so long, never a negative lateness.
    assert "-" not in rows.first.locator("[data-lateness-hours]").inner_text()
    assert page.locator('nav.nav a[aria-current="page"]').inner_text() == "工单"
    shot(page, "11-manager-filtered-work-orders-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls in its box
    shot(page, "12-manager-filtered-work-orders-390")
    page.locator(".table-wrap").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    shot(page, "13-manager-filtered-work-orders-390-scrolled")
