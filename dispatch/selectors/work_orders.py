"""Reading work orders: who sees which, each with its status and delay judged at a moment, and
the engineers who could fill one.

Every list is one query plus one per prefetched relation, whatever its length: status, delay
and lateness are SQL (dispatch.work_order_status, dispatch.delay).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dispatch.availability import overlapping
from dispatch.calendar import local_pieces
from dispatch.delay import with_delay
from dispatch.models import HOLDING_STATUSES, Booking, Engineer, TimeOff, WorkOrder
from dispatch.selectors.engineers import engineer_search
from dispatch.work_order_status import with_status
from presales.models import User


def with_state(work_orders: QuerySet[WorkOrder], *, at: dt.datetime) -> QuerySet[WorkOrder]:
    """Status, delay, lateness and first start at ``at``, and what a row shows, prefetched."""
    holding = Booking.objects.filter(status__in=HOLDING_STATUSES).select_related("engineer__user").order_by("start")
    return (
        with_status(with_delay(work_orders, at=at), at=at)
        .select_related("opportunity__owner", "opportunity__region", "opportunity__customer", "solution")
        .prefetch_related("skills__skill", Prefetch("bookings", queryset=holding, to_attr="holding_bookings"))
    )


def work_order_list(
    *,
    user: User,
    opportunity=None,
    owner: User | None = None,
    status: str | Collection[str] | None = None,
    region=None,
    solution=None,
    delay: str | None = None,
    desired_end_from: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> QuerySet[WorkOrder]:
    """The work orders ``user`` may see, filtered, newest first; status and delay filter in SQL.

    ``status`` is one status or several (any of them); ``owner`` narrows to the work orders of
    that rep's opportunities (My work orders); ``desired_end_from`` keeps those whose desired
    window ends then or later, as the dashboard bounds its waiting demand."""
    qs = with_state(WorkOrder.objects.restrict(user), at=at or timezone.now())
    if opportunity is not None:
        qs = qs.filter(opportunity=opportunity)
    if owner is not None:
        qs = qs.filter(opportunity__owner=owner)
    if region is not None:
        qs = qs.filter(opportunity__region=region)
    if solution is not None:
        qs = qs.filter(solution=solution)
    if status:
        # status and delay are with_state's annotations, which the plugin does not see through it.
        qs = qs.filter(status__in=[status] if isinstance(status, str) else status)  # type: ignore[misc]
    if delay:
        qs = qs.filter(delay=delay)  # type: ignore[misc]
    if desired_end_from is not None:
        qs = qs.filter(desired_end__gte=desired_end_from)
    return qs.order_by("-created_at", "-pk")


def _fits_one_local_day(work_order: WorkOrder) -> bool:
    tz = timezone.get_current_timezone()
    return len(local_pieces(work_order.desired_start, work_order.desired_end, tz)) == 1


def work_order_candidates(*, work_order: WorkOrder, now: dt.datetime | None = None) -> QuerySet[Engineer]:
    """Engineers meeting its requirements and free for its desired window, ranked as the search.

    A window within one working day asks for the whole of it inside working hours, as the
    search does; a window over several days (a five-day POC) asks for nothing else planned in
    it — no booking, no time off — since the nights between its days are nobody's working hours.
    Only engineers tiered support allows on the opportunity are offered.
    """
    skills = [(required.skill, required.min_level) for required in work_order.skills.select_related("skill")]
    one_day = _fits_one_local_day(work_order)
    window: dict[str, Any] = (
        {"free_from": work_order.desired_start, "free_to": work_order.desired_end} if one_day else {}
    )
    engineers = engineer_search(
        solution=work_order.solution,
        skill_levels=skills,
        resource_type=work_order.resource_type or None,
        grade=work_order.grade or None,
        preferred_regions=[work_order.opportunity.region],
        opportunity=work_order.opportunity,
        eligible_only=True,
        now=now,
        **window,
    )
    if not one_day:
        start, end = work_order.desired_start, work_order.desired_end
        busy = overlapping(Booking.objects.filter(status__in=HOLDING_STATUSES), start, end)
        away = overlapping(TimeOff.objects.all(), start, end)
        engineers = engineers.exclude(pk__in=busy.values("engineer_id")).exclude(pk__in=away.values("engineer_id"))
    return engineers


def rep_work_orders(*, user: User) -> QuerySet[WorkOrder]:
    """The work orders ``user`` fills as the owner of their opportunity: the ones a rep's pages
    book for, send to the pool and cancel. Anyone else's answers 404."""
    return WorkOrder.objects.restrict(user).filter(opportunity__owner=user)
