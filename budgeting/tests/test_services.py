"""Writes of the budget inputs: who may make them, and budgets kept in step with them."""

from decimal import Decimal

import pytest
from django.utils import timezone

from budgeting.models import BudgetPolicy, SalesTarget
from budgeting.services.ledger import budget_open
from budgeting.services.targets import attainment_set, budget_policy_update, sales_target_set
from presales.exceptions import PermissionDenied, ValidationFailed
from presales.periods import Quarter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_setting_a_target_twice_updates_it(rep):
    sales_target_set(rep=rep, period="2026Q2", tier="A", target=Decimal("100.00"))
    sales_target_set(rep=rep, period="2026Q2", tier="A", target=Decimal("200.00"))
    assert SalesTarget.objects.get(rep=rep).target == Decimal("200.00")


@pytest.mark.parametrize("write", ["target", "attainment"])
def test_only_sales_reps_have_targets_and_attainment(manager, write):
    with pytest.raises(ValidationFailed) as refused:
        if write == "target":
            sales_target_set(rep=manager, period="2026Q2", tier="A", target=Decimal("1.00"))
        else:
            attainment_set(rep=manager, period="2026Q1", attainment=Decimal("1.00"))
    assert "rep" in refused.value.fields


def test_a_new_target_recomputes_the_open_budget_of_its_quarter(rep):
    budget = budget_open(rep=rep, period="2026Q2")
    sales_target_set(rep=rep, period="2026Q2", tier="A", target=Decimal("10000000.00"))
    budget.refresh_from_db()
    assert budget.allocated == Decimal("150000.00")


def test_attainment_recomputes_the_following_quarters_budget(rep):
    sales_target_set(rep=rep, period="2026Q2", tier="A", target=Decimal("10000000.00"))
    budget = budget_open(rep=rep, period="2026Q2")
    attainment_set(rep=rep, period="2026Q1", attainment=Decimal("0.80"))
    budget.refresh_from_db()
    assert budget.allocated == Decimal("120000.00")


def test_only_admins_change_the_policy(manager):
    with pytest.raises(PermissionDenied):
        budget_policy_update(by=manager, tier_ratio_a=Decimal("0.02"))


def test_unknown_policy_settings_are_refused(admin_user):
    with pytest.raises(ValidationFailed) as refused:
        budget_policy_update(by=admin_user, rank_bonus=Decimal("1"))
    assert set(refused.value.fields) == {"rank_bonus"}


def test_a_policy_change_is_audited_and_reprices_only_current_and_later_budgets(rep, admin_user):
    this = Quarter.of(timezone.now())
    for period in (this.previous, this):
        sales_target_set(rep=rep, period=str(period), tier="A", target=Decimal("10000000.00"))
    past, current = (budget_open(rep=rep, period=str(period)) for period in (this.previous, this))
    budget_policy_update(by=admin_user, tier_ratio_a=Decimal("0.0200"))
    past.refresh_from_db()
    current.refresh_from_db()
    assert (past.allocated, current.allocated) == (Decimal("150000.00"), Decimal("200000.00"))
    assert BudgetPolicy.history.first().history_user == admin_user
