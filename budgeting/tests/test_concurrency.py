"""Many reservations at once never overdraw a budget (real threads, real database)."""

from decimal import Decimal

import pytest

from budgeting.models import Budget, LedgerKind
from budgeting.selectors.budgets import ledger_totals
from budgeting.services.ledger import budget_reserve
from budgeting.tests.factories import open_budget
from presales.exceptions import BudgetExceeded
from presales.tests.concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_reservations_of_ten_thousand_against_one_hundred_thousand(rep):
    budget = open_budget(rep, allocated="100000.00")

    def reserve(index: int):
        return budget_reserve(budget=Budget(pk=budget.pk), amount="10000.00", booking_id=index + 1, by=rep)

    results = run_concurrently(50, reserve)
    failures = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(f, BudgetExceeded) for f in failures), failures
    assert len(results) - len(failures) == 10
    budget.refresh_from_db()
    assert budget.remaining == Decimal("0.00")
    assert budget.entries.filter(kind=LedgerKind.RESERVE).count() == 10
    totals = ledger_totals(budget=budget)
    assert (totals["allocated"], totals["reserved"]) == (budget.allocated, budget.reserved)
