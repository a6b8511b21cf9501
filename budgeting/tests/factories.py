from decimal import Decimal

from budgeting.models import Attainment, SalesTarget
from budgeting.services.ledger import budget_open


def give_targets(rep, period: str, **targets_by_tier) -> None:
    """``give_targets(rep, "2026Q2", A="10000000.00")``"""
    for tier, target in targets_by_tier.items():
        SalesTarget.objects.update_or_create(rep=rep, period=period, tier=tier, defaults={"target": Decimal(target)})


def open_budget(rep, period: str = "2026Q2", *, allocated: str = "100000.00", attainment: str | None = None):
    """A budget whose allocation is exactly ``allocated`` (tier A target × 0.015)."""
    give_targets(rep, period, A=str(Decimal(allocated) / Decimal("0.015")))
    if attainment is not None:
        from presales.periods import Quarter

        Attainment.objects.update_or_create(
            rep=rep, period=str(Quarter.parse(period).previous), defaults={"attainment": Decimal(attainment)}
        )
    return budget_open(rep=rep, period=period)
