"""One world for the authorization matrix: the personas and an object of each owner, each in the
state its actions need, so that who asks is the only thing that decides the answer.

Personas (as conftest.py makes them): a rep and another rep in the north, the engineer booked on
the rep's work (a north engineer of solution A's delivery centre, on hotline duty), another
engineer (east, local office, nothing of the rep's), the north manager, the east manager, the
lead of solution A's delivery centre, and an admin.

The rep's main opportunity is class A of solution A, so its work is the lead's too; two class C
opportunities carry the escalations (one pending, one free to ask for).
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from budgeting.models import Budget
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create, booking_rate
from dispatch.tests.engineers import make_engineer
from dispatch.tests.tiers import classed_opportunity, fund, make_centre, slot
from dispatch.tiered.escalations import escalation_request
from dispatch.tiered.hotline import hotline_request
from grabbing.services.grab_orders import grab_order_grab, question_ask
from grabbing.tests.factories import post
from monitoring.models import Alert, AlertKind
from presales.choices import ProjectClass, Role
from presales.periods import Quarter
from presales.tests.factories import (
    CustomerFactory,
    RateFactory,
    RegionFactory,
    SkillFactory,
    SolutionFactory,
    make_user,
)

STAGE, ACTIVITY = "value_presentation", "workshop"


def _book(world, *, by, engineer, opportunity, start, end, in_the_past: bool = False):
    # A booking that has started is made as it would have been, the day before it began.
    now = start - dt.timedelta(days=1) if in_the_past else None
    return booking_create(
        by=by, engineer=engineer, opportunity=opportunity, stage=STAGE, activity=ACTIVITY, start=start, end=end, now=now
    )


def _people(w) -> dict:
    north, east = w.north, w.east
    return {
        "rep": make_user("rep", roles=[Role.SALES], regions=[north], display_name="销售 Rep"),
        "other_rep": make_user("other_rep", roles=[Role.SALES], regions=[north], display_name="Other Rep"),
        "engineer": make_user("engineer", roles=[Role.ENGINEER], regions=[north], display_name="王工 Wang"),
        "other_engineer": make_user("other_engineer", roles=[Role.ENGINEER], regions=[east], display_name="Li"),
        "manager": make_user("manager", roles=[Role.MANAGER], regions=[north], display_name="North Manager"),
        "other_manager": make_user("other_manager", roles=[Role.MANAGER], regions=[east], display_name="East Manager"),
        "lead": make_user("lead", roles=[Role.LEAD], regions=[north], display_name="Lead"),
        "admin": make_user("admin", roles=[Role.ADMIN], regions=[north], display_name="Admin"),
    }


def _reference_data(w) -> None:
    """Reference rows nothing refers to: what the admin-only writes (and deletes) address."""
    w.region_free = RegionFactory(code="west", name="West")
    w.solution_free = SolutionFactory(code="Z", name="Solution Z")
    w.skill_free = SkillFactory(code="unused-skill")
    w.rate_free = RateFactory(resource_type="pm", grade="P9", hourly_rate=Decimal("900.00"))
    w.customer_free = CustomerFactory(name="Free customer", region=w.north)


def _bookings(w) -> None:
    """The rep's bookings of the engineer, one per state an action starts from."""
    rep, wang = w.users["rep"], w.wang
    w.b_booked = _book(w, by=rep, engineer=wang, opportunity=w.opp, start=w.wed[0], end=w.wed[1])
    started = [_book(w, by=rep, engineer=wang, opportunity=w.opp, start=s, end=e, in_the_past=True) for s, e in w.past]
    for booking in started:
        booking_acknowledge(booking=booking, by=w.users["engineer"])
    w.b_started, w.b_completed, w.b_rated = started
    for booking in (w.b_completed, w.b_rated):
        booking_complete(booking=booking, by=w.users["engineer"], actual_hours=Decimal("2"))
    booking_rate(booking=w.b_rated, by=rep, score=5, comment="Great")
    # Another rep's booking, of the other engineer: nobody above sees it but its own people.
    w.other_booking = _book(
        w, by=w.users["other_rep"], engineer=w.li, opportunity=w.other_opp, start=w.thu_late[0], end=w.thu_late[1]
    )


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.north = RegionFactory(code="north", name="华北 North China")
    w.east = RegionFactory(code="east", name="华东 East China")
    w.solution = SolutionFactory(code="A", name="智慧城市 Smart City")
    w.users = _people(w)
    users = w.users
    _reference_data(w)

    w.centre = make_centre(w.solution, lead=users["lead"])
    w.wang = make_engineer(users["engineer"], region=w.north, solutions=[w.solution])
    w.wang.delivery_centre = w.centre
    w.wang.save(update_fields=["delivery_centre"])
    w.centre.on_duty = w.wang
    w.centre.save(update_fields=["on_duty"])
    w.li = make_engineer(users["other_engineer"], region=w.east, solutions=[w.solution])

    w.opp = classed_opportunity(users["rep"], ProjectClass.A, region=w.north, solution=w.solution)
    w.opp_c = classed_opportunity(users["rep"], ProjectClass.C, region=w.north, solution=w.solution)
    w.opp_c_free = classed_opportunity(users["rep"], ProjectClass.C, region=w.north, solution=w.solution)
    w.other_opp = classed_opportunity(users["other_rep"], ProjectClass.A, region=w.north, solution=w.solution)

    # Next week: Monday the open grab order, Tuesday the grabbed one, Wednesday the booking,
    # Thursday what a new booking asks for, Friday what a new grab order asks for.
    monday = slot(1)
    w.mon, w.tue, w.wed, w.thu, w.fri = (tuple(t + dt.timedelta(days=d) for t in monday) for d in range(5))
    w.wed_late = tuple(t + dt.timedelta(hours=4) for t in w.wed)
    w.thu_late = tuple(t + dt.timedelta(hours=4) for t in w.thu)
    w.past = [slot(-weeks) for weeks in (1, 2, 3)]
    moments = [w.mon[0], w.fri[0], *(start for start, _end in w.past), timezone.now()]
    fund(users["rep"], *moments)
    fund(users["other_rep"], *moments)
    w.budget = Budget.objects.get(owner=users["rep"], period=str(Quarter.of(w.wed[0])))

    _bookings(w)
    w.work_order = w.b_booked.work_order  # opened by the booking, needing one engineer
    w.g_open = post(users["rep"], w.opp, start=w.mon[0], end=w.mon[1], scope_regions=[w.north])
    w.g_grabbed = post(users["rep"], w.opp, start=w.tue[0], end=w.tue[1], scope_regions=[w.north])
    grab_order_grab(grab_order=w.g_grabbed, by=users["engineer"])
    question_ask(grab_order=w.g_open, by=users["engineer"], text="Which site?")

    w.escalation = escalation_request(by=users["rep"], opportunity=w.opp_c, reason="Nobody local knows it")
    w.hotline = hotline_request(by=users["rep"], opportunity=w.opp, question="Does it scale?")
    now = timezone.now()
    w.alert = Alert.objects.create(
        region=w.north,
        solution=w.solution,
        kind=AlertKind.DELAY_SURGE,
        current=8,
        baseline=Decimal("2.50"),
        window_end=now,
        opened_at=now,
    )
    return w
