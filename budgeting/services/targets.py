"""Writes of the budget rule and its inputs: the policy, sales targets and attainment.

Each change recomputes the open budgets it feeds (``budget_recompute`` appends the difference
to the ledger), so a budget never silently disagrees with the basis it shows.
"""

from decimal import Decimal
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import Attainment, Budget, BudgetPolicy, SalesTarget
from budgeting.services.ledger import budget_recompute
from presales import access
from presales.choices import CustomerTier
from presales.core.db import lock, lock_if_any
from presales.exceptions import PermissionDenied, ValidationFailed
from presales.models import User
from presales.periods import Quarter

_M = TypeVar("_M", bound=models.Model)

POLICY_FIELDS = frozenset(
    [*(f"tier_ratio_{tier.lower()}" for tier in CustomerTier.values), "attainment_min", "attainment_max"]
)


@transaction.atomic
def budget_policy_update(*, by: User | None, **fields: Decimal) -> BudgetPolicy:
    """Change the budget rule. ``by`` is None only for system changes such as imports.

    Budgets of past quarters keep their allocation: like the frozen rate of a booking, a rule
    change never reprices closed history.
    """
    if by is not None and not access.is_admin(by):
        raise PermissionDenied(_("Only administrators change the budget policy."))
    unknown = sorted(set(fields) - POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Not a budget policy setting.")] for name in unknown})
    policy = lock(BudgetPolicy.objects.all(), pk=BudgetPolicy.current().pk)
    for name, value in fields.items():
        setattr(policy, name, value)
    if policy.attainment_max < policy.attainment_min:
        raise ValidationFailed(fields={"attainment_max": [_("The maximum must not be below the minimum.")]})
    policy._history_user = by
    policy.full_clean()
    policy.save()
    current = str(Quarter.of(timezone.now()))
    _recompute(Budget.objects.filter(period__gte=current), reason=_("Budget policy changed"))
    return policy


@transaction.atomic
def sales_target_set(*, rep: User, period: str, tier: str, target: Decimal) -> SalesTarget:
    """Set a rep's target for one customer tier in a quarter."""
    _require_rep(rep)
    row = _put(SalesTarget, lookup={"rep": rep, "period": period, "tier": tier}, values={"target": target})
    _recompute(Budget.objects.filter(owner=rep, period=period), reason=_("Sales target changed"))
    return row


@transaction.atomic
def attainment_set(*, rep: User, period: str, attainment: Decimal) -> Attainment:
    """Record how much of their target a rep attained in a quarter (a fraction, 1 = 100 %).

    It sets the attainment factor of the following quarter's budget.
    """
    _require_rep(rep)
    row = _put(Attainment, lookup={"rep": rep, "period": period}, values={"attainment": attainment})
    following = str(Quarter.parse(period).next)
    _recompute(Budget.objects.filter(owner=rep, period=following), reason=_("Attainment changed"))
    return row


def _require_rep(rep: User) -> None:
    if not access.is_rep(rep):
        raise ValidationFailed(fields={"rep": [_("%(user)s is not a sales rep.") % {"user": rep.username}]})


def _put(model: type[_M], *, lookup: dict, values: dict) -> _M:
    """Create or update the one row matching ``lookup``, locked while it changes."""
    row = lock_if_any(model._default_manager.all(), **lookup) or model(**lookup)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


def _recompute(budgets: models.QuerySet, *, reason: str) -> None:
    for budget in budgets:
        budget_recompute(budget=budget, reason=reason)
