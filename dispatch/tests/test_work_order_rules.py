"""The work-order rules hold the same in Python and in SQL: delay (pending / on time / slight /
severe, lateness), status and timely response, on generated work orders judged at generated
moments — boundaries (exactly at the limit, exactly at the desired start or end) included."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgeting.tests.factories import open_budget
from dispatch.delay import Delay, answered_in_time, answered_in_time_q, classify_delay, lateness, with_delay
from dispatch.models import HOLDING_STATUSES, OPEN_STATUSES, Booking, BookingStatus, HotlineRequest, WorkOrder
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.work_order_status import WorkOrderStatus, with_status, work_order_status
from presales.choices import Activity, PresalesStage

T0 = dt.datetime(2026, 5, 4, 2, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
# Offsets in hours from T0 on a 12-hour grid, so generated moments often coincide exactly with a
# desired start, a desired end or the 48-hour slight limit — where a boundary slip would show.
offsets = st.integers(min_value=-6, max_value=6).map(lambda steps: steps * 12)
booking = st.tuples(offsets, st.sampled_from([*BookingStatus]), st.integers(min_value=0, max_value=2))
work_order = st.fixed_dictionaries(
    {
        "desired": offsets,
        "length": st.sampled_from([1, 12, 24, 48]),
        "needed": st.integers(min_value=1, max_value=3),
        "bookings": st.lists(booking, max_size=4),
        "cancelled": st.none() | offsets,
        "response": st.none() | st.integers(min_value=0, max_value=8),
    }
)


def _python_view(order: WorkOrder, at: dt.datetime):
    bookings = list(Booking.objects.filter(work_order=order))
    holding = [b for b in bookings if b.status in HOLDING_STATUSES]
    first_start = min((b.start for b in holding), default=None)
    delay = classify_delay(
        desired_start=order.desired_start,
        first_start=first_start,
        slight_limit_hours=order.solution.slight_delay_hours,
        at=at,
        cancelled_at=order.cancelled_at,
    )
    status = work_order_status(
        cancelled=order.cancelled_at is not None,
        engineers_booked=len({b.engineer_id for b in holding}),
        open_bookings=sum(b.status in OPEN_STATUSES for b in holding),
        engineers_needed=order.engineers_needed,
        desired_end=order.desired_end,
        hotline_answered=HotlineRequest.objects.filter(work_order=order, answered_at__isnull=False).exists(),
        at=at,
    )
    late = lateness(desired_start=order.desired_start, first_start=first_start, at=at, cancelled_at=order.cancelled_at)
    timely = answered_in_time(created_at=order.created_at, first_response_at=order.first_response_at, limit_hours=4)
    return delay, status, round(late.total_seconds(), 3), timely


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(work_order, min_size=1, max_size=6), moments=st.lists(offsets, min_size=1, max_size=3))
def test_python_and_sql_agree(north, solution_a, rep, orders, moments):
    with transaction.atomic():
        solution_a.slight_delay_hours = 48
        solution_a.save()
        budget = open_budget(rep, "2026Q2")
        opportunity = make_opportunity(rep, region=north, solution=solution_a)
        engineers = [make_engineer(f"e{n}", region=north) for n in range(3)]
        for spec in orders:
            desired = T0 + spec["desired"] * HOUR
            order = WorkOrder.objects.create(
                opportunity=opportunity,
                stage=PresalesStage.VALUE_PRESENTATION,
                activity=Activity.WORKSHOP,
                solution=solution_a,
                engineers_needed=spec["needed"],
                desired_start=desired,
                desired_end=desired + spec["length"] * HOUR,
                created_at=desired - 10 * HOUR,
                cancelled_at=None if spec["cancelled"] is None else T0 + spec["cancelled"] * HOUR,
                first_response_at=None if spec["response"] is None else desired - 10 * HOUR + spec["response"] * HOUR,
            )
            for offset, status, engineer in spec["bookings"]:
                start = T0 + offset * HOUR
                taken = Booking.objects.filter(engineer=engineers[engineer], status__in=HOLDING_STATUSES, start=start)
                if status in HOLDING_STATUSES and taken.exists():
                    continue  # the exclusion constraint would refuse it
                Booking.objects.create(
                    work_order=order,
                    engineer=engineers[engineer],
                    budget=budget,
                    stage=order.stage,
                    activity=order.activity,
                    start=start,
                    end=start + HOUR,
                    status=status,
                    hours=Decimal(1),
                    hourly_rate=Decimal(500),
                    cost=Decimal(500),
                )
        for moment in moments:
            at = T0 + moment * HOUR
            in_sql = with_status(with_delay(WorkOrder.objects.filter(opportunity=opportunity), at=at), at=at)
            timely = set(WorkOrder.objects.filter(answered_in_time_q(4)).values_list("pk", flat=True))
            for order in in_sql.select_related("solution"):
                expected = _python_view(order, at)
                assert (Delay(order.delay), WorkOrderStatus(order.status), order.late_s, order.pk in timely) == (
                    expected
                ), (order.pk, at)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("hours_late", "expected"),
    [(-1, Delay.PENDING), (0, Delay.PENDING), (1, Delay.SLIGHT), (48, Delay.SLIGHT), (49, Delay.SEVERE)],
)
def test_an_order_nobody_holds_is_late_by_how_long_it_waited(hours_late, expected):
    at = T0 + hours_late * HOUR
    assert classify_delay(desired_start=T0, first_start=None, slight_limit_hours=48, at=at) == expected


def test_a_cancelled_order_stopped_waiting_when_it_was_cancelled():
    # Cancelled 3 h after its desired start and judged a week later: 3 h late, slight; cancelled
    # before its desired start: never late.
    later = T0 + dt.timedelta(days=7)
    assert (
        classify_delay(desired_start=T0, first_start=None, slight_limit_hours=48, at=later, cancelled_at=T0 + 3 * HOUR)
        == Delay.SLIGHT
    )
    assert (
        classify_delay(desired_start=T0, first_start=None, slight_limit_hours=48, at=later, cancelled_at=T0 - HOUR)
        == Delay.PENDING
    )


def test_status_follows_the_engineers_holding_it():
    common = {"cancelled": False, "desired_end": T0, "hotline_answered": False, "at": T0 - HOUR}
    assert work_order_status(engineers_booked=0, open_bookings=0, engineers_needed=2, **common) == "open"
    assert work_order_status(engineers_booked=1, open_bookings=1, engineers_needed=2, **common) == "partially_staffed"
    assert work_order_status(engineers_booked=2, open_bookings=2, engineers_needed=2, **common) == "staffed"
    assert work_order_status(engineers_booked=2, open_bookings=0, engineers_needed=2, **common) == "done"
    over = common | {"at": T0}
    assert work_order_status(engineers_booked=0, open_bookings=0, engineers_needed=1, **over) == "unfilled"
    assert work_order_status(engineers_booked=1, open_bookings=0, engineers_needed=2, **over) == "done"
    assert work_order_status(
        engineers_booked=1, open_bookings=1, engineers_needed=1, **common | {"cancelled": True}
    ) == ("cancelled")
