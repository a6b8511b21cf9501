"""Scenario sections of budgeting: the budget policy, sales targets and attainment."""

from budgeting.models import Attainment, SalesTarget
from budgeting.services.ledger import budget_open
from budgeting.services.targets import attainment_set, budget_policy_update, sales_target_set
from presales.choices import CustomerTier
from presales.scenario import Node, ScenarioContext, register

RATIO_FIELDS = {tier: f"tier_ratio_{tier.lower()}" for tier in CustomerTier.values}
CLAMP_FIELDS = ("attainment_min", "attainment_max")


def load_budget_policy(ctx: ScenarioContext, section: Node) -> None:
    # A single object: a misspelt key would silently keep the default, so unknown keys are refused.
    section.only(["tier_ratios", *CLAMP_FIELDS], "budget policy field")
    ratios = section["tier_ratios"]
    ratios.only(RATIO_FIELDS, "tier")
    fields = {name: ratios[tier].decimal(default=None) for tier, name in RATIO_FIELDS.items()}
    fields |= {name: section[name].decimal(default=None) for name in CLAMP_FIELDS}
    aliases = {name: f"tier_ratios.{tier}" for tier, name in RATIO_FIELDS.items()}
    with section.guard(aliases=aliases):
        budget_policy_update(by=None, **{name: value for name, value in fields.items() if value is not None})


def load_sales_targets(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        rep, period = record["rep"].ref("user"), record["period"].text()
        tier = record["tier"].choice(CustomerTier, "tier")
        existing = SalesTarget.objects.filter(rep=rep, period=period, tier=tier)
        record.ensure_new("sales target", (rep.username, period, tier), existing)
        with record.guard():
            row = sales_target_set(rep=rep, period=period, tier=tier, target=record["target"].decimal())
        ctx.remember("sales target", (rep.username, period, tier), row)
    # Every rep × quarter with targets has a budget; attainment is loaded first (order 65) so
    # the allocation line is final, not an allocation followed by a correction.
    for rep, period in sorted({(t.rep, t.period) for t in ctx.objects["sales target"].values()}, key=_by_rep):
        budget_open(rep=rep, period=period)


def _by_rep(pair):
    return pair[0].pk, pair[1]


def load_attainment(ctx: ScenarioContext, section: Node) -> None:
    for record in section.records():
        rep, period = record["rep"].ref("user"), record["period"].text()
        record.ensure_new("attainment", (rep.username, period), Attainment.objects.filter(rep=rep, period=period))
        with record.guard():
            row = attainment_set(rep=rep, period=period, attainment=record["attainment"].decimal())
        ctx.remember("attainment", (rep.username, period), row)


register("budget_policy", load_budget_policy, order=45)
register("sales_targets", load_sales_targets, order=70)
register("attainment", load_attainment, order=65)
