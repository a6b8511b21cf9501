"""The grab-order life cycle: post (and invite), ask, grab, confirm, reject, cancel, expire.

The claim is a conditional update (``status = open`` → ``grabbed``) whose row count decides
the one winner, backed by the check constraint "winner iff grabbed" and by a partial unique
index on the winning invitation. ``.update()`` writes no history row, so each claim saves the
order once more to record who grabbed it and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from dispatch.availability import overlapping, unavailability
from dispatch.checks import check_stage, check_window
from dispatch.delay import record_response
from dispatch.models import Booking, Engineer, WorkOrder
from dispatch.rules.uplift import uplift_refused, valid_uplift
from dispatch.selectors.engineers import engineer_search
from dispatch.services.bookings import booking_create, lock_engineer
from dispatch.services.work_orders import check_fillable, lock_work_order, work_order_create
from dispatch.work_order_status import WORK_ORDER_TRANSITIONS, WorkOrderStatus, work_order_status_at
from grabbing.models import (
    GRAB_ORDER_TRANSITIONS,
    INVITATION_TRANSITIONS,
    GrabOrder,
    GrabOrderStatus,
    Invitation,
    InvitationStatus,
    Question,
)
from grabbing.selectors.grab_orders import grab_order_list
from grabbing.tasks import notify_grabbed, notify_invited
from presales import access
from presales.core.db import lock
from presales.core.outbox import enqueue
from presales.exceptions import (
    AlreadyGrabbed,
    InvalidState,
    NobodyInScope,
    NotFound,
    PermissionDenied,
    SlotUnavailable,
    ValidationFailed,
    WorkOrderStaffed,
)
from presales.models import Opportunity, Region, Skill, Solution, User

MAX_QUESTION = 2000


def grab_order_invitees(
    *,
    solution: Solution,
    skills: Sequence[Skill] = (),
    min_level: int | None = None,
    skill_levels: Sequence[tuple[Skill, int]] = (),
    start: dt.datetime,
    end: dt.datetime,
    scope_regions: Sequence[Region],
    scope_grades: Sequence[str],
    opportunity: Opportunity | None = None,
    now: dt.datetime | None = None,
):
    """Active engineers in scope who match and are free for the whole window (the search's SQL).

    No regions (or grades) in the scope means every region (grade): the widest scope. With
    ``opportunity`` only engineers eligible for it under tiered support are invited, since
    only they could be booked when the order is confirmed.
    """
    engineers = engineer_search(
        solution=solution,
        skills=skills,
        min_level=min_level,
        skill_levels=skill_levels,
        free_from=start,
        free_to=end,
        opportunity=opportunity,
        eligible_only=opportunity is not None,
        now=now,
    )
    if scope_regions:
        engineers = engineers.filter(region__in=list(scope_regions))
    if scope_grades:
        engineers = engineers.filter(grade__in=list(scope_grades))
    return engineers


@dataclass
class _Call:
    """A grab order's terms once the work order's defaults are filled in, checked, not yet written."""

    work_order: WorkOrder | None
    opportunity: Opportunity
    stage: str
    activity: str
    solution: Solution
    skill_levels: list[tuple[Skill, int]]
    min_level: int | None
    start: dt.datetime
    end: dt.datetime
    uplift_percent: int
    scope_regions: list[Region]
    scope_grades: list[str]
    note: str

    def invitee_ids(self, now: dt.datetime) -> list[int]:
        invitees = grab_order_invitees(
            solution=self.solution,
            skill_levels=self.skill_levels,
            min_level=self.min_level if not self.skill_levels else None,
            start=self.start,
            end=self.end,
            scope_regions=self.scope_regions,
            scope_grades=self.scope_grades,
            opportunity=self.opportunity,
            now=now,
        )
        return list(invitees.order_by().values_list("pk", flat=True))


def _required(**values) -> None:
    missing = {name: [_("This field is required.")] for name, value in values.items() if value in (None, "")}
    if missing:
        raise ValidationFailed(fields=missing)


def _fillable(work_order: WorkOrder, *, by: User, now: dt.datetime) -> WorkOrder:
    """The rep's own work order, locked, still to be filled: a cancelled, staffed or done one is refused."""
    work_order = lock_work_order(work_order)
    if work_order.opportunity.owner_id != by.pk:
        raise NotFound(_("Work order not found."))
    status = work_order_status_at(work_order, at=now)
    if status == WorkOrderStatus.STAFFED:
        raise WorkOrderStaffed()
    WORK_ORDER_TRANSITIONS.require_status("pool", status, status.label)
    return work_order


def _call(
    *,
    by: User,
    work_order: WorkOrder | None,
    opportunity: Opportunity | None,
    stage: str | None,
    activity: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    uplift_percent: int,
    solution: Solution | None,
    skills: Sequence[Skill] | None,
    min_level: int | None,
    scope_regions: Sequence[Region],
    scope_grades: Sequence[str],
    note: str | None,
    now: dt.datetime,
) -> _Call:
    """Fill in the work order's defaults and check the terms; nothing is written."""
    skill_levels: list[tuple[Skill, int]] = []
    if work_order is not None:
        work_order = _fillable(work_order, by=by, now=now)
        if opportunity is not None and opportunity.pk != work_order.opportunity_id:
            raise ValidationFailed(fields={"opportunity": [_("The work order is on another opportunity.")]})
        opportunity = work_order.opportunity
        stage, activity = stage or work_order.stage, activity or work_order.activity
        solution = solution or work_order.solution
        start, end = start or work_order.desired_start, end or work_order.desired_end
        if skills is None and min_level is None:  # the work order's own skills, each at its level
            skill_levels = [(row.skill, row.min_level) for row in work_order.skills.select_related("skill")]
            min_level = min((level for _skill, level in skill_levels), default=None)
        if note is None:
            note = work_order.note
    _required(opportunity=opportunity, stage=stage, activity=activity, start=start, end=end)
    # _required refused any of them missing.
    opportunity, stage, activity = cast(Opportunity, opportunity), cast(str, stage), cast(str, activity)
    start, end = cast(dt.datetime, start), cast(dt.datetime, end)
    if not skill_levels:
        skill_levels = [(skill, min_level or 1) for skill in skills or ()]
    if opportunity.owner_id != by.pk:
        raise NotFound(_("Opportunity not found."))
    check_window(start, end, now=now, allow_past=False)
    check_stage(opportunity, stage, activity)
    errors = {}
    if not valid_uplift(uplift_percent):
        errors.update(uplift_refused())
    if min_level is not None and not 1 <= min_level <= 5:
        errors["min_level"] = [_("The level is 1 to 5.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return _Call(
        work_order=work_order,
        opportunity=opportunity,
        stage=stage,
        activity=activity,
        solution=solution or opportunity.solution,
        skill_levels=skill_levels,
        min_level=min_level,
        start=start,
        end=end,
        uplift_percent=uplift_percent,
        scope_regions=list(scope_regions),
        scope_grades=sorted(set(scope_grades)),
        note=(note or "").strip(),
    )


@transaction.atomic
def grab_order_preview(*, by: User, now: dt.datetime | None = None, **terms) -> int:
    """How many engineers a grab order with these terms would invite; nothing is written.

    The same terms and checks as ``grab_order_post`` (a bad term raises as posting would)."""
    now = now or timezone.now()
    return len(_call(by=by, now=now, **_terms(terms)).invitee_ids(now))


def _terms(terms: dict) -> dict:
    defaults = {
        "work_order": None,
        "opportunity": None,
        "stage": None,
        "activity": None,
        "start": None,
        "end": None,
        "uplift_percent": 0,
        "solution": None,
        "skills": None,
        "min_level": None,
        "scope_regions": (),
        "scope_grades": (),
        "note": None,
    }
    unknown = set(terms) - set(defaults)
    if unknown:
        raise TypeError(f"unknown grab-order terms: {sorted(unknown)}")
    return defaults | terms


@transaction.atomic
def grab_order_post(
    *,
    by: User,
    uplift_percent: int,
    work_order: WorkOrder | None = None,
    opportunity: Opportunity | None = None,
    stage: str | None = None,
    activity: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    solution: Solution | None = None,
    skills: Sequence[Skill] | None = None,
    min_level: int | None = None,
    scope_regions: Sequence[Region] = (),
    scope_grades: Sequence[str] = (),
    note: str | None = None,
    now: dt.datetime | None = None,
) -> GrabOrder:
    """Post a grab order for a work order and invite every free matching engineer in scope.

    With ``work_order`` (the rep's own, still to be filled; locked meanwhile) its opportunity,
    stage, activity, solution, skills with their levels, desired window and note are the
    defaults; without one a work order is opened for the order (``work_order_create``). An order
    that would invite nobody raises NobodyInScope, and nothing is written — no work order either.
    The invitations are the in-app notice; the emails go out after commit.
    """
    now = now or timezone.now()
    call = _call(
        by=by,
        work_order=work_order,
        opportunity=opportunity,
        stage=stage,
        activity=activity,
        start=start,
        end=end,
        uplift_percent=uplift_percent,
        solution=solution,
        skills=skills,
        min_level=min_level,
        scope_regions=scope_regions,
        scope_grades=scope_grades,
        note=note,
        now=now,
    )
    engineer_ids = call.invitee_ids(now)
    if not engineer_ids:
        raise NobodyInScope()
    if call.work_order is None:
        call.work_order = work_order_create(
            by=by,
            opportunity=call.opportunity,
            stage=call.stage,
            activity=call.activity,
            desired_start=call.start,
            desired_end=call.end,
            solution=call.solution,
            skills=call.skill_levels,
            note=call.note,
            now=now,
        )
    order = GrabOrder(
        work_order=call.work_order,
        opportunity=call.opportunity,
        stage=call.stage,
        activity=call.activity,
        solution=call.solution,
        min_level=call.min_level,
        start=call.start,
        end=call.end,
        uplift_percent=call.uplift_percent,
        scope_grades=call.scope_grades,
        note=call.note,
        posted_at=now,
        posted_by=by,
    )
    order._history_user = by
    order.save()
    order.skills.set([skill for skill, _level in call.skill_levels])
    order.scope_regions.set(call.scope_regions)
    bulk_create_with_history(
        [Invitation(grab_order=order, engineer_id=pk, invited_at=now) for pk in engineer_ids],
        Invitation,
        default_user=by,
    )
    # What grabbing.selectors.grab_orders annotates, which the stubs know only on its querysets.
    order.invited = len(engineer_ids)  # type: ignore[attr-defined]
    enqueue(notify_invited, order.pk)
    return order


def _locked(order: GrabOrder) -> GrabOrder:
    return lock(GrabOrder.objects.select_related("opportunity__owner", "winner__user"), pk=order.pk)


def _require_owner(order: GrabOrder, by: User) -> None:
    if access.owns_opportunity_or_admin(by, order.opportunity):
        return
    # Who may see the order (an invited engineer, the region's manager) is refused; anyone else
    # learns nothing of it, as for an order that does not exist.
    if grab_order_list(user=by).filter(pk=order.pk).exists():
        raise PermissionDenied(_("Only the rep who posted the grab order decides on it."))
    raise NotFound(_("Grab order not found."))


def _locked_for_owner(grab_order: GrabOrder, by: User, action: str) -> GrabOrder:
    """The order locked, for its rep's decision ``action``: refused to anyone else, and unless
    its status allows it."""
    order = _locked(grab_order)
    _require_owner(order, by)
    GRAB_ORDER_TRANSITIONS.require(order, action)
    return order


def _close_invitations(order: GrabOrder, action: str) -> None:
    """Its invitations ``action`` (close, call_off) applies to get that action's status."""
    Invitation.objects.filter(grab_order=order, status__in=INVITATION_TRANSITIONS.sources(action)).update(
        status=INVITATION_TRANSITIONS.target(action)
    )


def _record(order: GrabOrder, by: User | None, fields: list[str]) -> None:
    order._history_user = by
    order.save(update_fields=fields)


def _own_invitation(order: GrabOrder, by: User) -> Invitation:
    """The caller's live invitation to the order; none (or a withdrawn one) is a 404."""
    invitation = (
        Invitation.objects.select_related("engineer__user")
        .filter(grab_order=order, engineer__user=by)
        .exclude(status=InvitationStatus.WITHDRAWN)
        .first()
    )
    if invitation is None:
        raise NotFound(_("Grab order not found."))
    return invitation


def grab_order_grab(*, grab_order: GrabOrder, by: User, now: dt.datetime | None = None) -> GrabOrder:
    """An invited engineer grabs the order: the first one wins, every later one is refused.

    The engineer's row is locked (as a booking would lock it) while their freedom is checked, so
    nothing books them in between; the order is claimed by a conditional update.
    """
    now = now or timezone.now()
    invitation = _own_invitation(grab_order, by)
    with transaction.atomic():
        # The work order first, as everything filling it (bookings, confirmations) locks it.
        work_order = lock_work_order(WorkOrder(pk=grab_order.work_order_id))
        engineer = lock_engineer(invitation.engineer)
        # Read after taking the lock: a grab that waited sees the winner's commit.
        current = GrabOrder.objects.get(pk=grab_order.pk)
        if current.status in (GrabOrderStatus.GRABBED, GrabOrderStatus.CONFIRMED):
            raise AlreadyGrabbed()
        GRAB_ORDER_TRANSITIONS.require(current, "grab")
        if current.start <= now:
            raise InvalidState(_("The grab order has already started."))
        check_fillable(work_order, engineer)  # cancelled, or staffed by others meanwhile
        reason = unavailability(engineer, current.start, current.end)
        if reason:
            raise SlotUnavailable(reason)
        # Another order they hold at that time would make its confirmation fail later: refuse now.
        if overlapping(
            GrabOrder.objects.filter(winner=engineer, status=GrabOrderStatus.GRABBED), current.start, current.end
        ).exists():
            raise SlotUnavailable(_("You already grabbed another order at that time."))
        claimed = GrabOrder.objects.filter(pk=current.pk, status__in=GRAB_ORDER_TRANSITIONS.sources("grab")).update(
            status=GrabOrderStatus.GRABBED, winner=engineer, grabbed_at=now
        )
        if claimed != 1:
            raise AlreadyGrabbed()
        # Conditional too: a rejection that withdrew this invitation while we waited for the
        # order's row lock has committed by now, and this statement sees it.
        if not Invitation.objects.filter(pk=invitation.pk, status__in=INVITATION_TRANSITIONS.sources("win")).update(
            status=InvitationStatus.WON
        ):
            raise NotFound(_("Grab order not found."))
        invitation.status = InvitationStatus.WON
        invitation._history_user = by
        invitation.save(update_fields=["status"])  # .update() wrote no history row
        order = GrabOrder.objects.select_related("opportunity__owner", "winner__user").get(pk=current.pk)
        _record(order, by, ["status", "winner", "grabbed_at"])
        record_response(work_order_id=work_order.pk, at=now)  # the first grab is the first response
        enqueue(notify_grabbed, order.pk)
    return order


def grab_order_confirm(*, grab_order: GrabOrder, by: User, now: dt.datetime | None = None) -> Booking:
    """The rep books the grabbing engineer on the order's work order at the uplifted cost, in one
    transaction.

    A refusal from the booking service (BudgetExceeded, SlotUnavailable) rolls everything back:
    the order stays grabbed and nothing is reserved.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The work order before the grab order, in the order a grab takes them.
        lock_work_order(WorkOrder(pk=grab_order.work_order_id))
        order = _locked_for_owner(grab_order, by, "confirm")
        booking = booking_create(
            by=by,
            engineer=cast(Engineer, order.winner),  # a grabbed order has its winner
            work_order=order.work_order,
            stage=order.stage,
            activity=order.activity,
            start=order.start,
            end=order.end,
            note=order.note,
            uplift_percent=order.uplift_percent,
            now=now,
        )
        order.status = GrabOrderStatus.CONFIRMED
        order.booking = booking
        order.confirmed_at, order.confirmed_by = now, by
        _record(order, by, ["status", "booking", "confirmed_at", "confirmed_by"])
        _close_invitations(order, "close")
    return booking


@transaction.atomic
def grab_order_reject(*, grab_order: GrabOrder, by: User, now: dt.datetime | None = None) -> GrabOrder:
    """The rep turns the grabbing engineer down: their invitation is withdrawn, the order reopens."""
    now = now or timezone.now()
    order = _locked_for_owner(grab_order, by, "reject")
    invitation = Invitation.objects.get(grab_order=order, engineer=order.winner)
    invitation.status, invitation.withdrawn_at, invitation.withdrawn_by = InvitationStatus.WITHDRAWN, now, by
    invitation._history_user = by
    invitation.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])
    order.status, order.winner, order.grabbed_at = GrabOrderStatus.OPEN, None, None
    order.rejected_at, order.rejected_by = now, by
    _record(order, by, ["status", "winner", "grabbed_at", "rejected_at", "rejected_by"])
    return order


@transaction.atomic
def grab_order_cancel(*, grab_order: GrabOrder, by: User, now: dt.datetime | None = None) -> GrabOrder:
    """The rep calls the order off while nobody has grabbed it."""
    now = now or timezone.now()
    order = _locked_for_owner(grab_order, by, "cancel")
    order.status, order.cancelled_at, order.cancelled_by = GrabOrderStatus.CANCELLED, now, by
    _record(order, by, ["status", "cancelled_at", "cancelled_by"])
    _close_invitations(order, "close")
    return order


def grab_orders_call_off(*, work_order: WorkOrder, by: User, now: dt.datetime) -> int:
    """Its work order was cancelled: each of its grab orders still open or grabbed is cancelled
    and its invitations closed (the grabbing engineer's too), inside the cancelling transaction.
    Returns how many were called off."""
    called_off = 0
    for order in GrabOrder.objects.filter(work_order=work_order, status__in=GRAB_ORDER_TRANSITIONS.sources("call_off")):
        order = _locked(order)
        if not order.allows("call_off"):  # confirmed or expired meanwhile
            continue
        # A grabbed order lets its engineer go (who it was stays in the order's history).
        order.status, order.winner, order.grabbed_at = GrabOrderStatus.CANCELLED, None, None
        order.cancelled_at, order.cancelled_by = now, by
        _record(order, by, ["status", "winner", "grabbed_at", "cancelled_at", "cancelled_by"])
        _close_invitations(order, "call_off")
        called_off += 1
    return called_off


def grab_orders_expire(*, now: dt.datetime | None = None) -> int:
    """Expire the open orders whose start has come; running it again changes nothing."""
    now = now or timezone.now()
    expired = 0
    expirable = GrabOrder.objects.filter(status__in=GRAB_ORDER_TRANSITIONS.sources("expire"), start__lte=now)
    for pk in expirable.values_list("pk", flat=True):
        with transaction.atomic():
            # Conditional: an order grabbed a moment ago is left alone.
            if GrabOrder.objects.filter(pk=pk, status__in=GRAB_ORDER_TRANSITIONS.sources("expire")).update(
                status=GrabOrderStatus.EXPIRED, expired_at=now
            ):
                order = GrabOrder.objects.get(pk=pk)
                _record(order, None, ["status", "expired_at"])
                _close_invitations(order, "close")
                expired += 1
    return expired


@transaction.atomic
def question_ask(
    *, grab_order: GrabOrder, by: User, text: str, engineer: Engineer | None = None, now: dt.datetime | None = None
) -> Question:
    """A message in one engineer's thread on the order: the invited engineer asks, the rep answers.

    Only the rep and that engineer see the thread.
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_QUESTION:
        raise ValidationFailed(fields={"text": [_("Write a message of 1 to 2000 characters.")]})
    order = GrabOrder.objects.select_related("opportunity").get(pk=grab_order.pk)
    if order.opportunity.owner_id == by.pk:
        if engineer is None:
            raise ValidationFailed(fields={"engineer": [_("Choose the engineer you are answering.")]})
        if not Invitation.objects.filter(grab_order=order, engineer=engineer).exists():
            raise ValidationFailed(fields={"engineer": [_("This engineer was not invited.")]})
    else:
        engineer = _own_invitation(order, by).engineer
    GRAB_ORDER_TRANSITIONS.require(order, "ask")
    return Question.objects.create(
        grab_order=order, engineer=engineer, author=by, text=text, created_at=now or timezone.now()
    )
