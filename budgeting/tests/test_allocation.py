"""The allocation rule: Σ tier target × ratio × clamped attainment — never rank."""

from decimal import Decimal

import pytest

from budgeting.models import Attainment, BudgetPolicy, LedgerKind
from budgeting.selectors.budgets import allocation_for
from budgeting.services.ledger import budget_open, budget_recompute
from budgeting.tests.factories import give_targets
from presales.choices import Role
from presales.tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_allocation_sums_tiers_times_ratios_times_last_quarters_attainment(rep):
    give_targets(rep, "2026Q2", A="10000000.00", B="8000000.00")
    Attainment.objects.create(rep=rep, period="2026Q1", attainment=Decimal("1.00"))
    allocation = allocation_for(rep=rep, period="2026Q2")
    assert allocation.amount == Decimal("250000.00")
    assert allocation.basis["tiers"]["A"] == {"target": "10000000.00", "ratio": "0.0150", "amount": "150000.00"}
    assert allocation.basis["tiers"]["B"]["amount"] == "100000.00"
    assert allocation.basis["attainment_period"] == "2026Q1"
    assert Decimal(allocation.basis["attainment_factor"]) == Decimal("1.00")


@pytest.mark.parametrize(
    ("attainment", "factor", "allocated"),
    [
        (None, "1", "150000.00"),
        ("0.80", "0.80", "120000.00"),
        ("1.50", "1.20", "180000.00"),
        ("0.10", "0.50", "75000.00"),
    ],
)
def test_attainment_factor_is_clamped_and_defaults_to_one(rep, attainment, factor, allocated):
    give_targets(rep, "2026Q2", A="10000000.00")
    if attainment:
        Attainment.objects.create(rep=rep, period="2026Q1", attainment=Decimal(attainment))
    allocation = allocation_for(rep=rep, period="2026Q2")
    assert Decimal(allocation.basis["attainment_factor"]) == Decimal(factor)
    assert allocation.amount == Decimal(allocated)


def test_rank_never_changes_the_allocation(north):
    junior = make_user("junior", roles=[Role.SALES], regions=[north], rank="junior")
    vp = make_user("vp", roles=[Role.SALES], regions=[north], rank="vice president")
    for rep in (junior, vp):
        give_targets(rep, "2026Q2", A="10000000.00", B="8000000.00")
    assert budget_open(rep=junior, period="2026Q2").allocated == budget_open(rep=vp, period="2026Q2").allocated


def test_policy_ratios_are_configurable(rep):
    give_targets(rep, "2026Q2", C="1000000.00")
    policy = BudgetPolicy.current()
    policy.tier_ratio_c = Decimal("0.0200")
    policy.save()
    assert allocation_for(rep=rep, period="2026Q2").amount == Decimal("20000.00")


def test_a_target_change_is_recomputed_as_a_new_allocation_line(rep):
    give_targets(rep, "2026Q2", A="10000000.00")
    budget = budget_open(rep=rep, period="2026Q2")
    give_targets(rep, "2026Q2", A="12000000.00")
    line = budget_recompute(budget=budget, reason="Target raised")
    budget.refresh_from_db()
    assert budget.allocated == Decimal("180000.00")
    assert [(e.kind, e.amount) for e in budget.entries.all()] == [
        (LedgerKind.ALLOCATE, Decimal("150000.00")),
        (LedgerKind.ALLOCATE, Decimal("30000.00")),
    ]
    assert line.reason == "Target raised"
    assert budget_recompute(budget=budget) is None  # nothing changed, nothing written
