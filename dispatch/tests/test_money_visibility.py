"""Who sees a booking's money is one rule (dispatch.selectors.visibility.sees_only_own_part), asked by the
opportunity page, the visibility API and the bookings API alike. They used to disagree for an
engineer who also holds a manager's role: the bookings API showed the money of their own
booking in another region, the page hid it."""

import pytest

from budgeting.tests.factories import open_budget
from dispatch.selectors.visibility import opportunity_visibility
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_bookings import book
from presales.choices import Role
from presales.tests.factories import make_user

pytestmark = pytest.mark.django_db


def booked_as(rep, north, solution_a, *, manages):
    """A booking on a north opportunity of an engineer who also manages ``manages``."""
    open_budget(rep, "2026Q2", allocated="100000.00")
    user = make_user("engineer_manager", roles=[Role.ENGINEER, Role.MANAGER], regions=[manages])
    booking = book(rep, make_engineer(user, region=north), make_opportunity(rep, region=north, solution=solution_a))
    return user, booking


def money_seen(api, user, booking) -> tuple[bool, bool]:
    """(in the bookings API, on the opportunity's visibility) — each as a person would find it."""
    answer = api.as_user(user).get(f"/api/v1/bookings/{booking.pk}/").json()
    visibility = opportunity_visibility(opportunity=booking.work_order.opportunity, viewer=user)
    return answer["cost"] is not None, visibility.spent is not None


def test_managing_another_region_the_engineer_sees_no_money_of_their_booking_anywhere(
    api, rep, north, east, solution_a
):
    user, booking = booked_as(rep, north, solution_a, manages=east)
    assert money_seen(api, user, booking) == (False, False)


def test_managing_the_region_the_engineer_sees_the_money_everywhere(api, rep, north, solution_a):
    user, booking = booked_as(rep, north, solution_a, manages=north)
    assert money_seen(api, user, booking) == (True, True)


def test_a_plain_engineer_sees_no_money_and_the_rep_sees_it(api, rep, north, solution_a, engineer_user):
    open_budget(rep, "2026Q2", allocated="100000.00")
    booking = book(
        rep, make_engineer(engineer_user, region=north), make_opportunity(rep, region=north, solution=solution_a)
    )
    assert money_seen(api, engineer_user, booking) == (False, False)
    assert money_seen(api, rep, booking) == (True, True)
