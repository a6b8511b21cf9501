"""Tiered support in grab orders: only engineers eligible for the opportunity are invited."""

import pytest

from dispatch.tests.engineers import make_engineer
from dispatch.tests.tiers import centre_engineer, classed_opportunity, make_centre
from dispatch.tiered.escalations import escalation_approve, escalation_request
from grabbing.tests.factories import post
from presales.tests.factories import SolutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineers(north, east, solution_a, lead):
    make_engineer("local", region=north, solutions=[solution_a])
    centre_engineer("own", centre=make_centre(solution_a, lead=lead), region=east)
    other = centre_engineer("other", centre=make_centre(SolutionFactory(code="B")), region=east)
    other.solutions.add(solution_a)  # matches the order's solution, but belongs to another centre


def invited(order) -> set[str]:
    return set(order.invitations.values_list("engineer__user__username", flat=True))


@pytest.mark.parametrize("project_class", ["A", "B"])
def test_class_a_b_orders_invite_the_solutions_delivery_centre(rep, north, solution_a, engineers, project_class):
    opportunity = classed_opportunity(rep, project_class, region=north, solution=solution_a)
    assert invited(post(rep, opportunity)) == {"local", "own"}


@pytest.mark.parametrize("project_class", ["C", "D", "E"])
def test_class_c_d_e_orders_invite_the_centre_only_after_an_approved_escalation(
    rep, manager, north, solution_a, engineers, project_class
):
    opportunity = classed_opportunity(rep, project_class, region=north, solution=solution_a)
    assert invited(post(rep, opportunity)) == {"local"}
    escalation = escalation_request(by=rep, opportunity=opportunity, reason="Needs the centre")
    escalation_approve(escalation=escalation, by=manager)
    assert invited(post(rep, opportunity)) == {"local", "own"}
