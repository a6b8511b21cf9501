"""Building blocks for dispatch tests: engineers made through engineer_upsert, opportunities."""

import datetime as dt

from dispatch.models import Engineer
from dispatch.services.engineers import engineer_upsert
from presales.choices import PresalesStage, Role
from presales.models import Region, Solution, User
from presales.tests.factories import CustomerFactory, OpportunityFactory, RateFactory, make_user

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
WEEKDAYS = range(1, 6)
NINE_TO_SIX = [(day, dt.time(9), dt.time(18)) for day in WEEKDAYS]


def make_engineer(
    user: User | str,
    *,
    region: Region,
    time_zone: str = "Asia/Shanghai",
    working_hours=NINE_TO_SIX,
    time_off=(),
    grade: str = "P3",
    hourly_rate: str = "500.00",
    solutions: list[Solution] = (),
    skills: dict | None = None,
) -> Engineer:
    """An engineer with an email (so notifications have somewhere to go) and a rate card entry."""
    if isinstance(user, str):
        user = make_user(user, roles=[Role.ENGINEER], regions=[region], email=f"{user}@example.com")
    elif not user.email:
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    RateFactory(resource_type="presales", grade=grade, hourly_rate=hourly_rate)
    return engineer_upsert(
        user=user,
        region=region,
        resource_type="presales",
        grade=grade,
        time_zone=time_zone,
        solutions=list(solutions),
        skills=skills or {},
        working_hours=list(working_hours),
        time_off=list(time_off),
    )


def make_opportunity(owner: User, *, region: Region, solution: Solution, stage: str = PresalesStage.VALUE_PRESENTATION):
    return OpportunityFactory(owner=owner, customer=CustomerFactory(region=region), solution=solution, stage=stage)
