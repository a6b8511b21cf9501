"""The status of a work order, derived from its bookings at a moment — in Python and as the ORM
expression lists and the dashboard filter on (held equal by dispatch.tests.test_work_order_rules).

- ``cancelled``: the rep called it off;
- ``open``: nobody holds it yet and its desired end has not passed; ``unfilled`` once it has;
- ``partially_staffed``: fewer engineers hold it than it needs;
- ``staffed``: as many as it needs (one engineer on several days is one engineer);
- ``done``: every holding booking is completed — once staffed, or once its desired window is
  over with whoever worked on it. A hotline request is done when it is answered.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dispatch.models import HOLDING_STATUSES, OPEN_STATUSES, Booking, WorkOrder
from presales.core.transitions import Transitions, step


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_STAFFED = "partially_staffed", _("Partially staffed")
    STAFFED = "staffed", _("Staffed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    UNFILLED = "unfilled", _("Unfilled")


# A rep can still book engineers for these, or send them to the grab pool.
FILLABLE = (WorkOrderStatus.OPEN, WorkOrderStatus.PARTIALLY_STAFFED, WorkOrderStatus.UNFILLED)

# What the rep may do with a work order in each (derived) status: services enforce it with
# ``require_status`` on the status read under the work order's lock, pages read ``allows``.
# Booking one more day for an engineer already on a staffed order is ``check_fillable``'s.
WORK_ORDER_TRANSITIONS = Transitions(
    None,
    {
        "fill": step(FILLABLE),
        "pool": step(FILLABLE, refusal=_("The work order is %(status)s; it can no longer go to the pool.")),
        "cancel": step(
            [*FILLABLE, WorkOrderStatus.STAFFED],
            WorkOrderStatus.CANCELLED,
            refusal={
                WorkOrderStatus.CANCELLED: _("The work order is already cancelled."),
                WorkOrderStatus.DONE: _("The work order is done; it can no longer be cancelled."),
            },
        ),
    },
)


def work_order_status(
    *,
    cancelled: bool,
    engineers_booked: int,
    open_bookings: int,
    engineers_needed: int,
    desired_end: dt.datetime,
    hotline_answered: bool,
    at: dt.datetime,
) -> WorkOrderStatus:
    if cancelled:
        return WorkOrderStatus.CANCELLED
    over = desired_end <= at
    if engineers_booked == 0:
        if hotline_answered:
            return WorkOrderStatus.DONE
        return WorkOrderStatus.UNFILLED if over else WorkOrderStatus.OPEN
    staffed = engineers_booked >= engineers_needed
    if open_bookings == 0 and (staffed or over):
        return WorkOrderStatus.DONE
    return WorkOrderStatus.STAFFED if staffed else WorkOrderStatus.PARTIALLY_STAFFED


def _count(filter_q: Q, expression):
    rows = (
        Booking.objects.filter(filter_q, work_order=OuterRef("pk"))
        .order_by()
        .values("work_order")
        .annotate(n=expression)
        .values("n")
    )
    return Coalesce(Subquery(rows), Value(0))


def engineers_booked_expression():
    """How many different engineers hold one of its bookings."""
    return _count(Q(status__in=HOLDING_STATUSES), Count("engineer", distinct=True))


def with_status(work_orders: models.QuerySet, *, at: dt.datetime) -> models.QuerySet:
    """Annotate ``engineers_booked``, ``open_bookings`` and ``status`` at ``at``."""
    over = Q(desired_end__lte=at)
    nobody = Q(engineers_booked=0)
    staffed = Q(engineers_booked__gte=F("engineers_needed"))
    return work_orders.annotate(
        engineers_booked=engineers_booked_expression(),
        open_bookings=_count(Q(status__in=OPEN_STATUSES), Count("pk")),
    ).annotate(
        status=Case(
            When(cancelled_at__isnull=False, then=Value(WorkOrderStatus.CANCELLED.value)),
            When(nobody & Q(hotline__answered_at__isnull=False), then=Value(WorkOrderStatus.DONE.value)),
            When(nobody & over, then=Value(WorkOrderStatus.UNFILLED.value)),
            When(nobody, then=Value(WorkOrderStatus.OPEN.value)),
            When(Q(open_bookings=0) & (staffed | over), then=Value(WorkOrderStatus.DONE.value)),
            When(staffed, then=Value(WorkOrderStatus.STAFFED.value)),
            default=Value(WorkOrderStatus.PARTIALLY_STAFFED.value),
            output_field=models.CharField(),
        )
    )


def work_order_status_at(work_order: WorkOrder, *, at: dt.datetime) -> WorkOrderStatus:
    """One work order's status at ``at``, by the SQL form (one query, whatever its bookings)."""
    status = with_status(WorkOrder.objects.filter(pk=work_order.pk), at=at).values_list("status", flat=True).get()
    return WorkOrderStatus(status)


def require_work_order(work_order: WorkOrder, action: str, *, at: dt.datetime) -> WorkOrderStatus:
    """Refuse ``action`` unless the work order's status at ``at`` allows it (call under its
    lock); returns that status."""
    status = work_order_status_at(work_order, at=at)
    WORK_ORDER_TRANSITIONS.require_status(action, status, status.label)
    return status
