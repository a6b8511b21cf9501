"""The fuzz's world: one small but complete organisation, built for each role's test
(tests/fuzz/fuzzing.py runs the requests)."""

import datetime as dt
from decimal import Decimal

import pytest

from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create, booking_rate
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from dispatch.tests.tiers import centre_engineer, classed_opportunity, fund, make_centre
from dispatch.tiered.escalations import escalation_request
from dispatch.tiered.hotline import hotline_request
from grabbing.services.grab_orders import grab_order_grab
from grabbing.tests.factories import at, next_monday, post
from monitoring.models import Alert, AlertKind, CellSnapshot
from presales.tests.factories import SkillFactory, SolutionFactory


def _last_weekday() -> dt.date:
    day = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def world(rep, other_rep, engineer_user, manager, other_manager, lead, admin_user, north, east, solution_a):
    """Every kind of object the API serves, in the states that decide what each role may do."""
    gis, cloud = SkillFactory(code="gis"), SkillFactory(code="cloud")
    solution_b = SolutionFactory(code="B", name="Solution B")
    centre = make_centre(solution_a, lead=lead)
    wang = make_engineer(engineer_user, region=north, solutions=[solution_a], skills={gis: 4, cloud: 2})
    li = make_engineer("li", region=east, solutions=[solution_a, solution_b], grade="P5", hourly_rate="800.00")
    own = centre_engineer("own", centre=centre, region=east)
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])

    deal = make_opportunity(rep, region=north, solution=solution_a)
    flagship = classed_opportunity(rep, "A", region=north, solution=solution_a)
    make_opportunity(other_rep, region=north, solution=solution_b)
    # Next Monday 10-12 is the open grab order's window (grabbing.tests.factories.window).
    past, monday = _last_weekday(), next_monday()
    tuesday, wednesday, thursday = (monday + dt.timedelta(days=n) for n in (1, 2, 3))
    fund(rep, at(past, 10), at(monday, 10), at(thursday, 10))

    def book(engineer, opportunity, start, hours=2, **extra):
        end = start + dt.timedelta(hours=hours)
        return booking_create(
            by=rep,
            engineer=engineer,
            opportunity=opportunity,
            stage="value_presentation",
            activity="workshop",
            start=start,
            end=end,
            notify=False,
            **extra,
        )

    history = {"allow_past": True, "now": at(past, 9) - dt.timedelta(days=1)}
    done = book(wang, deal, at(past, 10), **history)
    booking_acknowledge(booking=done, by=engineer_user)
    booking_complete(booking=done, by=engineer_user, actual_hours=Decimal("2.5"))
    booking_rate(booking=done, by=rep, score=4, comment="Clear and on time")
    worked = book(li, deal, at(past, 14), **history)
    booking_acknowledge(booking=worked, by=li.user)
    acknowledged = book(wang, deal, at(tuesday, 10))
    booking_acknowledge(booking=acknowledged, by=engineer_user)
    book(wang, deal, at(tuesday, 14))
    book(own, flagship, at(wednesday, 10))

    # A work order nobody holds yet, with skills at their own levels, needing two engineers.
    work_order_create(
        by=rep,
        opportunity=deal,
        stage="bid_preparation",
        activity="bid_writing",
        skills=[(gis, 3), (cloud, 1)],
        engineers_needed=2,
        desired_start=at(thursday, 9),
        desired_end=at(thursday, 12),
    )
    post(rep, deal)  # open, wang and li invited
    grabbed = post(rep, deal, start=at(thursday, 14), end=at(thursday, 17))
    grab_order_grab(grab_order=grabbed, by=engineer_user)
    escalation_request(by=rep, opportunity=deal, reason="The customer asks for the centre's architect")
    hotline_request(by=rep, opportunity=deal, question="Does it scale to 10k cameras?")

    end = dt.datetime.combine(dt.datetime.now(SHANGHAI).date(), dt.time(0), tzinfo=SHANGHAI)
    for solution in (solution_a, solution_b):
        CellSnapshot.objects.create(
            region=north,
            solution=solution,
            window_start=end - dt.timedelta(days=7),
            window_end=end,
            computed_at=end,
            work_orders=10,
            available_hours=Decimal("80.00"),
            effective_hours=Decimal("40.00"),
        )
    for kind in (AlertKind.DELAY_SURGE, AlertKind.VOLUME_SURGE):
        Alert.objects.create(
            region=north,
            solution=solution_a,
            kind=kind,
            current=8,
            baseline=Decimal("2.50"),
            window_end=end,
            opened_at=end,
        )
