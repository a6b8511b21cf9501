"""Money moves only as appended ledger lines; remaining never goes below zero unflagged."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from budgeting.models import LedgerEntry, LedgerKind
from budgeting.selectors.budgets import ledger_totals
from budgeting.services.ledger import (
    budget_adjust,
    budget_charge,
    budget_release,
    budget_reserve,
    budget_settle,
)
from budgeting.tests.factories import open_budget
from presales.exceptions import BudgetExceeded, InvalidState, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(rep):
    return open_budget(rep, allocated="100000.00")


def figures(budget):
    budget.refresh_from_db()
    return {
        "allocated": budget.allocated,
        "adjustments": budget.adjustments,
        "reserved": budget.reserved,
        "spent": budget.spent,
        "remaining": budget.remaining,
    }


def assert_consistent(budget):
    budget.refresh_from_db()
    totals = ledger_totals(budget=budget)
    assert totals == {
        "allocated": budget.allocated,
        "adjustments": budget.adjustments,
        "reserved": budget.reserved,
        "spent": budget.spent,
        "overrun": budget.overrun,
    }


def test_reserve_holds_money_and_records_who(budget, rep):
    line = budget_reserve(budget=budget, amount="40000", booking_id=7, by=rep, reason="POC")
    assert (line.kind, line.amount, line.booking_id, line.by) == (LedgerKind.RESERVE, Decimal("40000.00"), 7, rep)
    assert figures(budget)["remaining"] == Decimal("60000.00")
    assert_consistent(budget)


def test_a_reservation_that_would_overdraw_is_refused_and_writes_nothing(budget, rep):
    budget_reserve(budget=budget, amount="90000", booking_id=1, by=rep)
    with pytest.raises(BudgetExceeded):
        budget_reserve(budget=budget, amount="10000.01", booking_id=2, by=rep)
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 1
    assert figures(budget)["remaining"] == Decimal("10000.00")
    budget_reserve(budget=budget, amount="10000.00", booking_id=3, by=rep)  # exactly to zero is fine
    assert figures(budget)["remaining"] == Decimal("0.00")


def test_release_gives_back_what_a_booking_holds_and_no_more(budget, rep):
    budget_reserve(budget=budget, amount="30000", booking_id=5, by=rep)
    with pytest.raises(InvalidState):
        budget_release(budget=budget, amount="30000.01", booking_id=5, by=rep)
    budget_release(budget=budget, booking_id=5, by=rep, reason="cancelled")
    assert figures(budget)["reserved"] == Decimal("0.00")
    assert budget_release(budget=budget, booking_id=5, by=rep) is None
    assert_consistent(budget)


def test_settle_releases_the_reservation_and_charges_the_actual_cost(budget, rep):
    budget_reserve(budget=budget, amount="10000", booking_id=9, by=rep)
    budget_settle(budget=budget, booking_id=9, amount="8000", by=rep)
    assert figures(budget) == {
        "allocated": Decimal("100000.00"),
        "adjustments": Decimal("0.00"),
        "reserved": Decimal("0.00"),
        "spent": Decimal("8000.00"),
        "remaining": Decimal("92000.00"),
    }
    assert_consistent(budget)


def test_a_completion_overrun_is_charged_and_flagged(budget, rep):
    budget_reserve(budget=budget, amount="95000", booking_id=1, by=rep)
    budget_reserve(budget=budget, amount="5000", booking_id=2, by=rep)
    charge = budget_settle(budget=budget, booking_id=2, amount="12000", by=rep)
    assert charge.flagged
    assert charge.overrun == Decimal("7000.00")
    budget.refresh_from_db()
    assert budget.remaining == Decimal("-7000.00")
    assert budget.overrun == Decimal("7000.00")
    assert_consistent(budget)
    with pytest.raises(BudgetExceeded):
        budget_reserve(budget=budget, amount="1", booking_id=3, by=rep)


def test_a_manager_of_the_region_adjusts_with_a_reason(budget, manager):
    line = budget_adjust(budget=budget, amount="-2500.50", reason="Quarter-end review", by=manager)
    assert (line.kind, line.amount, line.by, line.reason) == (
        LedgerKind.ADJUST,
        Decimal("-2500.50"),
        manager,
        "Quarter-end review",
    )
    assert figures(budget)["remaining"] == Decimal("97499.50")


def test_adjustments_need_a_reason_the_right_manager_and_money_left(budget, manager, other_manager, rep):
    with pytest.raises(ValidationFailed) as error:
        budget_adjust(budget=budget, amount="100", reason="  ", by=manager)
    assert "reason" in error.value.fields
    with pytest.raises(PermissionDenied):
        budget_adjust(budget=budget, amount="100", reason="Because", by=other_manager)
    with pytest.raises(PermissionDenied):
        budget_adjust(budget=budget, amount="100", reason="Because", by=rep)
    with pytest.raises(BudgetExceeded):
        budget_adjust(budget=budget, amount="-100000.01", reason="Cut", by=manager)
    assert not LedgerEntry.objects.filter(kind=LedgerKind.ADJUST).exists()


def test_ledger_lines_cannot_be_changed_or_deleted_through_the_orm(budget):
    line = budget.entries.get()
    with pytest.raises(TypeError):
        line.save()
    with pytest.raises(TypeError):
        line.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.update(reason="rewritten")
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()


def test_the_database_refuses_to_rewrite_a_ledger_line(budget):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE budgeting_ledgerentry SET amount = 1")
    assert budget.entries.get().amount == Decimal("100000.00")


@pytest.mark.postgresql
def test_postgresql_refuses_to_delete_a_ledger_line(budget):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM budgeting_ledgerentry")
    assert budget.entries.count() == 1


def test_the_database_check_backs_the_never_overdrawn_rule(budget):
    from django.db import IntegrityError

    budget.reserved = Decimal("100000.01")
    with pytest.raises(IntegrityError), transaction.atomic():
        budget.save(update_fields=["reserved"])


def test_charge_without_reservation_within_remaining_is_not_flagged(budget, rep):
    line = budget_charge(budget=budget, amount="100", booking_id=None, by=rep)
    assert not line.flagged
