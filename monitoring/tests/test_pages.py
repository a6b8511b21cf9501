"""The regional dashboard placeholder: region × solution opportunity counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.selectors import opportunity_grid
from presales.choices import ProjectClass, Role
from presales.tests.factories import CustomerFactory, OpportunityFactory, RegionFactory, SolutionFactory, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def deals(north, east, rep, other_rep):
    """North: 2 × A, 1 × B; east: 1 × A. Solution C has none."""
    a, b, _c = SolutionFactory(code="A"), SolutionFactory(code="B"), SolutionFactory(code="C")
    east_rep = make_user("east_rep", roles=[Role.SALES], regions=[east])
    north_customer, east_customer = CustomerFactory(region=north), CustomerFactory(region=east)
    OpportunityFactory(owner=rep, customer=north_customer, solution=a)
    OpportunityFactory(owner=other_rep, customer=north_customer, solution=a)
    OpportunityFactory(owner=rep, customer=north_customer, solution=b, project_class=ProjectClass.A)
    OpportunityFactory(owner=east_rep, customer=east_customer, solution=a)


def table(grid) -> dict[str, list[int]]:
    return {row.region.code: row.counts for row in grid.rows}


def test_manager_grid_covers_their_regions_and_all_solutions(manager, deals):
    grid = opportunity_grid(user=manager)
    assert [solution.code for solution in grid.solutions] == ["A", "B", "C"]
    assert table(grid) == {"north": [2, 1, 0]}
    assert (grid.totals, grid.total) == ([2, 1, 0], 3)


def test_other_manager_sees_only_their_region(other_manager, deals):
    assert table(opportunity_grid(user=other_manager)) == {"east": [1, 0, 0]}


def test_admin_sees_every_region(admin_user, deals):
    RegionFactory(code="west")
    grid = opportunity_grid(user=admin_user)
    assert table(grid) == {"east": [1, 0, 0], "north": [2, 1, 0], "west": [0, 0, 0]}
    assert grid.total == 4


def test_lead_counts_only_the_work_their_role_covers(lead, deals):
    # Leads direct A/B work: the class-A opportunity in their region is the one they see.
    assert table(opportunity_grid(user=lead)) == {"north": [0, 1, 0]}


def test_counts_are_one_aggregated_query(admin_user, deals):
    opportunity_grid(user=admin_user)  # warm the role cache
    with CaptureQueriesContext(connection) as queries:
        opportunity_grid(user=admin_user)
    count_queries = [q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"].upper()]
    assert len(count_queries) == 1
    assert len(queries.captured_queries) == 3  # regions, solutions, counts


def test_dashboard_page_shows_the_grid(client, manager, deals):
    client.force_login(manager)
    response = client.get(reverse("monitoring:dashboard"), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-region="north"' in body and 'data-region="east"' not in body
    assert '<td class="num total" data-testid="grand-total">3</td>' in body
    assert "later release" in body


@pytest.mark.parametrize("persona", ["rep", "engineer_user"])
def test_dashboard_is_forbidden_to_reps_and_engineers(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("monitoring:dashboard")).status_code == 403
