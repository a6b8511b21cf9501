"""The budget ledger: every movement of money is one appended line, under a lock on the budget.

Lock, re-check, write (Healthchecks' Check.ping): the budget row is locked with
select_for_update (PostgreSQL) or by the IMMEDIATE transaction itself (SQLite), the rule is
checked against the locked figures, then the line and the figures are written together.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import Budget, LedgerEntry, LedgerKind, SalesTarget
from budgeting.selectors.budgets import allocation_for
from presales import access
from presales.core.db import lock
from presales.exceptions import BudgetExceeded, InvalidState, PermissionDenied, ValidationFailed
from presales.models import User
from presales.money import ZERO, money
from presales.periods import Quarter


def _locked(budget_id: int) -> Budget:
    return lock(Budget.objects.select_related("owner"), pk=budget_id)


def _append(
    budget: Budget,
    *,
    kind: str,
    amount: Decimal,
    by: User | None,
    moves: dict[str, Decimal],
    reason: str = "",
    booking_id: int | None = None,
    overrun: Decimal = ZERO,
) -> LedgerEntry:
    """Write the line and move the figures by ``moves`` in one go.

    The figures move by relative updates (``F() + delta``) so that the database's
    never-overdrawn CHECK judges the real row, not this process's copy of it.
    """
    entry = LedgerEntry(
        budget=budget,
        at=timezone.now(),
        kind=kind,
        amount=amount,
        booking_id=booking_id,
        by=by,
        reason=reason,
        overrun=overrun,
    )
    # Field validation only: the CHECK constraints and foreign keys are the database's to
    # enforce, and validating them in Python would cost a query each on this hot path.
    entry.full_clean(exclude=["budget", "by"], validate_unique=False, validate_constraints=False)
    entry.save()
    Budget.objects.filter(pk=budget.pk).update(
        **{field: F(field) + delta for field, delta in moves.items()}, basis=budget.basis, updated_at=entry.at
    )
    for field, delta in moves.items():
        setattr(budget, field, getattr(budget, field) + delta)
    return entry


def _booking_line(
    budget: Budget,
    kind: str,
    amount: Decimal,
    booking_id: int | None,
    by: User | None,
    reason: str,
    *,
    moves: dict[str, Decimal],
    overrun: Decimal = ZERO,
) -> LedgerEntry:
    """A line of one booking's money (reserve, release, charge): who moved it and why."""
    return _append(
        budget, kind=kind, amount=amount, booking_id=booking_id, by=by, reason=reason, moves=moves, overrun=overrun
    )


def _positive(amount) -> Decimal:
    amount = money(amount)
    if amount <= 0:
        raise ValidationFailed(fields={"amount": [_("The amount must be greater than zero.")]})
    return amount


@transaction.atomic
def budget_open(*, rep: User, period: str, by: User | None = None) -> Budget:
    """The rep's budget for the quarter, created with its allocation line when missing."""
    Quarter.parse(period)
    budget, created = Budget.objects.get_or_create(owner=rep, period=period)
    if created:
        allocation = allocation_for(rep=rep, period=period)
        budget.basis = allocation.basis
        _append(
            budget,
            kind=LedgerKind.ALLOCATE,
            amount=allocation.amount,
            by=by,
            moves={"allocated": allocation.amount},
            reason=_("Allocation from targets and attainment"),
        )
    return budget


def budget_for_moment(*, rep: User, moment) -> Budget:
    """A booking belongs to the budget of the quarter in which it starts (organisation time)."""
    period = str(Quarter.of(moment))
    # Almost always open already: one plain read instead of get_or_create's savepoint dance.
    return Budget.objects.filter(owner=rep, period=period).first() or budget_open(rep=rep, period=period)


@transaction.atomic
def budget_recompute(*, budget: Budget, by: User | None = None, reason: str = "") -> LedgerEntry | None:
    """Targets, attainment or policy changed: append the difference as an allocation line.

    A cut below what is already committed is applied but flagged as overrun, never hidden.
    """
    budget = _locked(budget.pk)
    allocation = allocation_for(rep=budget.owner, period=budget.period)
    delta = allocation.amount - budget.allocated
    budget.basis = allocation.basis
    if delta == 0:
        budget.save(update_fields=["basis", "updated_at"])
        return None
    shortfall = max(ZERO, -(budget.remaining + delta))
    return _append(
        budget,
        kind=LedgerKind.ALLOCATE,
        amount=delta,
        by=by,
        moves={"allocated": delta, "overrun": shortfall},
        overrun=shortfall,
        reason=reason or _("Allocation recomputed"),
    )


@transaction.atomic
def budget_reserve(*, budget: Budget, amount, booking_id: int | None, by: User | None, reason: str = "") -> LedgerEntry:
    """Hold money for a booking; refused when remaining would go negative."""
    amount = _positive(amount)
    budget = _locked(budget.pk)
    if amount > budget.remaining:
        raise BudgetExceeded(
            _("This costs %(amount)s but only %(remaining)s remains in %(period)s.")
            % {"amount": amount, "remaining": budget.remaining, "period": budget.period}
        )
    return _booking_line(budget, LedgerKind.RESERVE, amount, booking_id, by, reason, moves={"reserved": amount})


def _outstanding(budget: Budget, booking_id: int | None) -> Decimal:
    """What is still reserved for one booking (reserves minus releases)."""
    sums = dict(
        budget.entries.filter(booking_id=booking_id, kind__in=[LedgerKind.RESERVE, LedgerKind.RELEASE])
        .values_list("kind")
        .annotate(total=Sum("amount"))
    )
    # SQLite sums decimals in floating point: round back to cents.
    return money(sums.get(LedgerKind.RESERVE, ZERO) - sums.get(LedgerKind.RELEASE, ZERO))


@transaction.atomic
def budget_release(
    *, budget: Budget, amount=None, booking_id: int | None, by: User | None, reason: str = ""
) -> LedgerEntry | None:
    """Give back a reservation (all that is outstanding for the booking when no amount)."""
    budget = _locked(budget.pk)
    outstanding = _outstanding(budget, booking_id)
    amount = outstanding if amount is None else _positive(amount)
    if amount == 0:
        return None
    if amount > outstanding:
        raise InvalidState(_("Only %(outstanding)s is reserved for this booking.") % {"outstanding": outstanding})
    return _booking_line(budget, LedgerKind.RELEASE, amount, booking_id, by, reason, moves={"reserved": -amount})


@transaction.atomic
def budget_charge(*, budget: Budget, amount, booking_id: int | None, by: User | None, reason: str = "") -> LedgerEntry:
    """Spend money for completed work. Work already done is always charged: what goes
    beyond the remaining amount is recorded as a flagged overrun instead of refused."""
    amount = _positive(amount)
    budget = _locked(budget.pk)
    shortfall = max(ZERO, amount - max(budget.remaining, ZERO))
    moves = {"spent": amount, "overrun": shortfall}
    return _booking_line(budget, LedgerKind.CHARGE, amount, booking_id, by, reason, moves=moves, overrun=shortfall)


@transaction.atomic
def budget_settle(*, budget: Budget, booking_id: int, amount, by: User | None, reason: str = "") -> LedgerEntry:
    """Completion: release what the booking still holds, then charge the actual cost."""
    budget_release(budget=budget, booking_id=booking_id, by=by, reason=reason)
    return budget_charge(budget=budget, amount=amount, booking_id=booking_id, by=by, reason=reason)


def can_adjust(*, user: User, budget: Budget) -> bool:
    return access.is_admin(user) or access.manages_rep(user, budget.owner)


@transaction.atomic
def budget_adjust(*, budget: Budget, amount, reason: str, by: User) -> LedgerEntry:
    """A manager of the rep's region adds or removes money, always with a written reason."""
    if not can_adjust(user=by, budget=budget):
        raise PermissionDenied(_("Only a manager of the rep's region may adjust this budget."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Say why the budget is adjusted.")]
    amount = money(amount)
    if amount == 0:
        errors["amount"] = [_("The amount must not be zero.")]
    if errors:
        raise ValidationFailed(fields=errors)
    budget = _locked(budget.pk)
    if budget.remaining + amount < 0:
        raise BudgetExceeded(
            _("Only %(remaining)s remains; it cannot be reduced by %(amount)s.")
            % {"remaining": budget.remaining, "amount": -amount}
        )
    return _append(budget, kind=LedgerKind.ADJUST, amount=amount, by=by, reason=reason, moves={"adjustments": amount})


def budgets_open_for_period(*, period: str) -> list[Budget]:
    """Open the budget of every rep who has targets in the quarter (idempotent)."""
    rep_ids = SalesTarget.objects.filter(period=period).values_list("rep_id", flat=True).distinct()
    return [budget_open(rep=rep, period=period) for rep in User.objects.filter(pk__in=rep_ids).order_by("pk")]
