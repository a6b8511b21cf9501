"""The work order's transition table (dispatch.work_order_status.WORK_ORDER_TRANSITIONS): its
status is derived, not stored, so each status is reached through the services and then every
action is tried — the allowed ones succeed, the others are refused with the table's message —
and the work-order page shows the rep's buttons exactly when the table allows them. Here
rather than in dispatch because sending to the pool is grabbing's service."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dispatch.models import WorkOrder
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create, work_order_cancel
from dispatch.work_order_status import WORK_ORDER_TRANSITIONS, WorkOrderStatus, work_order_status_at
from grabbing.services import grab_orders as grab_order_services
from grabbing.tests.factories import window
from grabbing.tests.test_work_orders import open_work_order
from presales.exceptions import InvalidState, WorkOrderStaffed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def reach(rep, opportunity, li, budget):
    """A work order of ``opportunity`` brought to ``status``; li is the engineer it books."""

    def _reach(status: str) -> WorkOrder:
        needed = 2 if status == WorkOrderStatus.PARTIALLY_STAFFED else 1
        work_order = open_work_order(rep, opportunity, engineers_needed=needed)
        if status in (WorkOrderStatus.PARTIALLY_STAFFED, WorkOrderStatus.STAFFED, WorkOrderStatus.DONE):
            start, end = window()
            booking = booking_create(by=rep, engineer=li, work_order=work_order, start=start, end=end)
            if status == WorkOrderStatus.DONE:
                booking_acknowledge(booking=booking, by=li.user)
                booking_complete(booking=booking, by=li.user, actual_hours=Decimal("2"), allow_early=True)
        if status == WorkOrderStatus.CANCELLED:
            work_order_cancel(work_order=work_order, by=rep)
        if status == WorkOrderStatus.UNFILLED:  # nobody took it and its desired window is over
            now = timezone.now()
            WorkOrder.objects.filter(pk=work_order.pk).update(
                desired_start=now - dt.timedelta(hours=3), desired_end=now - dt.timedelta(hours=1)
            )
        work_order.refresh_from_db()
        assert work_order_status_at(work_order, at=timezone.now()) == status
        return work_order

    return _reach


def _acts(rep):
    return {
        # A window ahead: an unfilled order's own desired window is over.
        "pool": lambda wo: grab_order_services.grab_order_post(
            by=rep, work_order=wo, uplift_percent=50, start=window()[0], end=window()[1]
        ),
        "cancel": lambda wo: work_order_cancel(work_order=wo, by=rep),
    }


@pytest.mark.parametrize("status", WorkOrderStatus.values)
@pytest.mark.parametrize("action", ["pool", "cancel"])
def test_every_status_and_action_goes_by_the_table(reach, rep, wang, status, action):
    work_order = reach(status)
    act = _acts(rep)[action]
    if WORK_ORDER_TRANSITIONS.allows(action, status):
        act(work_order)
        if action == "cancel":
            assert work_order_status_at(work_order, at=timezone.now()) == WORK_ORDER_TRANSITIONS.target("cancel")
        else:
            assert work_order.grab_orders.count() == 1
    elif action == "pool" and status == WorkOrderStatus.STAFFED:
        with pytest.raises(WorkOrderStaffed):  # its own code: the rep books nobody else for it
            act(work_order)
    else:
        with pytest.raises(InvalidState), translation.override("en"):
            act(work_order)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (WorkOrderStatus.CANCELLED, "The work order is already cancelled."),
        (WorkOrderStatus.DONE, "The work order is done; it can no longer be cancelled."),
    ],
)
def test_a_refused_cancel_says_why_for_its_status(reach, rep, status, message):
    work_order = reach(status)
    with translation.override("en"), pytest.raises(InvalidState) as refused:
        work_order_cancel(work_order=work_order, by=rep)
    assert str(refused.value.message) == message


def test_a_refused_pool_names_the_status(reach, rep, wang):
    work_order = reach(WorkOrderStatus.DONE)
    with translation.override("en"), pytest.raises(InvalidState) as refused:
        grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=50)
    assert str(refused.value.message) == "The work order is Done; it can no longer go to the pool."


@pytest.mark.parametrize("status", WorkOrderStatus.values)
def test_the_work_order_page_shows_the_reps_buttons_as_the_table_allows(client, reach, rep, status):
    work_order = reach(status)
    client.force_login(rep)
    page = client.get(reverse("dispatch:work_order", args=[work_order.pk]), **EN).content.decode()
    assert ('data-testid="find-candidates"' in page) == WORK_ORDER_TRANSITIONS.allows("fill", status)
    assert ('data-testid="send-to-pool"' in page) == WORK_ORDER_TRANSITIONS.allows("pool", status)
    assert ('data-testid="cancel-work-order"' in page) == WORK_ORDER_TRANSITIONS.allows("cancel", status)
