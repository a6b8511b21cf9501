"""Building blocks for tiered-support tests: delivery centres, their engineers, a class."""

import datetime as dt

from budgeting.tests.factories import open_budget
from dispatch.models import DeliveryCentre, Engineer
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from presales.models import Opportunity, Region, Solution, User
from presales.periods import Quarter


def make_centre(solution: Solution, *, lead: User | None = None, name: str = "") -> DeliveryCentre:
    return DeliveryCentre.objects.create(solution=solution, name=name or f"{solution.code} delivery centre", lead=lead)


def centre_engineer(username: str, *, centre: DeliveryCentre, region: Region, **kwargs) -> Engineer:
    engineer = make_engineer(username, region=region, solutions=[centre.solution], **kwargs)
    engineer.delivery_centre = centre
    engineer.save(update_fields=["delivery_centre"])
    return engineer


def classed_opportunity(owner: User, project_class: str, *, region: Region, solution: Solution) -> Opportunity:
    opportunity = make_opportunity(owner, region=region, solution=solution)
    opportunity.project_class = project_class
    opportunity.save(update_fields=["project_class"])
    return opportunity


def monday(weeks_ahead: int = 1) -> dt.date:
    today = dt.datetime.now(SHANGHAI).date()
    return today + dt.timedelta(days=7 * weeks_ahead - today.weekday())


def slot(weeks_ahead: int = 1, hour: int = 10, hours: int = 2) -> tuple[dt.datetime, dt.datetime]:
    """A window inside everyone's working hours (9–18 Shanghai), with the rep's budget open."""
    start = dt.datetime.combine(monday(weeks_ahead), dt.time(hour), tzinfo=SHANGHAI)
    return start, start + dt.timedelta(hours=hours)


def fund(rep: User, *moments: dt.datetime) -> None:
    for period in sorted({str(Quarter.of(moment)) for moment in moments}):
        open_budget(rep, period, allocated="100000.00")
