from celery import shared_task
from django.utils import timezone

from budgeting.services.ledger import budgets_open_for_period
from presales.periods import Quarter


@shared_task(name="budgeting.open_budgets")
def open_budgets(period: str | None = None) -> dict[str, int]:
    """Open the budgets of every rep with targets: this quarter and the next (the beat runs it
    daily, so next quarter's budgets exist before its first booking). Safe to run twice."""
    current = Quarter.of(timezone.now())
    periods = [period] if period else [str(current), str(current.next)]
    return {p: len(budgets_open_for_period(period=p)) for p in periods}
