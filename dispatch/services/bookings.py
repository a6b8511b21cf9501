"""The booking life cycle: book, reschedule, acknowledge, complete, rate, cancel.

Each write runs in one transaction with the money it moves (budgeting's ledger services), so a
refused booking leaves neither a booking nor a reservation. Double booking is stopped three
times over: the engineer's row is locked (select_for_update on PostgreSQL; the IMMEDIATE
transaction on SQLite), the overlap is checked under that lock, and on PostgreSQL an exclusion
constraint refuses whatever would still slip through. All three surface as SlotUnavailable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import Budget
from budgeting.services.ledger import budget_for_moment, budget_release, budget_reserve, budget_settle
from dispatch.availability import unavailability
from dispatch.checks import check_stage, check_window
from dispatch.delay import record_response
from dispatch.models import BOOKING_TRANSITIONS, Booking, BookingStatus, Engineer, Rating, WorkOrder
from dispatch.rules.hours import HOURS, booked_hours
from dispatch.rules.ratings import score_refused, valid_score
from dispatch.rules.uplift import uplift_refused, uplifted, valid_uplift
from dispatch.services.work_orders import check_fillable, lock_work_order, work_order_create
from dispatch.signals import work_order_cancelled
from dispatch.tasks import notify_engineer
from dispatch.tiered.eligibility import check_eligible
from dispatch.work_order_status import require_work_order
from presales import access
from presales.core.db import lock
from presales.core.outbox import enqueue
from presales.exceptions import InvalidState, NotFound, PermissionDenied, SlotUnavailable, ValidationFailed
from presales.models import Opportunity, Rate, User
from presales.money import money

EXCLUSION_VIOLATION = "23P01"  # PostgreSQL's SQLSTATE for dispatch_booking_no_overlap


def booking_cost(*, hours: Decimal, hourly_rate: Decimal, uplift_percent: int = 0) -> Decimal:
    """hours × rate × (1 + uplift), in exact cents."""
    return money(uplifted(Decimal(hours) * Decimal(hourly_rate), uplift_percent))


def hourly_rate_for(engineer: Engineer) -> Decimal:
    rate = Rate.objects.filter(resource_type=engineer.resource_type, grade=engineer.grade).first()
    if rate is None:
        raise ValidationFailed(
            fields={"engineer": [_("The rate card has no rate for %(engineer)s.") % {"engineer": engineer.name}]}
        )
    return rate.hourly_rate


def _reserve(*, budget: Budget, amount: Decimal, booking_id: int, by: User, reason: str) -> None:
    """Hold a booking's cost. A booking at a 0.00 card rate is a valid free booking: it holds
    nothing, so there is no ledger line (whose amount must be positive) to write."""
    if amount > 0:
        budget_reserve(budget=budget, amount=amount, booking_id=booking_id, by=by, reason=reason)


def lock_engineer(engineer: Engineer) -> Engineer:
    """The engineer's row, locked until the transaction ends: bookings of one engineer are serialised here."""
    try:
        return lock(Engineer.objects.select_related("user").prefetch_related("working_hours"), pk=engineer.pk)
    except Engineer.DoesNotExist as error:
        raise NotFound(_("Engineer not found.")) from error


def _lock_bookable(engineer: Engineer) -> Engineer:
    """Lock the engineer's row for a new booking: one no longer active cannot take one."""
    locked = lock_engineer(engineer)
    if not locked.is_active:
        raise ValidationFailed(fields={"engineer": [_("This engineer is no longer active.")]})
    return locked


def _claim_slot(engineer: Engineer, start: dt.datetime, end: dt.datetime, *, ignore_booking: int | None = None):
    reason = unavailability(engineer, start, end, ignore_booking=ignore_booking)
    if reason:
        raise SlotUnavailable(reason)


def _overlap_refused(error: IntegrityError) -> SlotUnavailable:
    """The exclusion constraint's refusal as a SlotUnavailable; any other integrity error re-raises."""
    if getattr(error.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
        raise error
    return SlotUnavailable(_("The engineer was booked for this time a moment ago."))


def booking_create(
    *,
    by: User,
    engineer: Engineer,
    start: dt.datetime,
    end: dt.datetime,
    work_order: WorkOrder | None = None,
    opportunity: Opportunity | None = None,
    stage: str | None = None,
    activity: str | None = None,
    desired_start: dt.datetime | None = None,
    note: str = "",
    uplift_percent: int = 0,
    now: dt.datetime | None = None,
    allow_past: bool = False,
    notify: bool = True,
) -> Booking:
    """Book ``engineer`` for [start, end) on the rep's opportunity and reserve its cost.

    With ``work_order`` the booking fills it (its opportunity, stage and activity unless given)
    under its row lock; without, a work order is opened for the booking with ``desired_start``
    (default: ``start``) and the booking's length.

    Raises ValidationFailed (bad input), NotFound (not the rep's opportunity),
    WorkOrderStaffed (the work order has all the engineers it needs), InvalidState (it is cancelled),
    NotEligible (tiered support: a delivery-centre engineer on a class C/D/E opportunity
    without an approved escalation), SlotUnavailable (not free) or BudgetExceeded (the owner's
    quarter budget would go negative).
    """
    now = now or timezone.now()
    if work_order is not None:
        if opportunity is not None and opportunity.pk != work_order.opportunity_id:
            raise ValidationFailed(fields={"opportunity": [_("The work order is on another opportunity.")]})
        opportunity = work_order.opportunity
        stage, activity = stage or work_order.stage, activity or work_order.activity
    if opportunity is None:
        raise ValidationFailed(fields={"opportunity": [_("Choose the opportunity.")]})
    if not access.owns_opportunity_or_admin(by, opportunity):
        raise NotFound(_("Opportunity not found."))
    check_window(start, end, now=now, allow_past=allow_past)
    check_stage(opportunity, stage, activity)
    stage, activity = cast(str, stage), cast(str, activity)  # check_stage refused a missing one
    if desired_start is not None and work_order is None and timezone.is_naive(desired_start):
        raise ValidationFailed(
            fields={"desired_start": [_("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00.")]}
        )
    if not valid_uplift(uplift_percent):
        raise ValidationFailed(fields=uplift_refused())
    try:
        with transaction.atomic():
            if work_order is not None:  # locked first, as everything filling it
                work_order = lock_work_order(work_order)
            engineer = _lock_bookable(engineer)
            # Checked at ``now``: an escalation's period must include the moment of booking.
            check_eligible(engineer=engineer, opportunity=opportunity, now=now)
            if work_order is not None:
                check_fillable(work_order, engineer)
            _claim_slot(engineer, start, end)
            hours = booked_hours(start, end)
            if work_order is None:
                desired_start = desired_start or start
                work_order = work_order_create(
                    by=by,
                    opportunity=opportunity,
                    stage=stage,
                    activity=activity,
                    desired_start=desired_start,
                    desired_end=desired_start + (end - start),
                    hours=hours,
                    note=note,
                    now=now,
                    allow_past=True,
                )
            booking = _book(
                work_order=work_order,
                owner=opportunity.owner,
                engineer=engineer,
                stage=stage,
                activity=activity,
                start=start,
                end=end,
                hours=hours,
                uplift_percent=uplift_percent,
                note=note,
                by=by,
                now=now,
                reason=lambda made: _("Booking #%(id)s: %(engineer)s") % {"id": made.pk, "engineer": engineer.name},
            )
            if notify:
                enqueue(notify_engineer, booking.pk, "booked")
    except IntegrityError as error:  # the exclusion constraint (PostgreSQL) caught an overlap
        raise _overlap_refused(error) from error
    return booking


def _book(
    *,
    work_order: WorkOrder,
    owner: User,
    engineer: Engineer,
    stage: str,
    activity: str,
    start: dt.datetime,
    end: dt.datetime,
    hours: Decimal,
    uplift_percent: int,
    note: str,
    by: User,
    now: dt.datetime,
    reason: Callable[[Booking], str],
) -> Booking:
    """The one way a booking row is made (create, reassign, and a grab order's confirmation
    through create): at the engineer's rate, its cost reserved on the opportunity owner's budget
    for the quarter of its start. The caller holds the locks and has claimed the slot."""
    hourly_rate = hourly_rate_for(engineer)
    cost = booking_cost(hours=hours, hourly_rate=hourly_rate, uplift_percent=uplift_percent)
    booking = Booking.objects.create(
        work_order=work_order,
        engineer=engineer,
        budget=budget_for_moment(rep=owner, moment=start),
        stage=stage,
        activity=activity,
        start=start,
        end=end,
        hours=hours,
        hourly_rate=hourly_rate,
        uplift_percent=uplift_percent,
        cost=cost,
        note=note,
        booked_at=now,
        booked_by=by,
    )
    _reserve(budget=booking.budget, amount=cost, booking_id=booking.pk, by=by, reason=reason(booking))
    return booking


def _locked_booking(booking: Booking) -> Booking:
    return lock(Booking.objects.select_related("engineer__user", "work_order__opportunity", "budget"), pk=booking.pk)


def _is_owner(user: User, booking: Booking) -> bool:
    return access.owns_opportunity(user, booking.work_order.opportunity)


def _is_engineer(user: User, booking: Booking) -> bool:
    return access.is_booked_engineer(user, booking)


@transaction.atomic
def booking_acknowledge(*, booking: Booking, by: User, now: dt.datetime | None = None) -> Booking:
    """The engineer confirms they will come: booked → acknowledged."""
    booking = _locked_booking(booking)
    if not _is_engineer(by, booking):
        raise PermissionDenied(_("Only the booked engineer acknowledges a booking."))
    BOOKING_TRANSITIONS.require(booking, "acknowledge")
    booking.status = BookingStatus.ACKNOWLEDGED
    booking.acknowledged_at, booking.acknowledged_by = now or timezone.now(), by
    booking.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    record_response(work_order_id=booking.work_order_id, at=booking.acknowledged_at)
    return booking


def _call_off(booking: Booking, *, by: User, now: dt.datetime, reason: str, ledger_reason: str) -> None:
    """Cancel the (locked) booking and release what it holds; ``ledger_reason`` names its id."""
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at, booking.cancelled_by, booking.cancel_reason = now, by, reason[:200]
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    budget_release(budget=booking.budget, booking_id=booking.pk, by=by, reason=ledger_reason % {"id": booking.pk})


@transaction.atomic
def booking_cancel(*, booking: Booking, by: User, reason: str = "", now: dt.datetime | None = None) -> Booking:
    """The rep calls it off before it starts: the slot frees up and the reservation is released."""
    now = now or timezone.now()
    booking = _locked_booking(booking)
    if not (_is_owner(by, booking) or access.is_admin(by)):
        raise PermissionDenied(_("Only the opportunity's owner cancels a booking."))
    BOOKING_TRANSITIONS.require(booking, "cancel")
    if booking.start <= now:
        raise InvalidState(_("The booking has already started; it can no longer be cancelled."))
    _call_off(booking, by=by, now=now, reason=reason, ledger_reason=_("Booking #%(id)s cancelled"))
    enqueue(notify_engineer, booking.pk, "cancelled")
    return booking


@transaction.atomic
def work_order_cancel(
    *, work_order: WorkOrder, by: User, reason: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The rep calls the work order off: each of its bookings not yet started is cancelled and
    its reservation released, and its grab orders still open or grabbed are called off
    (``work_order_cancelled``), all in this one transaction (a refusal undoes them all). Work
    already started or done stays as it is, to be completed and charged.

    Raises PermissionDenied (not the opportunity's owner: callers answer 404 to whoever may not
    see the work order first) or InvalidState (already cancelled, or done)."""
    now = now or timezone.now()
    work_order = lock_work_order(work_order)
    if not access.owns_opportunity_or_admin(by, work_order.opportunity):
        raise PermissionDenied(_("Only the opportunity's owner cancels a work order."))
    # Judged under the lock, by the status rule itself: a done work order has nothing left to call off.
    require_work_order(work_order, "cancel", at=now)
    cancellable = work_order.bookings.filter(status__in=BOOKING_TRANSITIONS.sources("cancel"), start__gt=now)
    for booking in cancellable.order_by("start", "pk"):
        booking_cancel(booking=booking, by=by, reason=reason or _("Work order cancelled"), now=now)
    work_order.cancelled_at, work_order.cancelled_by = now, by
    work_order._history_user = by
    work_order.save(update_fields=["cancelled_at", "cancelled_by"])
    work_order_cancelled.send(sender=WorkOrder, work_order=work_order, by=by, now=now)
    return work_order


@transaction.atomic
def booking_complete(
    *, booking: Booking, by: User, actual_hours, now: dt.datetime | None = None, allow_early: bool = False
) -> Booking:
    """Work done: charge actual hours × frozen rate × (1 + uplift), release the rest.

    More hours than reserved are charged all the same; the ledger flags the overrun.
    """
    now = now or timezone.now()
    booking = _locked_booking(booking)
    if not (_is_engineer(by, booking) or _is_owner(by, booking)):
        raise PermissionDenied(_("Only the engineer or the opportunity's owner completes a booking."))
    try:
        actual_hours = Decimal(str(actual_hours)).quantize(HOURS)
    except ArithmeticError as error:
        raise ValidationFailed(fields={"actual_hours": [_("Give the hours worked as a number.")]}) from error
    if not Decimal("0") < actual_hours <= Decimal("744"):
        raise ValidationFailed(fields={"actual_hours": [_("Hours worked must be more than 0 and at most 744.")]})
    BOOKING_TRANSITIONS.require(booking, "complete")
    if booking.start > now and not allow_early:
        raise InvalidState(_("The booking has not started yet."))
    charged = booking_cost(hours=actual_hours, hourly_rate=booking.hourly_rate, uplift_percent=booking.uplift_percent)
    booking.status = BookingStatus.COMPLETED
    booking.actual_hours, booking.charged = actual_hours, charged
    booking.completed_at, booking.completed_by = now, by
    booking.save(update_fields=["status", "actual_hours", "charged", "completed_at", "completed_by"])
    reason = _("Booking #%(id)s completed: %(hours)s h") % {"id": booking.pk, "hours": actual_hours}
    if charged > 0:
        budget_settle(budget=booking.budget, booking_id=booking.pk, amount=charged, by=by, reason=reason)
    else:  # a free booking: nothing to charge, and nothing held to give back
        budget_release(budget=booking.budget, booking_id=booking.pk, by=by, reason=reason)
    return booking


@transaction.atomic
def booking_rate(
    *, booking: Booking, by: User, score: int, comment: str = "", now: dt.datetime | None = None
) -> Rating:
    """The rep rates a completed booking once (1–5); the engineer's running average follows."""
    booking = _locked_booking(booking)
    if not _is_owner(by, booking):
        raise PermissionDenied(_("Only the opportunity's owner rates a booking."))
    if not valid_score(score):
        raise ValidationFailed(fields=score_refused())
    BOOKING_TRANSITIONS.require(booking, "rate")
    now = now or timezone.now()
    rating = Rating.objects.create(
        booking=booking, score=score, comment=comment.strip(), rated_at=now, updated_at=now, rated_by=by
    )
    booking.status = BookingStatus.RATED
    booking.save(update_fields=["status"])
    Engineer.objects.filter(pk=booking.engineer_id).update(
        rating_sum=F("rating_sum") + score, rating_count=F("rating_count") + 1
    )
    return rating


def booking_reschedule(
    *, booking: Booking, by: User, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> Booking:
    """Move a booking that has not started, through the same rules as a new one.

    The reservation follows the new length (and the quarter of the new start); an acknowledged
    booking goes back to booked, since the engineer agreed to another time.
    """
    now = now or timezone.now()
    check_window(start, end, now=now, allow_past=False)
    try:
        with transaction.atomic():
            booking = _locked_booking(booking)
            if not _is_owner(by, booking):
                raise PermissionDenied(_("Only the opportunity's owner reschedules a booking."))
            BOOKING_TRANSITIONS.require(booking, "reschedule")
            if booking.start <= now:
                raise InvalidState(_("The booking has already started; it can no longer be moved."))
            engineer = lock_engineer(booking.engineer)
            # Moving is booking anew: a delivery-centre engineer held through an escalation
            # whose period has ended cannot be moved to another time.
            check_eligible(engineer=engineer, opportunity=booking.work_order.opportunity, now=now)
            _claim_slot(engineer, start, end, ignore_booking=booking.pk)
            owner = booking.work_order.opportunity.owner
            hours = booked_hours(start, end)
            cost = booking_cost(hours=hours, hourly_rate=booking.hourly_rate, uplift_percent=booking.uplift_percent)
            reason = _("Booking #%(id)s rescheduled") % {"id": booking.pk}
            budget_release(budget=booking.budget, booking_id=booking.pk, by=by, reason=reason)
            booking.budget = budget_for_moment(rep=owner, moment=start)
            booking.start, booking.end, booking.hours, booking.cost = start, end, hours, cost
            booking.status = BookingStatus.BOOKED
            booking.acknowledged_at = booking.acknowledged_by = None
            booking.save()
            _reserve(budget=booking.budget, amount=cost, booking_id=booking.pk, by=by, reason=reason)
            enqueue(notify_engineer, booking.pk, "rescheduled")
    except IntegrityError as error:
        raise _overlap_refused(error) from error
    return booking


# --- Tiered support: the delivery-centre lead reassigns A/B work -------------------------------


def leads_booking(user: User, booking: Booking) -> bool:
    """Whether ``user`` leads the delivery centre serving this booking's class A/B opportunity
    (holding the lead's role, as the lead's page asks: the API decides the same)."""
    return access.leads_centre_work(user, booking.work_order.opportunity)


def booking_reassign(*, booking: Booking, by: User, engineer: Engineer, now: dt.datetime | None = None) -> Booking:
    """The delivery-centre lead moves an A/B booking that has not started to another engineer.

    One transaction: the old booking is cancelled and its reservation released, a new booking of
    the same work order, time and uplift is made for ``engineer`` (eligible, active, free, at
    their own rate) and its cost reserved on the owner's budget. Any refusal (NotEligible,
    SlotUnavailable, BudgetExceeded) rolls both back: the old booking stays as it was.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            old = _locked_booking(booking)
            if not (leads_booking(by, old) or access.is_admin(by)):
                raise PermissionDenied(_("Only the lead of the solution's delivery centre reassigns A/B work."))
            BOOKING_TRANSITIONS.require(old, "reassign")
            if old.start <= now:
                raise InvalidState(_("The booking has already started; it can no longer be reassigned."))
            if engineer.pk == old.engineer_id:
                raise ValidationFailed(fields={"engineer": [_("Choose another engineer than the booked one.")]})
            opportunity = old.work_order.opportunity
            new_engineer = _lock_bookable(engineer)
            check_eligible(engineer=new_engineer, opportunity=opportunity, now=now)
            _claim_slot(new_engineer, old.start, old.end)
            reason = _("Reassigned to %(engineer)s") % {"engineer": new_engineer.name}
            _call_off(old, by=by, now=now, reason=reason, ledger_reason=_("Booking #%(id)s reassigned"))
            new = _book(
                work_order=old.work_order,
                owner=opportunity.owner,
                engineer=new_engineer,
                stage=old.stage,
                activity=old.activity,
                start=old.start,
                end=old.end,
                hours=old.hours,
                uplift_percent=old.uplift_percent,
                note=old.note,
                by=by,
                now=now,
                reason=lambda made: (
                    _("Booking #%(id)s: %(engineer)s, reassigned from #%(old)s")
                    % {"id": made.pk, "engineer": new_engineer.name, "old": old.pk}
                ),
            )
            enqueue(notify_engineer, old.pk, "cancelled")
            enqueue(notify_engineer, new.pk, "booked")
    except IntegrityError as error:
        raise _overlap_refused(error) from error
    return new


# --- Rating corrections ------------------------------------------------------------------------

RATING_CORRECTION_WINDOW = dt.timedelta(days=7)


def _rater_id(rating: Rating) -> int | None:
    # Ratings imported without a rater were given by the opportunity's owner.
    return rating.rated_by_id or rating.booking.work_order.opportunity.owner_id


def rating_correctable(*, rating: Rating, by: User, now: dt.datetime | None = None) -> bool:
    """Whether ``by`` may still correct ``rating``: the rep who gave it, within 7 days."""
    now = now or timezone.now()
    return _rater_id(rating) == by.pk and now - rating.rated_at <= RATING_CORRECTION_WINDOW


@transaction.atomic
def booking_rating_correct(
    *, booking: Booking, by: User, score: int, comment: str | None = None, now: dt.datetime | None = None
) -> Rating:
    """The rep who rated a booking corrects the rating within 7 days of giving it.

    The rating is updated in place (its history keeps every earlier version, with who changed
    it and when) and the engineer's running sum follows; ``comment=None`` keeps the comment.
    """
    now = now or timezone.now()
    booking = _locked_booking(booking)
    try:
        rating = lock(Rating.objects.all(), booking=booking)
    except Rating.DoesNotExist as error:
        raise InvalidState(_("The booking has not been rated yet; rate it first.")) from error
    rating.booking = booking
    if _rater_id(rating) != by.pk:
        raise PermissionDenied(_("Only the rep who gave a rating corrects it."))
    if not valid_score(score):
        raise ValidationFailed(fields=score_refused())
    if now - rating.rated_at > RATING_CORRECTION_WINDOW:
        raise InvalidState(
            _("A rating can be corrected within 7 days of giving it; this one was given on %(date)s.")
            % {"date": timezone.localtime(rating.rated_at).strftime("%Y-%m-%d %H:%M")}
        )
    old_score = rating.score
    rating.score = score
    if comment is not None:
        rating.comment = comment.strip()
    rating.updated_at = now
    rating._history_user = by  # the audit trail names the rep, also outside a request (API, shell)
    rating._change_reason = "correction"
    rating.full_clean()
    rating.save()
    if score != old_score:
        Engineer.objects.filter(pk=booking.engineer_id).update(rating_sum=F("rating_sum") + (score - old_score))
    return rating
