"""Budget policy, sales targets and attainment from a scenario file."""

import pytest
from django.core.management.base import CommandError

from presales.tests.scenario_files import broken_copy, load, row_counts, set_at

pytestmark = pytest.mark.django_db


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
