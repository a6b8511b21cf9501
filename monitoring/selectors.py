"""Reads for the regional dashboard, scoped to the regions the user oversees."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from presales.choices import Role
from presales.models import Region, Solution, User
from presales.selectors import opportunity_list


@dataclass(frozen=True)
class GridRow:
    region: Region
    counts: list[int]
    total: int


@dataclass(frozen=True)
class OpportunityGrid:
    solutions: list[Solution]
    rows: list[GridRow]
    totals: list[int]
    total: int


def dashboard_regions(*, user: User) -> QuerySet[Region]:
    if user.has_role(Role.ADMIN):
        return Region.objects.all()
    return user.regions.all()


def opportunity_grid(*, user: User) -> OpportunityGrid:
    """Region × solution opportunity counts: the user's regions (admins: all) × all solutions.

    One grouped query for every count; empty cells are zeros, not missing rows.
    """
    regions = list(dashboard_regions(user=user))
    solutions = list(Solution.objects.all())
    counted = (
        opportunity_list(user=user)
        .filter(region__in=regions)
        .order_by()
        .values_list("region_id", "solution_id")
        .annotate(n=Count("id", distinct=True))
    )
    cells = {(region_id, solution_id): n for region_id, solution_id, n in counted}
    rows = []
    for region in regions:
        counts = [cells.get((region.pk, solution.pk), 0) for solution in solutions]
        rows.append(GridRow(region=region, counts=counts, total=sum(counts)))
    totals = [sum(row.counts[i] for row in rows) for i in range(len(solutions))]
    return OpportunityGrid(solutions=solutions, rows=rows, totals=totals, total=sum(totals))
