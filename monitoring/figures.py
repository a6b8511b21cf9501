"""The figures of every region × solution cell over a window and the windows before it.

A handful of grouped queries per recompute, whatever the number of cells or work orders: work
orders (volume, delays, timely responses) and ratings are counted by the database, grouped by
region, solution and window; only the engineers' available hours need calendar arithmetic.
Only rows created in the windows are read, so the cost follows recent activity, not history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from dispatch.availability import available_hours
from dispatch.delay import Delay, answered_in_time_q, with_delay
from dispatch.models import Engineer, Rating, WorkOrder
from dispatch.rules.hours import effective_hours_by_engineer
from dispatch.rules.ratings import bad_review_q
from dispatch.work_order_status import WorkOrderStatus, with_status
from monitoring.models import MonitoringPolicy

Cell = tuple[int, int]  # (region id, solution id)


@dataclass
class WindowCounts:
    work_orders: int = 0
    delayed_slight: int = 0
    delayed_severe: int = 0
    responded_in_time: int = 0
    ratings: int = 0
    rating_sum: int = 0
    bad_reviews: int = 0

    @property
    def delayed(self) -> int:
        return self.delayed_slight + self.delayed_severe


@dataclass
class CellFigures:
    """Window 0 is the current one; 1… are the windows before it, for the baseline."""

    windows: list[WindowCounts]
    effective_hours: Decimal = Decimal("0.00")
    available_hours: Decimal = Decimal("0.00")
    engineers: set[int] = field(default_factory=set)
    open_work_orders: int = 0
    unfilled_work_orders: int = 0


def is_midnight(moment: dt.datetime) -> bool:
    """Daily snapshots end at local midnight; live ones at any few minutes."""
    local = timezone.localtime(moment)
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def window_ends(end: dt.datetime, days: int, count: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """[(start, end)] of the current window and the ``count − 1`` before it, newest first."""
    length = dt.timedelta(days=days)
    return [(end - length * (index + 1), end - length * index) for index in range(count)]


def _bucket(field_name: str, windows: list[tuple[dt.datetime, dt.datetime]]) -> Case:
    return Case(
        *(When(**{f"{field_name}__gte": start}, then=Value(index)) for index, (start, _end) in enumerate(windows)),
        default=Value(-1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class EngineerLoad:
    region_id: int
    effective_hours: Decimal
    available_hours: Decimal


@dataclass
class Figures:
    """Every cell's figures, and each active engineer's load in the current window (the cells'
    utilisation sums these, the dashboard's UT table lists them)."""

    cells: dict[Cell, CellFigures]
    engineers: dict[int, EngineerLoad]


def cell_figures(*, end: dt.datetime, policy: MonitoringPolicy | None = None) -> Figures:
    policy = policy or MonitoringPolicy.current()
    windows = window_ends(end, policy.window_days, policy.baseline_windows + 1)
    earliest = windows[-1][0]
    cells: dict[Cell, CellFigures] = defaultdict(lambda: CellFigures([WindowCounts() for _ in windows]))
    _count_work_orders(cells, windows, earliest, end, policy)
    _count_waiting(cells, *windows[0])
    _count_ratings(cells, windows, earliest, end)
    engineers = _utilisation(cells, *windows[0])
    return Figures(cells=cells, engineers=engineers)


def _count_work_orders(figures, windows, earliest, end, policy: MonitoringPolicy) -> None:
    """Work orders created in the windows, in their opportunity's region × their solution, late
    or not as judged at ``end`` (dispatch.delay): open and unfilled ones included."""
    rows = (
        with_delay(WorkOrder.objects.filter(created_at__gte=earliest, created_at__lt=end), at=end)
        .annotate(bucket=_bucket("created_at", windows))
        .values("opportunity__region", "solution", "bucket")
        .annotate(
            volume=Count("pk"),
            slight=Count("pk", filter=Q(delay=Delay.SLIGHT)),
            severe=Count("pk", filter=Q(delay=Delay.SEVERE)),
            timely=Count("pk", filter=answered_in_time_q(policy.response_limit_hours)),
        )
        .order_by()
    )
    for row in rows:
        counts = figures[row["opportunity__region"], row["solution"]].windows[row["bucket"]]
        counts.work_orders = row["volume"]
        counts.delayed_slight, counts.delayed_severe = row["slight"], row["severe"]
        counts.responded_in_time = row["timely"]


# Waiting demand, per figure of a cell: the statuses it counts at the window's end, among work
# orders whose desired window ends in the current window or later. The dashboard links each
# figure to the work-order list filtered by the same statuses and bound (monitoring.views).
WAITING = {
    "open_work_orders": (WorkOrderStatus.OPEN, WorkOrderStatus.PARTIALLY_STAFFED),
    "unfilled_work_orders": (WorkOrderStatus.UNFILLED,),
}


def _count_waiting(figures, start: dt.datetime, end: dt.datetime) -> None:
    """Demand still waiting at ``end``, whenever it was created: work orders open or partially
    staffed, and those whose desired window ended in the current window with nobody booked
    (unfilled). Older unfilled ones are history; the volume figures already counted them."""
    recent = WorkOrder.objects.filter(created_at__lt=end, desired_end__gte=start, cancelled_at__isnull=True)
    rows = (
        with_status(recent, at=end)
        .filter(status__in=[status for statuses in WAITING.values() for status in statuses])
        .values("opportunity__region", "solution")
        .annotate(**{name: Count("pk", filter=Q(status__in=statuses)) for name, statuses in WAITING.items()})
        .order_by()
    )
    for row in rows:
        cell = figures[row["opportunity__region"], row["solution"]]
        cell.open_work_orders, cell.unfilled_work_orders = row["open_work_orders"], row["unfilled_work_orders"]


def _count_ratings(figures, windows, earliest, end) -> None:
    rows = (
        Rating.objects.filter(rated_at__gte=earliest, rated_at__lt=end)
        .annotate(bucket=_bucket("rated_at", windows))
        .values("booking__work_order__opportunity__region", "booking__work_order__solution", "bucket")
        .annotate(count=Count("pk"), total=Sum("score"), bad=Count("pk", filter=bad_review_q()))
        .order_by()
    )
    for row in rows:
        cell = (row["booking__work_order__opportunity__region"], row["booking__work_order__solution"])
        counts = figures[cell].windows[row["bucket"]]
        counts.ratings, counts.rating_sum, counts.bad_reviews = row["count"], row["total"] or 0, row["bad"]


def _utilisation(figures, start: dt.datetime, end: dt.datetime) -> dict[int, EngineerLoad]:
    """UT of each cell: the effective hours of its engineers over their available hours. An
    engineer counts in every cell of their region × solutions. Returns each engineer's load."""
    engineers = Engineer.objects.filter(is_active=True)
    regions = dict(engineers.order_by().values_list("pk", "region_id"))
    worked = effective_hours_by_engineer(start=start, end=end)
    available = available_hours(engineers, start, end)
    loads = {pk: EngineerLoad(region, worked.get(pk, Decimal("0.00")), available[pk]) for pk, region in regions.items()}
    memberships = Engineer.solutions.through.objects.filter(engineer_id__in=engineers.values("pk"))
    for engineer_id, solution_id in memberships.values_list("engineer_id", "solution_id").iterator():
        cell = figures[regions[engineer_id], solution_id]
        cell.engineers.add(engineer_id)
        cell.available_hours += available[engineer_id]
        cell.effective_hours += worked.get(engineer_id, Decimal(0))
    return loads
