"""Building blocks for grab-order tests: a window next week, invited engineers, a posted order."""

import datetime as dt

from budgeting.tests.factories import open_budget
from dispatch.tests.engineers import SHANGHAI, make_engineer
from grabbing.services.grab_orders import grab_order_post
from presales.periods import Quarter


def next_monday(weeks_ahead: int = 1) -> dt.date:
    today = dt.datetime.now(SHANGHAI).date()
    return today + dt.timedelta(days=7 * weeks_ahead - today.weekday())


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def window(hours: int = 2) -> tuple[dt.datetime, dt.datetime]:
    start = at(next_monday(), 10)
    return start, start + dt.timedelta(hours=hours)


def engineers(count: int, *, region, solution, prefix: str = "eng", **kwargs) -> list:
    return [make_engineer(f"{prefix}{index}", region=region, solutions=[solution], **kwargs) for index in range(count)]


def budget_for(rep, start: dt.datetime, allocated: str = "100000.00"):
    return open_budget(rep, str(Quarter.of(start)), allocated=allocated)


def post(rep, opportunity, *, uplift_percent: int = 50, hours: int = 2, **kwargs):
    start, end = window(hours)
    arguments = {
        "by": rep,
        "opportunity": opportunity,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": start,
        "end": end,
        "uplift_percent": uplift_percent,
    }
    return grab_order_post(**(arguments | kwargs))
