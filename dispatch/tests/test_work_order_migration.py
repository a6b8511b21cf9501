"""Migrating existing data to work orders as requests (dispatch 0011–0013): every booking keeps
its work order and its money; every work order gets the requirements its bookings imply."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from budgeting.models import Budget, LedgerEntry
from budgeting.tests.factories import open_budget
from dispatch.models import HOLDING_STATUSES, Booking, BookingStatus, WorkOrder
from dispatch.services.bookings import (
    booking_acknowledge,
    booking_cancel,
    booking_complete,
    booking_create,
    booking_rate,
)
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from dispatch.tests.test_bookings import NOW
from dispatch.tests.test_bookings import book as book_workshop
from dispatch.tiered.hotline import hotline_answer, hotline_request
from presales.choices import Activity, PresalesStage

BEFORE = [("dispatch", "0010_working_hours_weekday_index")]
HOUR = dt.timedelta(hours=1)


def _day(offset: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 4, 7 + offset, hour, tzinfo=SHANGHAI)


@pytest.fixture
def history(rep, north, solution_a, centre, own):
    """Bookings in every state, a work order held by two engineers over two days, hotline
    requests answered and not — all through the services, dated in April 2026."""
    open_budget(rep, "2026Q2")
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    first, second = (make_engineer(name, region=north, solutions=[solution_a]) for name in ("first", "second"))

    def book(engineer, day, **extra):
        return book_workshop(rep, engineer, opportunity, start=_day(day, 10), end=_day(day, 12), **extra)

    book(first, 0)  # booked
    booking_acknowledge(booking=book(second, 0, desired_start=_day(0, 9)), by=second.user, now=NOW + HOUR)
    booking_cancel(booking=book(first, 1), by=rep, now=NOW)
    done = book(second, 1)
    booking_acknowledge(booking=done, by=second.user, now=NOW + 2 * HOUR)
    booking_complete(booking=done, by=second.user, actual_hours="1.5", now=_day(1, 12))
    rated = book(first, 2)
    booking_acknowledge(booking=rated, by=first.user, now=NOW + 4 * HOUR)
    booking_complete(booking=rated, by=rep, actual_hours="2", now=_day(2, 12))
    booking_rate(booking=rated, by=rep, score=4, now=_day(2, 13))
    two = work_order_create(
        by=rep,
        opportunity=opportunity,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity=Activity.POC,
        desired_start=_day(3, 10),
        desired_end=_day(7, 12),
        engineers_needed=2,
        now=NOW,
    )
    for engineer, day in ((first, 3), (second, 6), (first, 7)):
        booking_create(by=rep, engineer=engineer, work_order=two, start=_day(day, 10), end=_day(day, 12), now=NOW)
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    hotline_answer(
        hotline=hotline_request(by=rep, opportunity=opportunity, question="Scale?", now=NOW),
        by=own.user,
        answer="Yes.",
        now=NOW + 3 * HOUR,
    )
    hotline_request(by=rep, opportunity=opportunity, question="Unanswered?", now=NOW)


def _money_and_links() -> tuple:
    bookings = list(
        Booking.objects.order_by("pk").values_list(
            "pk", "work_order_id", "engineer_id", "status", "start", "end", "hours", "hourly_rate", "cost", "charged"
        )
    )
    budgets = list(Budget.objects.order_by("pk").values_list("pk", "allocated", "reserved", "spent", "overrun"))
    ledger = list(LedgerEntry.objects.order_by("pk").values_list("pk", "kind", "amount", "booking_id"))
    work_orders = list(
        WorkOrder.objects.order_by("pk").values_list("pk", "opportunity_id", "stage", "activity", "desired_start")
    )
    return bookings, budgets, ledger, work_orders


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_migrating_keeps_every_booking_and_its_money_and_fills_each_work_order(history):
    before = _money_and_links()
    statuses = {row[3] for row in before[0]}
    assert statuses == set(BookingStatus.values)
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(BEFORE)
    _migrate(leaves)

    assert _money_and_links() == before
    for work_order in WorkOrder.objects.select_related("opportunity").prefetch_related("bookings"):
        bookings = list(work_order.bookings.all())
        holding = {b.engineer_id for b in bookings if b.status in HOLDING_STATUSES}
        hotline = getattr(work_order, "hotline", None)
        assert work_order.solution_id == (hotline.solution_id if hotline else work_order.opportunity.solution_id)
        assert work_order.engineers_needed == max(1, len(holding))
        assert work_order.desired_end == max([b.end for b in bookings] + [work_order.desired_start + HOUR])
        responses = [b.acknowledged_at for b in bookings if b.acknowledged_at]
        if hotline and hotline.answered_at:
            responses.append(hotline.answered_at)
        assert work_order.first_response_at == (min(responses) if responses else None)
    two = WorkOrder.objects.get(bookings__start=_day(3, 10))
    assert (two.engineers_needed, two.desired_end) == (2, _day(7, 12))
    acknowledged = WorkOrder.objects.get(bookings__status=BookingStatus.ACKNOWLEDGED)
    assert (acknowledged.desired_start, acknowledged.first_response_at) == (_day(0, 9), NOW + HOUR)
