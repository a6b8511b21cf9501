"""Building blocks for the mass-assignment tests: one small world with an object in every state a
write needs, forged values that no server would ever pick, and the check that none was taken.

The contract's rule (api-v1.md, README "status, winner, cost in the body are ignored"): a field
the server sets is not an input. A request carrying one is answered like the same request without
it — 2xx with the server's values stored — never 400 and never with the forged value stored.
"""

import datetime as dt
from decimal import Decimal
from functools import cached_property

import pytest
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from budgeting.models import Budget
from dispatch.models import Booking, Engineer
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create, booking_rate
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.tiers import centre_engineer, classed_opportunity, fund, make_centre, slot
from dispatch.tiered.escalations import escalation_request
from grabbing.services.grab_orders import grab_order_grab
from grabbing.tests.factories import post
from monitoring.models import Alert, AlertKind
from presales.models import Opportunity, Region, Solution, User

# Far from anything the server would write: a stored value equal to one of these was forged.
FORGED_TIME = "2001-02-03T04:05:06+00:00"
FORGED_FUTURE = "2099-01-01T00:00:00+00:00"
FORGED_MONEY = "0.01"
FORGED_ID = 987_654_321


# conftest.py's fixtures, read through the World when a case first asks for one.
FIXTURES = ("rep", "other_rep", "engineer_user", "manager", "other_manager", "lead", "admin_user")
FIXTURES += ("north", "east", "solution_a")


class World:
    """The personas of conftest plus what the writes act on, each built when first asked for:
    a case pays only for what it uses (most use a few of the eight personas)."""

    rep: User
    other_rep: User
    engineer_user: User
    manager: User
    other_manager: User
    lead: User
    admin_user: User
    north: Region
    east: Region
    solution_a: Solution

    def __init__(self, request: pytest.FixtureRequest):
        self._request = request
        self.start, self.end = slot()  # next Monday 10–12, Shanghai: inside everyone's hours
        self.past_start, self.past_end = slot(weeks_ahead=-1)

    def __getattr__(self, name: str):
        if name in FIXTURES:
            return self._request.getfixturevalue(name)
        raise AttributeError(name)

    def _budget(self, rep: User, moment: dt.datetime) -> Budget:
        # Opened on first use: most cases need one budget or none, and opening one costs queries.
        budget = Budget.objects.filter(owner=rep, period=_period(moment)).first()
        if budget is None:
            fund(rep, moment)
            budget = Budget.objects.get(owner=rep, period=_period(moment))
        return budget

    @cached_property
    def wang(self) -> Engineer:
        return make_engineer(self.engineer_user, region=self.north, solutions=[self.solution_a])

    @cached_property
    def li(self) -> Engineer:
        return make_engineer("li", region=self.north, solutions=[self.solution_a], grade="P5", hourly_rate="800.00")

    @cached_property
    def opportunity(self) -> Opportunity:
        return make_opportunity(self.rep, region=self.north, solution=self.solution_a)

    @cached_property
    def other_opportunity(self) -> Opportunity:
        return make_opportunity(self.other_rep, region=self.north, solution=self.solution_a)

    @property
    def budget(self) -> Budget:
        return self._budget(self.rep, self.start)

    @property
    def other_budget(self) -> Budget:
        return self._budget(self.other_rep, self.start)

    def book(self, *, opportunity=None, engineer=None, past: bool = False) -> Booking:
        """Wang (by default) booked for 2 hours: next Monday, or last Monday when ``past``."""
        start, end = (self.past_start, self.past_end) if past else (self.start, self.end)
        self._budget(self.rep, start)
        return booking_create(
            by=self.rep,
            engineer=engineer or self.wang,
            opportunity=opportunity or self.opportunity,
            stage="value_presentation",
            activity="workshop",
            start=start,
            end=end,
            allow_past=past,
        )

    def acknowledged_past_booking(self) -> Booking:
        return booking_acknowledge(booking=self.book(past=True), by=self.engineer_user)

    def completed_booking(self) -> Booking:
        booking = self.acknowledged_past_booking()
        return booking_complete(booking=booking, by=self.engineer_user, actual_hours=Decimal("2"))

    def rated_booking(self) -> Booking:
        booking = self.completed_booking()
        booking_rate(booking=booking, by=self.rep, score=4)
        return Booking.objects.get(pk=booking.pk)

    def lead_booking(self) -> Booking:
        """A class A booking of Wang's that the lead of solution A's delivery centre may reassign."""
        make_centre(self.solution_a, lead=self.lead)
        opportunity = classed_opportunity(self.rep, "A", region=self.north, solution=self.solution_a)
        self.li  # noqa: B018 - the engineer to reassign to must exist
        return self.book(opportunity=opportunity)

    def escalation(self):
        return escalation_request(by=self.rep, opportunity=self.opportunity, reason="A city-wide POC.")

    @cached_property
    def on_duty(self) -> Engineer:
        centre = make_centre(self.solution_a, lead=self.lead)
        engineer = centre_engineer("own", centre=centre, region=self.east)
        centre.on_duty = engineer
        centre.save(update_fields=["on_duty"])
        return engineer

    def grab_order(self, *, grabbed: bool = False):
        self.wang, self.li  # noqa: B018 - both are invited
        self._budget(self.rep, self.start)  # for the confirmation
        order = post(self.rep, self.opportunity)
        return grab_order_grab(grab_order=order, by=self.engineer_user) if grabbed else order

    def alert(self) -> Alert:
        now = timezone.now()
        return Alert.objects.create(
            region=self.north,
            solution=self.solution_a,
            kind=AlertKind.DELAY_SURGE,
            current=8,
            baseline=Decimal("2.50"),
            window_end=now,
            opened_at=now,
        )


def _period(moment: dt.datetime) -> str:
    from presales.periods import Quarter

    return str(Quarter.of(moment))


def _comparable(field: models.Field, forged):
    if isinstance(field, models.DateTimeField) and isinstance(forged, str):
        return parse_datetime(forged)
    if isinstance(field, models.DecimalField) and forged is not None:
        return Decimal(str(forged))
    return forged


def assert_not_taken(instance: models.Model, forged: dict) -> None:
    """Every forged value that names a column of ``instance`` is not what the row holds.

    Names that are not columns (``cost`` on an escalation, ``winner`` in a ledger line …) are
    checked by the case itself, against the value the server should have stored.
    """
    instance.refresh_from_db()
    columns = {field.name: field for field in instance._meta.concrete_fields}
    checked = 0
    for name, value in forged.items():
        field = columns.get(name)
        if field is None:
            continue
        stored = getattr(instance, field.attname)
        assert stored != _comparable(field, value), f"{type(instance).__name__}.{name} took the forged {value!r}"
        checked += 1
    assert checked, f"no forged field is a column of {type(instance).__name__}: the case checks nothing here"


def recent(moment: dt.datetime | None) -> bool:
    return moment is not None and abs(timezone.now() - moment) < dt.timedelta(minutes=5)


def write_routes(prefix: str) -> set[tuple[str, str]]:
    """(METHOD, path template) of every routed POST/PUT/PATCH under ``prefix`` that declares its
    methods (DRF views and viewsets); plain function views declare none and are listed by path."""
    from django.urls import get_resolver

    from presales.tests.test_schema import _routes

    found = set()
    for path, view in _routes(get_resolver().url_patterns):
        if not path.startswith(prefix):
            continue
        actions = getattr(view, "actions", None)
        view_class = getattr(view, "view_class", None)
        if actions:
            methods = set(actions)
        elif view_class is not None:
            methods = {name for name in view_class.http_method_names if hasattr(view_class, name)}
        else:
            methods = {"?"}
        found |= {(method.upper(), path) for method in methods & {"post", "put", "patch", "?"}}
    return found
