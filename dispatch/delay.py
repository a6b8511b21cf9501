"""Delay (延时) and first response (及时响应) of a work order — the rule, once, in Python and as
the ORM expressions lists and real-time control filter and count on.

``lateness = start of the earliest slot-holding booking − desired start``. A work order nobody
holds yet is judged at a moment (``at``: now on pages and in the API, a window's end in
real-time control): it is as late as it has waited, and pending while its desired start has not
come. A cancelled one stopped waiting when it was cancelled. A hotline request's answer both
fills it and is its response. ``dispatch.tests.test_work_order_rules`` holds the two forms equal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Case, ExpressionWrapper, F, FloatField, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, Round
from django.utils.translation import gettext_lazy as _

from dispatch.models import HOLDING_STATUSES, Booking, WorkOrder
from presales.core.db import SecondsBetween

DEFAULT_SLIGHT_LIMIT_HOURS = 48
DEFAULT_RESPONSE_LIMIT_HOURS = 4


class Delay(models.TextChoices):
    PENDING = "pending", _("Pending")
    ON_TIME = "on_time", _("On time")
    SLIGHT = "slight", _("Slight delay")
    SEVERE = "severe", _("Severe delay")


LATE = (Delay.SLIGHT, Delay.SEVERE)


def _seconds(delta: dt.timedelta) -> float:
    # Milliseconds, as the SQL form rounds them: SQLite measures in floating julian days.
    return round(delta.total_seconds(), 3)


def judged_at(*, at: dt.datetime, cancelled_at: dt.datetime | None) -> dt.datetime:
    return min(at, cancelled_at) if cancelled_at else at


def lateness(
    *, desired_start: dt.datetime, first_start: dt.datetime | None, at: dt.datetime, cancelled_at=None
) -> dt.timedelta:
    """How late the work order is (negative when early); an unfilled one is as late as it has waited."""
    return (first_start or judged_at(at=at, cancelled_at=cancelled_at)) - desired_start


def classify_delay(
    *,
    desired_start: dt.datetime,
    first_start: dt.datetime | None,
    slight_limit_hours: int,
    at: dt.datetime,
    cancelled_at: dt.datetime | None = None,
) -> Delay:
    """pending (nobody holds it, desired start not come), on time (lateness ≤ 0), slight (up to
    the solution's limit), severe (beyond it)."""
    late = _seconds(lateness(desired_start=desired_start, first_start=first_start, at=at, cancelled_at=cancelled_at))
    if late <= 0:
        return Delay.ON_TIME if first_start else Delay.PENDING
    return Delay.SLIGHT if late <= slight_limit_hours * 3600 else Delay.SEVERE


def lateness_hours(late: dt.timedelta) -> Decimal:
    """Hours late, two decimals, negative when early (the API's ``lateness_hours``)."""
    return (Decimal(str(_seconds(late))) / 3600).quantize(Decimal("0.01"))


def answered_in_time(*, created_at: dt.datetime, first_response_at: dt.datetime | None, limit_hours: int) -> bool:
    return first_response_at is not None and first_response_at - created_at <= dt.timedelta(hours=limit_hours)


# --- The same rules as ORM expressions, on a WorkOrder queryset -----------------------------


def first_start_expression():
    """The earliest slot-holding booking's start; for a hotline request, its answer."""
    holding = (
        Booking.objects.filter(work_order=OuterRef("pk"), status__in=HOLDING_STATUSES)
        .order_by()
        .values("work_order")
        .annotate(first=Min("start"))
        .values("first")
    )
    return Coalesce(Subquery(holding), F("hotline__answered_at"))


def with_delay(work_orders: models.QuerySet, *, at: dt.datetime) -> models.QuerySet:
    """Annotate ``first_start``, ``late_s`` (seconds) and ``delay`` judged at ``at``."""
    judged = Least(Value(at), Coalesce(F("cancelled_at"), Value(at)))
    limit_s = ExpressionWrapper(F("solution__slight_delay_hours") * 3600.0, output_field=FloatField())
    return work_orders.annotate(first_start=first_start_expression()).annotate(
        late_s=Round(SecondsBetween(Coalesce(F("first_start"), judged), F("desired_start")), 3),
        delay=Case(
            When(Q(late_s__lte=0, first_start__isnull=True), then=Value(Delay.PENDING.value)),
            When(late_s__lte=0, then=Value(Delay.ON_TIME.value)),
            When(late_s__lte=limit_s, then=Value(Delay.SLIGHT.value)),
            default=Value(Delay.SEVERE.value),
            output_field=models.CharField(),
        ),
    )


def answered_in_time_q(limit_hours: int) -> Q:
    """``answered_in_time`` as a filter (needs nothing annotated)."""
    return Q(
        first_response_at__isnull=False,
        first_response_at__lte=F("created_at") + dt.timedelta(hours=limit_hours),
    )


def record_response(*, work_order_id: int, at: dt.datetime) -> None:
    """Keep ``first_response_at`` the earliest response: one conditional update, so concurrent
    acknowledgements and grabs cannot overwrite an earlier one with a later one."""
    WorkOrder.objects.filter(pk=work_order_id).filter(
        Q(first_response_at__isnull=True) | Q(first_response_at__gt=at)
    ).update(first_response_at=at)
