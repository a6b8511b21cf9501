"""Opening a work order (资源调度工单): the rep's request, before anyone is booked.

Opening one moves no money. Bookings fill it (dispatch.services.bookings.booking_create with
``work_order``), under the work order's row lock, so however many reps or tabs book at once it
never holds more engineers than it needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dispatch.checks import check_stage, check_window
from dispatch.models import HOLDING_STATUSES, MAX_ENGINEERS_NEEDED, Engineer, WorkOrder, WorkOrderSkill
from presales import access
from presales.core.db import lock
from presales.exceptions import InvalidState, NotFound, ValidationFailed, WorkOrderStaffed
from presales.models import Opportunity, Skill, Solution, User

MAX_SKILLS = 20
MAX_HOURS = Decimal("744")  # a 31-day window around the clock
MAX_NOTE = 2000


def _check_request(
    *,
    skills: list[tuple[Skill, int]],
    engineers_needed: int,
    hours: Decimal | None,
    note: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(engineers_needed, int) or not 1 <= engineers_needed <= MAX_ENGINEERS_NEEDED:
        errors["engineers_needed"] = [_("A work order needs 1 to %(max)s engineers.") % {"max": MAX_ENGINEERS_NEEDED}]
    if len(skills) > MAX_SKILLS:
        errors["skills"] = [_("At most %(max)s skills.") % {"max": MAX_SKILLS}]
    elif len({skill.pk for skill, _level in skills}) != len(skills):
        errors["skills"] = [_("Each skill once.")]
    elif any(not isinstance(level, int) or not 1 <= level <= 5 for _skill, level in skills):
        errors["skills"] = [_("The level is 1 to 5.")]
    if hours is not None and not Decimal(0) < hours <= MAX_HOURS:
        errors["hours"] = [_("Estimated hours are more than 0 and at most 744.")]
    if len(note) > MAX_NOTE:
        errors["note"] = [_("At most 2000 characters.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _hours(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as error:
        raise ValidationFailed(fields={"hours": [_("Give the hours as a number.")]}) from error


def work_order_create(
    *,
    by: User,
    opportunity: Opportunity,
    stage: str,
    activity: str,
    desired_start: dt.datetime,
    desired_end: dt.datetime,
    solution: Solution | None = None,
    skills: Iterable[tuple[Skill, int]] = (),
    resource_type: str = "",
    grade: str = "",
    engineers_needed: int = 1,
    hours=None,
    note: str = "",
    key: str | None = None,
    now: dt.datetime | None = None,
    allow_past: bool = False,
) -> WorkOrder:
    """Open a work order on the rep's own opportunity past qualification.

    Its desired window may start in the past (a request recorded late is late at once) but must
    not be over, unless ``allow_past`` (history being imported). Raises NotFound (not the rep's
    opportunity) or ValidationFailed.
    """
    now = now or timezone.now()
    if not access.owns_opportunity_or_admin(by, opportunity):
        raise NotFound(_("Opportunity not found."))
    check_stage(opportunity, stage, activity)
    check_window(
        desired_start,
        desired_end,
        now=now,
        allow_past=True,
        fields=("desired_start", "desired_end"),
        too_long=_lazy("A desired window lasts at most 31 days."),
    )
    if not allow_past and desired_end <= now:
        raise ValidationFailed(fields={"desired_end": [_("The desired window is already over.")]})
    skills = list(skills)
    hours = _hours(hours)
    note = (note or "").strip()
    _check_request(skills=skills, engineers_needed=engineers_needed, hours=hours, note=note)
    work_order = WorkOrder(
        key=key,
        opportunity=opportunity,
        stage=stage,
        activity=activity,
        solution=solution or opportunity.solution,
        resource_type=resource_type or "",
        grade=grade or "",
        engineers_needed=engineers_needed,
        desired_start=desired_start,
        desired_end=desired_end,
        hours=hours,
        note=note,
        created_at=now,
        created_by=by,
    )
    work_order._history_user = by
    # Every refusal is raised above, before this block: inside booking_create's transaction a
    # savepoint would only cost each board booking two more statements.
    with transaction.atomic(savepoint=False):
        work_order.save()
        WorkOrderSkill.objects.bulk_create(
            WorkOrderSkill(work_order=work_order, skill=skill, min_level=level) for skill, level in skills
        )
    return work_order


def lock_work_order(work_order: WorkOrder) -> WorkOrder:
    """The work order's row, locked until the transaction ends: the bookings filling one work
    order are serialised here (the IMMEDIATE transaction on SQLite)."""
    try:
        return lock(WorkOrder.objects.select_related("opportunity__owner", "solution"), pk=work_order.pk)
    except WorkOrder.DoesNotExist as error:
        raise NotFound(_("Work order not found.")) from error


def holding_engineer_ids(work_order: WorkOrder) -> set[int]:
    return set(work_order.bookings.filter(status__in=HOLDING_STATUSES).order_by().values_list("engineer_id", flat=True))


def check_fillable(work_order: WorkOrder, engineer: Engineer) -> None:
    """Under the work order's lock: refuse a booking of a cancelled or completed work order, or
    of another engineer once it has all it needs (the same engineer may add days)."""
    if work_order.cancelled_at is not None:
        raise InvalidState(_("The work order is cancelled."))
    holding = holding_engineer_ids(work_order)
    if engineer.pk not in holding and len(holding) >= work_order.engineers_needed:
        raise WorkOrderStaffed()
