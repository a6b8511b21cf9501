"""Reads of budgets, scoped to the asking user, and the allocation rule itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from budgeting.models import Attainment, Budget, BudgetPolicy, LedgerEntry, SalesTarget
from presales.choices import CustomerTier
from presales.models import User
from presales.money import ZERO, money
from presales.periods import Quarter


@dataclass(frozen=True)
class Allocation:
    amount: Decimal
    basis: dict


def allocation_for(*, rep: User, period: str, policy: BudgetPolicy | None = None) -> Allocation:
    """Σ over tiers (target × tier ratio) × attainment factor, where the factor is last
    quarter's attainment clamped to the policy's bounds (1 without a record).

    Only customers' tiers, targets and attainment count: never the rep's rank.
    """
    policy = policy or BudgetPolicy.current()
    targets = dict(SalesTarget.objects.filter(rep=rep, period=period).values_list("tier", "target"))
    previous = str(Quarter.parse(period).previous)
    attainment = Attainment.objects.filter(rep=rep, period=previous).values_list("attainment", flat=True).first()
    factor = Decimal("1") if attainment is None else min(max(attainment, policy.attainment_min), policy.attainment_max)
    tiers = {}
    for tier in CustomerTier.values:
        if tier in targets:
            ratio = policy.tier_ratio(tier)
            tiers[tier] = {
                "target": str(targets[tier]),
                "ratio": str(ratio),
                "amount": str(money(targets[tier] * ratio)),
            }
    subtotal = sum((Decimal(t["amount"]) for t in tiers.values()), Decimal("0.00"))
    amount = money(subtotal * factor)
    basis = {
        "tiers": tiers,
        "subtotal": str(subtotal),
        "attainment_period": previous,
        "attainment": None if attainment is None else str(attainment),
        "attainment_factor": str(factor),
        "attainment_bounds": [str(policy.attainment_min), str(policy.attainment_max)],
        "allocated": str(amount),
    }
    return Allocation(amount=amount, basis=basis)


def budget_list(*, user: User, period: str | None = None) -> QuerySet[Budget]:
    """Reps see their own budgets; managers their regions' reps'; admins all."""
    qs = Budget.objects.restrict(user).select_related("owner")
    if period:
        qs = qs.filter(period=period)
    return qs


def ledger_for(*, budget: Budget) -> QuerySet[LedgerEntry]:
    return budget.entries.select_related("by").order_by("at", "id")


def ledger_totals(*, budget: Budget) -> dict[str, Decimal]:
    """The figures recomputed from the ledger alone: the check on the stored columns."""
    sums = dict(budget.entries.values_list("kind").annotate(total=Sum("amount")).values_list("kind", "total"))
    overrun = budget.entries.aggregate(total=Sum("overrun"))["total"] or ZERO
    return {
        "allocated": money(sums.get("allocate", ZERO)),
        "adjustments": money(sums.get("adjust", ZERO)),
        "reserved": money(sums.get("reserve", ZERO) - sums.get("release", ZERO)),
        "spent": money(sums.get("charge", ZERO)),
        "overrun": money(overrun),
    }


def sales_targets_by_quarter(*, rep: User) -> list[dict]:
    """The rep's own targets per quarter and tier, with that quarter's attainment (or None).

    Newest quarter first: the page opens on what matters now.
    """
    attainments = dict(Attainment.objects.filter(rep=rep).values_list("period", "attainment"))
    quarters: dict[str, dict] = {}
    for period, tier, target in SalesTarget.objects.filter(rep=rep).values_list("period", "tier", "target"):
        quarters.setdefault(period, {})[tier] = target
    rows = []
    for period in sorted(set(quarters) | set(attainments), reverse=True):
        targets = quarters.get(period, {})
        rows.append(
            {
                "period": period,
                "targets": [targets.get(tier) for tier in CustomerTier.values],
                "total": money(sum(targets.values(), ZERO)),
                "attainment": attainments.get(period),
            }
        )
    return rows


def budget_periods(*, user: User, owner: User | None = None) -> list[str]:
    """The quarters the user may see budgets for (of one owner when given), newest first."""
    qs = budget_list(user=user)
    if owner is not None:
        qs = qs.filter(owner=owner)
    return sorted(set(qs.values_list("period", flat=True)), reverse=True)


def _pct(part: Decimal, whole: Decimal) -> str:
    """A bar segment's width in percent, written with a dot whatever the page's language."""
    return f"{(part / whole * 100) if whole > 0 else 0:.2f}"


def budget_summary(*, budget: Budget) -> dict:
    """The figures of one budget, its bar segments and its allocation basis as rows."""
    remaining = budget.remaining
    spent, reserved, free = max(budget.spent, ZERO), max(budget.reserved, ZERO), max(remaining, ZERO)
    whole = spent + reserved + free
    basis = budget.basis or {}
    labels = dict(CustomerTier.choices)
    tiers = [
        {
            "tier": tier,
            "label": labels.get(tier, tier),
            "target": Decimal(row["target"]),
            "ratio": Decimal(row["ratio"]),
            "amount": Decimal(row["amount"]),
        }
        for tier, row in (basis.get("tiers") or {}).items()
    ]

    def dec(key):
        value = basis.get(key)
        return None if value is None else Decimal(value)

    return {
        "budget": budget,
        "allocated": budget.allocated,
        "adjustments": budget.adjustments,
        "reserved": budget.reserved,
        "spent": budget.spent,
        "remaining": remaining,
        "overrun": budget.overrun,
        "bar": {"spent": _pct(spent, whole), "reserved": _pct(reserved, whole), "remaining": _pct(free, whole)},
        "basis": {
            "tiers": tiers,
            "subtotal": dec("subtotal"),
            "attainment_period": basis.get("attainment_period"),
            "attainment": dec("attainment"),
            "factor": dec("attainment_factor"),
            "allocated": dec("allocated"),
        },
    }
