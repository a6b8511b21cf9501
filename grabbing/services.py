"""The grab-order life cycle: post (and invite), ask, grab, confirm, reject, cancel, expire.

The claim is a conditional update (``status = open`` → ``grabbed``) whose row count decides
the one winner, backed by the check constraint "winner iff grabbed" and by a partial unique
index on the winning invitation. ``.update()`` writes no history row, so each claim saves the
order once more to record who grabbed it and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from dispatch.availability import overlapping, unavailability
from dispatch.bookings import booking_create, lock_engineer
from dispatch.checks import check_stage, check_window
from dispatch.models import Booking, Engineer
from dispatch.selectors import engineer_search
from grabbing.models import MAX_UPLIFT, GrabOrder, GrabOrderStatus, Invitation, InvitationStatus, Question
from grabbing.selectors import grab_order_list
from grabbing.tasks import notify_grabbed, notify_invited
from presales.choices import Role
from presales.exceptions import (
    AlreadyGrabbed,
    InvalidState,
    NotFound,
    PermissionDenied,
    SlotUnavailable,
    ValidationFailed,
)
from presales.models import Opportunity, Region, Skill, Solution, User
from presales.outbox import enqueue

MAX_QUESTION = 2000


def grab_order_invitees(
    *,
    solution: Solution,
    skills: Sequence[Skill],
    min_level: int | None,
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


def _validate_post(*, by, opportunity, stage, activity, start, end, uplift_percent, min_level, now) -> None:
    if opportunity.owner_id != by.pk:
        raise NotFound(_("Opportunity not found."))
    check_window(start, end, now=now, allow_past=False)
    check_stage(opportunity, stage, activity)
    errors = {}
    if not isinstance(uplift_percent, int) or not 0 <= uplift_percent <= MAX_UPLIFT:
        errors["uplift_percent"] = [_("The uplift is 0 to 200 percent.")]
    if min_level is not None and not 1 <= min_level <= 5:
        errors["min_level"] = [_("The level is 1 to 5.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def grab_order_post(
    *,
    by: User,
    opportunity: Opportunity,
    stage: str,
    activity: str,
    start: dt.datetime,
    end: dt.datetime,
    uplift_percent: int,
    solution: Solution | None = None,
    skills: Sequence[Skill] = (),
    min_level: int | None = None,
    scope_regions: Sequence[Region] = (),
    scope_grades: Sequence[str] = (),
    note: str = "",
    now: dt.datetime | None = None,
) -> GrabOrder:
    """Post a grab order on the rep's opportunity and invite every free matching engineer in scope.

    The invitations are the in-app notice; the emails go out after commit.
    """
    now = now or timezone.now()
    _validate_post(
        by=by,
        opportunity=opportunity,
        stage=stage,
        activity=activity,
        start=start,
        end=end,
        uplift_percent=uplift_percent,
        min_level=min_level,
        now=now,
    )
    solution = solution or opportunity.solution
    order = GrabOrder(
        opportunity=opportunity,
        stage=stage,
        activity=activity,
        solution=solution,
        min_level=min_level,
        start=start,
        end=end,
        uplift_percent=uplift_percent,
        scope_grades=sorted(set(scope_grades)),
        note=note.strip(),
        posted_at=now,
        posted_by=by,
    )
    order._history_user = by
    order.save()
    order.skills.set(skills)
    order.scope_regions.set(scope_regions)
    invitees = grab_order_invitees(
        solution=solution,
        skills=skills,
        min_level=min_level,
        start=start,
        end=end,
        scope_regions=scope_regions,
        scope_grades=scope_grades,
        opportunity=opportunity,
        now=now,
    )
    engineer_ids = list(invitees.order_by().values_list("pk", flat=True))
    bulk_create_with_history(
        [Invitation(grab_order=order, engineer_id=pk, invited_at=now) for pk in engineer_ids],
        Invitation,
        default_user=by,
    )
    order.invited = len(engineer_ids)
    if engineer_ids:
        enqueue(notify_invited, order.pk)
    return order


def _locked(order: GrabOrder) -> GrabOrder:
    return (
        GrabOrder.objects.select_for_update(of=("self",))
        .select_related("opportunity__owner", "winner__user")
        .get(pk=order.pk)
    )


def _require_owner(order: GrabOrder, by: User) -> None:
    if order.opportunity.owner_id == by.pk or by.has_role(Role.ADMIN):
        return
    # Who may see the order (an invited engineer, the region's manager) is refused; anyone else
    # learns nothing of it, as for an order that does not exist.
    if grab_order_list(user=by).filter(pk=order.pk).exists():
        raise PermissionDenied(_("Only the rep who posted the grab order decides on it."))
    raise NotFound(_("Grab order not found."))


def _require_status(order: GrabOrder, *allowed: str) -> None:
    if order.status not in allowed:
        raise InvalidState(
            _("The grab order is %(status)s; this is not possible now.") % {"status": order.get_status_display()}
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
        engineer = lock_engineer(invitation.engineer)
        # Read after taking the lock: a grab that waited sees the winner's commit.
        current = GrabOrder.objects.get(pk=grab_order.pk)
        if current.status in (GrabOrderStatus.GRABBED, GrabOrderStatus.CONFIRMED):
            raise AlreadyGrabbed()
        _require_status(current, GrabOrderStatus.OPEN)
        if current.start <= now:
            raise InvalidState(_("The grab order has already started."))
        reason = unavailability(engineer, current.start, current.end)
        if reason:
            raise SlotUnavailable(reason)
        # Another order they hold at that time would make its confirmation fail later: refuse now.
        if overlapping(
            GrabOrder.objects.filter(winner=engineer, status=GrabOrderStatus.GRABBED), current.start, current.end
        ).exists():
            raise SlotUnavailable(_("You already grabbed another order at that time."))
        claimed = GrabOrder.objects.filter(pk=current.pk, status=GrabOrderStatus.OPEN).update(
            status=GrabOrderStatus.GRABBED, winner=engineer, grabbed_at=now
        )
        if claimed != 1:
            raise AlreadyGrabbed()
        # Conditional too: a rejection that withdrew this invitation while we waited for the
        # order's row lock has committed by now, and this statement sees it.
        if not Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.OPEN).update(
            status=InvitationStatus.WON
        ):
            raise NotFound(_("Grab order not found."))
        invitation.status = InvitationStatus.WON
        invitation._history_user = by
        invitation.save(update_fields=["status"])  # .update() wrote no history row
        order = GrabOrder.objects.select_related("opportunity__owner", "winner__user").get(pk=current.pk)
        _record(order, by, ["status", "winner", "grabbed_at"])
        enqueue(notify_grabbed, order.pk)
    return order


def grab_order_confirm(*, grab_order: GrabOrder, by: User, now: dt.datetime | None = None) -> Booking:
    """The rep turns the grabbed order into a booking at the uplifted cost, in one transaction.

    A refusal from the booking service (BudgetExceeded, SlotUnavailable) rolls everything back:
    the order stays grabbed and nothing is reserved.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(grab_order)
        _require_owner(order, by)
        _require_status(order, GrabOrderStatus.GRABBED)
        booking = booking_create(
            by=by,
            engineer=order.winner,
            opportunity=order.opportunity,
            stage=order.stage,
            activity=order.activity,
            start=order.start,
            end=order.end,
            desired_start=order.start,
            note=order.note,
            uplift_percent=order.uplift_percent,
            now=now,
        )
        order.status = GrabOrderStatus.CONFIRMED
        order.booking = booking
        order.confirmed_at, order.confirmed_by = now, by
        _record(order, by, ["status", "booking", "confirmed_at", "confirmed_by"])
        Invitation.objects.filter(grab_order=order, status=InvitationStatus.OPEN).update(status=InvitationStatus.CLOSED)
    return booking


@transaction.atomic
def grab_order_reject(*, grab_order: GrabOrder, by: User, now: dt.datetime | None = None) -> GrabOrder:
    """The rep turns the grabbing engineer down: their invitation is withdrawn, the order reopens."""
    now = now or timezone.now()
    order = _locked(grab_order)
    _require_owner(order, by)
    _require_status(order, GrabOrderStatus.GRABBED)
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
    order = _locked(grab_order)
    _require_owner(order, by)
    _require_status(order, GrabOrderStatus.OPEN)
    order.status, order.cancelled_at, order.cancelled_by = GrabOrderStatus.CANCELLED, now, by
    _record(order, by, ["status", "cancelled_at", "cancelled_by"])
    Invitation.objects.filter(grab_order=order, status=InvitationStatus.OPEN).update(status=InvitationStatus.CLOSED)
    return order


def grab_orders_expire(*, now: dt.datetime | None = None) -> int:
    """Expire the open orders whose start has come; running it again changes nothing."""
    now = now or timezone.now()
    expired = 0
    for pk in GrabOrder.objects.filter(status=GrabOrderStatus.OPEN, start__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            # Conditional: an order grabbed a moment ago is left alone.
            if GrabOrder.objects.filter(pk=pk, status=GrabOrderStatus.OPEN).update(
                status=GrabOrderStatus.EXPIRED, expired_at=now
            ):
                _record(GrabOrder.objects.get(pk=pk), None, ["status", "expired_at"])
                Invitation.objects.filter(grab_order_id=pk, status=InvitationStatus.OPEN).update(
                    status=InvitationStatus.CLOSED
                )
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
    if order.status not in (GrabOrderStatus.OPEN, GrabOrderStatus.GRABBED):
        raise InvalidState(_("The grab order is closed; questions are no longer possible."))
    return Question.objects.create(
        grab_order=order, engineer=engineer, author=by, text=text, created_at=now or timezone.now()
    )
