"""Budget policy, sales targets and attainment from a scenario file."""

from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from budgeting.models import Attainment, BudgetPolicy, SalesTarget
from budgeting.selectors import allocation_for
from presales.models import User
from presales.tests.scenario_files import broken_copy, load, reference_path, row_counts, set_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    return load(reference_path())


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


BROKEN = [
    (set_at("sales_targets[0].rep", "mgr_north"), "sales_targets[0].rep: mgr_north is not a sales rep."),
    (set_at("sales_targets[1].rep", "ghost"), "sales_targets[1].rep: unknown user 'ghost'"),
    (set_at("sales_targets[2].period", "2026Q5"), "sales_targets[2].period: 2026Q5 is not a quarter"),
    (set_at("sales_targets[3].tier", "E"), "sales_targets[3].tier: unknown tier 'E'"),
    (set_at("sales_targets[4].target", "lots"), "sales_targets[4].target: not a decimal number: 'lots'"),
    (set_at("sales_targets[5].period", "2026Q2"), "sales_targets[5]: sales target 'rep_b/2026Q2/A' appears twice"),
    (set_at("attainment[2].attainment", "-0.10"), "attainment[2].attainment: "),
    (set_at("attainment[3].period", "2025Q4"), "attainment[3]: attainment 'rep_b/2025Q4' appears twice"),
    (set_at("budget_policy.tier_ratios.E", "0.01"), "budget_policy.tier_ratios.E: unknown tier 'E'"),
    (set_at("budget_policy.tier_ratios.A", "0.00001"), "budget_policy.tier_ratios.A: "),
    (set_at("budget_policy.attainment_mini", "0.5"), "budget_policy.attainment_mini: unknown budget policy field"),
    (set_at("budget_policy.attainment_min", "2.00"), "budget_policy.attainment_max: The maximum must not be below"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN, ids=[message.split(":")[0] for _c, message in BROKEN])
def test_a_broken_budget_section_names_the_record_and_field_and_changes_nothing(tmp_path, change, message):
    with pytest.raises(CommandError) as raised:
        load(broken_copy(tmp_path, change))
    assert message in str(raised.value)
    assert not any(row_counts().values())


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
