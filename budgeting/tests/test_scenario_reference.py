"""The reference file's budget policy, sales targets and attainment, imported once for the module."""

from decimal import Decimal

import pytest

from budgeting.models import Attainment, BudgetPolicy, SalesTarget
from budgeting.selectors.budgets import allocation_for
from presales.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(reference_scenario):
    """What importing the reference file printed; it is imported once for the module (conftest.py)."""
    return reference_scenario


def test_targets_attainment_and_policy_are_loaded(loaded):
    assert SalesTarget.objects.count() == 6
    assert SalesTarget.objects.get(rep__username="rep_a", period="2026Q2", tier="B").target == Decimal("8000000.00")
    assert Attainment.objects.count() == 4
    assert Attainment.objects.get(rep__username="rep_b", period="2026Q1").attainment == Decimal("1.00")
    policy = BudgetPolicy.current()
    assert (policy.tier_ratio_a, policy.tier_ratio_d) == (Decimal("0.0150"), Decimal("0.0050"))
    assert (policy.attainment_min, policy.attainment_max) == (Decimal("0.50"), Decimal("1.20"))


def test_the_source_budget_follows_and_rank_does_not_matter(loaded):
    rep_a, rep_b = User.objects.get(username="rep_a"), User.objects.get(username="rep_b")
    assert rep_a.rank != rep_b.rank
    assert allocation_for(rep=rep_a, period="2026Q2").amount == Decimal("250000.00")
    assert allocation_for(rep=rep_b, period="2026Q2").amount == Decimal("250000.00")


def test_the_import_opens_every_budget_with_the_reference_figures(loaded):
    from budgeting.models import Budget

    budgets = {(b.owner.username, b.period): b for b in Budget.objects.select_related("owner")}
    assert set(budgets) == {("rep_a", "2026Q2"), ("rep_b", "2026Q2"), ("rep_a", "2026Q1"), ("rep_b", "2026Q1")}
    rep_a, rep_b = budgets["rep_a", "2026Q2"], budgets["rep_b", "2026Q2"]
    assert rep_a.allocated == rep_b.allocated == Decimal("250000.00")
    assert rep_a.basis["tiers"]["A"]["amount"] == "150000.00"
    assert rep_a.basis["tiers"]["B"]["amount"] == "100000.00"
    assert rep_a.basis["attainment"] == "1.0000"
    first = rep_a.entries.order_by("at", "pk").first()
    assert (first.kind, first.amount) == ("allocate", Decimal("250000.00"))
    assert rep_a.entries.filter(kind="allocate").count() == 1
