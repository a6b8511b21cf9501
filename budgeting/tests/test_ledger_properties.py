"""Property: whatever the sequence of reserve/release/charge/adjust, the stored figures equal
the ledger's sums and remaining is never negative except through a flagged overrun."""

import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgeting.selectors.budgets import ledger_totals
from budgeting.services.ledger import budget_adjust, budget_charge, budget_release, budget_reserve, budget_settle
from budgeting.tests.factories import open_budget
from presales.choices import Role
from presales.exceptions import ApplicationError
from presales.tests.factories import make_user

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60000"), places=2)
bookings = st.integers(min_value=1, max_value=6)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), amounts, bookings),
        st.tuples(st.just("release"), st.one_of(st.none(), amounts), bookings),
        st.tuples(st.just("charge"), amounts, bookings),
        st.tuples(st.just("settle"), amounts, bookings),
        st.tuples(
            st.just("adjust"), st.decimals(min_value=Decimal("-50000"), max_value=Decimal("50000"), places=2), st.none()
        ),
    ),
    max_size=25,
)


def apply(operation, budget, rep, manager):
    kind, amount, booking = operation
    if kind == "reserve":
        return budget_reserve(budget=budget, amount=amount, booking_id=booking, by=rep)
    if kind == "release":
        return budget_release(budget=budget, amount=amount, booking_id=booking, by=rep)
    if kind == "charge":
        return budget_charge(budget=budget, amount=amount, booking_id=booking, by=rep)
    if kind == "settle":
        return budget_settle(budget=budget, amount=amount, booking_id=booking, by=rep)
    return budget_adjust(budget=budget, amount=amount, reason="property test", by=manager)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, seq=st.integers(min_value=0, max_value=10**9))
def test_figures_always_equal_the_ledger_and_remaining_is_never_silently_negative(north, manager, ops, seq):
    rep = make_user(f"rep{seq}-{len(ops)}-{id(ops)}", roles=[Role.SALES], regions=[north])
    budget = open_budget(rep, allocated="100000.00")
    for operation in ops:
        # A refused operation must leave everything as it was: checked below.
        with contextlib.suppress(ApplicationError):
            apply(operation, budget, rep, manager)
        budget.refresh_from_db()
        totals = ledger_totals(budget=budget)
        assert totals == {
            "allocated": budget.allocated,
            "adjustments": budget.adjustments,
            "reserved": budget.reserved,
            "spent": budget.spent,
            "overrun": budget.overrun,
        }
        assert budget.reserved >= 0
        assert budget.remaining >= -budget.overrun
        if budget.remaining < 0:
            assert budget.entries.filter(overrun__gt=0).exists()
