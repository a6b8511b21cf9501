"""Mass assignment: every write of the API, of the pages and of the admin, with forged
server-set fields (owner, status, money, timestamps, ids, winner, who decided …).

One table of cases: API keyed by (method, route) as the URL resolver lists them, PAGES by the
page route that does the same write (the same case runs through both). A write endpoint added
without a row fails test_every_api_write_is_in_the_table; a page, until it is in PAGES or in
PAGES_WITHOUT_FORGEABLE_WRITES. Each case sends a valid request plus forged fields and checks
that the request succeeded — the contract ignores server-set fields, it does not refuse them —
and that the stored object holds the server's values. Objects without an update endpoint answer
PUT/PATCH with 405 and keep theirs; the admin edits reference data only and reads the rest.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budgeting.models import Budget, LedgerEntry, LedgerKind
from dispatch.models import (
    Booking,
    BookingStatus,
    Escalation,
    EscalationStatus,
    HotlineRequest,
    HotlineStatus,
    WorkOrder,
)
from dispatch.tiered.hotline import hotline_request
from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus, Question
from monitoring.models import AlertStatus, CellSnapshot
from monitoring.selectors.dashboard import day_end
from presales.models import Customer, Opportunity, Rate, Region, Skill, Solution
from presales.tests.factories import PASSWORD, CustomerFactory
from tests.mass import (
    FORGED_FUTURE,
    FORGED_ID,
    FORGED_MONEY,
    FORGED_TIME,
    World,
    assert_not_taken,
    recent,
    write_routes,
)

pytestmark = pytest.mark.django_db

API: dict = {}  # (METHOD, route) -> case
PAGES: dict = {}  # page route -> case; every page write is a POST


def write(method: str, route: str | None = None, *, page: str | None = None):
    """Register a case for an API route, a page route, or both (the same check either way)."""

    def register(case):
        if route:
            API[(method, route)] = case
        if page:
            PAGES[page] = case
        return case

    return register


class Send:
    """Sends a body the way its transport does: JSON with a token to the API, a signed-in form
    POST to a page. The request must succeed; what was stored is the case's to check."""

    def __init__(self, via: str, method: str, route: str):
        self.via, self.method, self.route = via, method, route

    def __call__(self, user, *, body: dict, pk=None):
        url = self.route.replace("{id}", str(pk)).replace("{code}", str(pk))
        if self.via == "api":
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
            response = getattr(client, self.method.lower())(url, body, format="json")
            assert 200 <= response.status_code < 300, (url, response.status_code, getattr(response, "data", None))
        else:
            client = Client()
            client.force_login(user)
            response = client.post(url, {key: value for key, value in body.items() if value is not None})
            assert response.status_code in (200, 302), (url, response.status_code)
            refused = [m.message for m in get_messages(response.wsgi_request) if m.level >= messages.WARNING]
            assert not refused, (url, refused)
        return response


# --- presales: token, reference data, opportunities ------------------------------------------


@write("POST", "/api/v1/auth/token/")
def token_for_someone_else(w: World, send: Send):
    # Signing in is the one write without a user yet: sent here as an anonymous client would.
    forged = {"user": w.other_rep.pk, "token": "f" * 40, "key": "f" * 40}
    body = {"username": w.rep.username, "password": PASSWORD}
    response = APIClient().post("/api/v1/auth/token/", forged | body)
    assert response.status_code == 200
    assert Token.objects.get(key=response.data["token"]).user == w.rep
    assert not Token.objects.filter(key="f" * 40).exists()


REFERENCE = {
    "regions": (Region, "code", lambda w: {"code": "south", "name": "South"}),
    "solutions": (Solution, "code", lambda w: {"code": "Z", "name": "Z", "slight_delay_hours": 24}),
    "skills": (Skill, "code", lambda w: {"code": "gis", "name": "GIS"}),
    "rates": (Rate, "id", lambda w: {"resource_type": "architect", "grade": "P9", "hourly_rate": "900.00"}),
    "customers": (Customer, "id", lambda w: {"name": "ACME", "tier": "B", "region": "north"}),
}
# Ids are the server's; an import key is set by the scenario importer only.
REFERENCE_FORGED = {"id": FORGED_ID, "pk": FORGED_ID, "key": "forged-key"}


def _reference_create(name: str):
    model, _lookup, body = REFERENCE[name]

    def case(w: World, send: Send):
        response = send(w.admin_user, body=REFERENCE_FORGED | body(w))
        created = model.objects.latest("pk")
        assert created.pk != FORGED_ID and getattr(created, "key", None) != "forged-key"
        assert response.data.get("id", created.pk) == created.pk

    return case


def _reference_update(name: str, method: str):
    model, lookup, body = REFERENCE[name]

    def case(w: World, send: Send):
        existing = model.objects.create(**_stored(model, body(w), w))
        data = body(w) if method == "PUT" else {}
        if model is not Rate:
            data["name"] = "Renamed"
        send(w.admin_user, pk=getattr(existing, lookup), body=REFERENCE_FORGED | data)
        assert model.objects.filter(pk=existing.pk).exists() and not model.objects.filter(pk=FORGED_ID).exists()
        assert getattr(model.objects.get(pk=existing.pk), "key", None) != "forged-key"

    return case


def _stored(model, body: dict, w: World) -> dict:
    return body | {"region": w.north} if model is Customer else body


for _name in REFERENCE:
    _lookup = "{code}" if REFERENCE[_name][1] == "code" else "{id}"
    write("POST", f"/api/v1/{_name}/")(_reference_create(_name))
    for _method in ("PUT", "PATCH"):
        write(_method, f"/api/v1/{_name}/{_lookup}/")(_reference_update(_name, _method))


@write("POST", "/api/v1/opportunities/", page="/opportunities/")
def opportunity_in_someone_elses_name(w: World, send: Send):
    customer = CustomerFactory(region=w.north)
    body = {"name": "Metro", "customer": customer.pk, "project_class": "C", "stage": "value_presentation"}
    # The API names regions and solutions by code, the page's selects by id.
    if send.via == "api":
        body |= {"region": w.north.code, "solution": w.solution_a.code}
    else:
        body |= {"region": w.north.pk, "solution": w.solution_a.pk}
    forged = {"owner": w.other_rep.pk, "owner_name": "Other Rep", "id": FORGED_ID, "created_at": FORGED_TIME}
    send(w.rep, body=forged | {"key": "forged-key"} | body)
    opportunity = Opportunity.objects.get(name="Metro")
    assert opportunity.owner == w.rep
    assert recent(opportunity.created_at) and opportunity.key != "forged-key"
    assert_not_taken(opportunity, forged)


# --- budgeting -------------------------------------------------------------------------------


@write("POST", "/api/v1/budgets/{id}/adjust/", page="/budgets/{id}/adjust/")
def adjust_cannot_move_other_figures(w: World, send: Send):
    budget, other = w.budget, w.other_budget
    before = Budget.objects.get(pk=budget.pk)
    forged = {
        "by": w.other_manager.pk,
        "kind": LedgerKind.CHARGE,
        "budget": other.pk,
        "booking": FORGED_ID,
        "at": FORGED_TIME,
        "allocated": "1.00",
        "reserved": "7.00",
        "spent": "99999.00",
        "remaining": FORGED_MONEY,
        "overrun": "5.00",
        "owner": w.other_rep.pk,
        "flagged": True,
    }
    send(w.manager, pk=budget.pk, body=forged | {"amount": "500.00", "reason": "Q2 push"})
    entry = LedgerEntry.objects.filter(budget=budget).latest("pk")
    assert (entry.kind, entry.by, entry.booking_id, entry.amount) == (
        LedgerKind.ADJUST,
        w.manager,
        None,
        Decimal("500"),
    )
    assert recent(entry.at)
    after = Budget.objects.get(pk=budget.pk)
    assert after.owner == w.rep
    assert (after.allocated, after.reserved, after.spent, after.overrun) == (
        before.allocated,
        before.reserved,
        before.spent,
        before.overrun,
    )
    assert after.adjustments == before.adjustments + Decimal("500")
    assert not LedgerEntry.objects.filter(budget=other, kind=LedgerKind.ADJUST).exists()


# --- dispatch: work orders -------------------------------------------------------------------

WORK_ORDER_FORGED = {
    "id": FORGED_ID,
    "key": "forged-key",
    "created_at": FORGED_TIME,
    "first_response_at": FORGED_TIME,
    "cancelled_at": FORGED_TIME,
    "status": "staffed",
    "delay": "on_time",
    "engineers_booked": 5,
}


@write("POST", page="/dispatch/work-orders/new/")
def work_order_opened_by_the_rep_now(w: World, send: Send):
    start = w.start.astimezone(timezone.get_current_timezone())
    body = {"opportunity": w.opportunity.pk, "stage": "value_presentation", "activity": "workshop"}
    body |= {
        "desired_start": f"{start:%Y-%m-%dT%H:%M}",
        "desired_end": f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
    }
    body |= {"engineers_needed": "1", "skills-TOTAL_FORMS": "0", "skills-INITIAL_FORMS": "0"}
    forged = WORK_ORDER_FORGED | {"created_by": w.other_rep.pk, "cancelled_by": w.other_rep.pk}
    send(w.rep, body=forged | body)
    work_order = WorkOrder.objects.latest("pk")
    assert (work_order.created_by, work_order.cancelled_by, work_order.opportunity) == (w.rep, None, w.opportunity)
    assert recent(work_order.created_at) and work_order.first_response_at is None and work_order.key is None
    assert_not_taken(work_order, forged)


@write("POST", page="/dispatch/work-orders/{id}/cancel/")
def work_order_cancelled_by_the_rep_now(w: World, send: Send):
    work_order = w.book().work_order
    forged = WORK_ORDER_FORGED | {"cancelled_by": w.other_rep.pk, "engineers_needed": 7}
    send(w.rep, pk=work_order.pk, body=forged | {"reason": "Customer moved"})
    work_order.refresh_from_db()
    assert (work_order.cancelled_by, work_order.engineers_needed) == (w.rep, 1) and recent(work_order.cancelled_at)
    assert work_order.bookings.get().status == BookingStatus.CANCELLED
    assert_not_taken(work_order, {key: forged[key] for key in ("cancelled_at", "cancelled_by", "engineers_needed")})


# --- dispatch: bookings ----------------------------------------------------------------------

BOOKING_FORGED = {
    "status": BookingStatus.RATED,
    "cost": FORGED_MONEY,
    "hourly_rate": FORGED_MONEY,
    "hours": "99.00",
    "uplift_percent": 200,
    "charged": FORGED_MONEY,
    "actual_hours": "99.00",
    "booked_at": FORGED_TIME,
    "acknowledged_at": FORGED_TIME,
    "completed_at": FORGED_TIME,
    "cancelled_at": FORGED_TIME,
    "delay": "on_time",
}


def _booking_forged(w: World, **more) -> dict:
    people = {
        "booked_by": w.other_rep.pk,
        "acknowledged_by": w.other_rep.pk,
        "completed_by": w.other_rep.pk,
        "cancelled_by": w.other_rep.pk,
        "budget": w.other_budget.pk,
        "owner": w.other_rep.pk,
    }
    return BOOKING_FORGED | people | more


@write("POST", "/api/v1/bookings/", page="/dispatch/book/")
def booking_with_forged_money_and_owner(w: World, send: Send):
    w.budget  # noqa: B018 - open, to reserve on
    body = {"engineer": w.wang.pk, "opportunity": w.opportunity.pk, "stage": "value_presentation"}
    body |= {"activity": "workshop", "start": w.start.isoformat()}
    # Both take the end (the page, a range chosen on its board, over its length in hours: a
    # field of its own there, so given, not forged).
    body |= {"end": w.end.isoformat()} if send.via == "api" else {"end": w.end.isoformat(), "hours": "2"}
    # The work order a booking fills is the client's to name (one of the rep's own), not forged.
    forged = _booking_forged(w, id=FORGED_ID, end=FORGED_FUTURE)
    send(w.rep, body=forged | body)
    booking = Booking.objects.latest("pk")
    assert (booking.status, booking.hours, booking.hourly_rate, booking.uplift_percent, booking.cost) == (
        BookingStatus.BOOKED,
        Decimal("2"),
        Decimal("500"),
        0,
        Decimal("1000"),
    )
    assert booking.booked_by == w.rep and booking.budget == w.budget and recent(booking.booked_at)
    assert booking.end == w.end
    assert booking.actual_hours is None and booking.charged is None and booking.acknowledged_at is None
    assert Budget.objects.get(pk=w.budget.pk).reserved == Decimal("1000")
    assert Budget.objects.get(pk=w.other_budget.pk).reserved == 0
    assert_not_taken(booking, forged)


@write("POST", "/api/v1/bookings/{id}/acknowledge/", page="/dispatch/bookings/{id}/acknowledge/")
def acknowledge_sets_only_its_step(w: World, send: Send):
    booking = w.book()
    forged = _booking_forged(w, status=BookingStatus.COMPLETED, engineer=w.li.pk)
    send(w.engineer_user, pk=booking.pk, body=forged)
    booking.refresh_from_db()
    assert (booking.status, booking.acknowledged_by, booking.cost, booking.engineer) == (
        BookingStatus.ACKNOWLEDGED,
        w.engineer_user,
        Decimal("1000"),
        w.wang,
    )
    assert recent(booking.acknowledged_at)
    assert_not_taken(booking, forged)


@write("POST", "/api/v1/bookings/{id}/cancel/", page="/dispatch/bookings/{id}/cancel/")
def cancel_releases_the_real_cost(w: World, send: Send):
    booking = w.book()
    forged = _booking_forged(w, status=BookingStatus.COMPLETED, released="99999.00")
    send(w.rep, pk=booking.pk, body=forged | {"reason": "Customer moved"})
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cost, booking.charged) == (
        BookingStatus.CANCELLED,
        w.rep,
        Decimal("1000"),
        None,
    )
    budget = Budget.objects.get(pk=w.budget.pk)
    assert (budget.reserved, budget.spent) == (0, 0)
    assert_not_taken(booking, forged)


@write("POST", "/api/v1/bookings/{id}/complete/", page="/dispatch/bookings/{id}/complete/")
def complete_charges_actual_hours_at_the_frozen_rate(w: World, send: Send):
    booking = w.acknowledged_past_booking()
    forged = _booking_forged(w, status=BookingStatus.RATED, actual_hours="99.00")
    send(w.engineer_user, pk=booking.pk, body=forged | {"actual_hours": "3"})
    booking.refresh_from_db()
    assert (booking.status, booking.completed_by, booking.actual_hours, booking.charged) == (
        BookingStatus.COMPLETED,
        w.engineer_user,
        Decimal("3"),
        Decimal("1500"),
    )
    assert Budget.objects.get(pk=booking.budget_id).spent == Decimal("1500")
    assert_not_taken(booking, forged)


RATING_FORGED = {"rated_at": FORGED_TIME, "updated_at": FORGED_TIME, "rating_sum": 999, "rating_count": 999}


def _rating_forged(w: World) -> dict:
    return RATING_FORGED | {
        "rated_by": w.other_rep.pk,
        "booking": FORGED_ID,
        "engineer": w.li.pk,
        "status": "cancelled",
    }


@write("POST", "/api/v1/bookings/{id}/rating/", page="/dispatch/bookings/{id}/rate/")
def rating_by_the_rep_now(w: World, send: Send):
    booking = w.completed_booking()
    forged = _rating_forged(w)
    send(w.rep, pk=booking.pk, body=forged | {"score": 4})
    _assert_rating(w, booking, score=4, forged=forged)


@write("PATCH", "/api/v1/bookings/{id}/rating/", page="/dispatch/bookings/{id}/rating/correct/")
def rating_correction_by_the_rep_now(w: World, send: Send):
    booking = w.rated_booking()
    forged = _rating_forged(w)
    send(w.rep, pk=booking.pk, body=forged | {"score": 2})
    _assert_rating(w, booking, score=2, forged=forged)


def _assert_rating(w: World, booking: Booking, *, score: int, forged: dict):
    booking.refresh_from_db()
    rating = booking.rating
    assert (booking.status, rating.score, rating.rated_by, booking.engineer) == (
        BookingStatus.RATED,
        score,
        w.rep,
        w.wang,
    )
    assert recent(rating.rated_at) and recent(rating.updated_at)
    w.wang.refresh_from_db()
    assert (w.wang.rating_sum, w.wang.rating_count) == (score, 1)
    assert_not_taken(rating, forged)


@write("POST", "/api/v1/bookings/{id}/reschedule/")
def reschedule_keeps_engineer_and_prices_itself(w: World, send: Send):
    booking = w.book()
    start = w.start + dt.timedelta(hours=4)
    body = {"start": start.isoformat(), "end": (start + dt.timedelta(hours=3)).isoformat()}
    forged = _booking_forged(w, status=BookingStatus.COMPLETED, engineer=w.li.pk, work_order=FORGED_ID)
    send(w.rep, pk=booking.pk, body=forged | body)
    booking.refresh_from_db()
    assert (booking.engineer, booking.status, booking.hours, booking.hourly_rate, booking.cost) == (
        w.wang,
        BookingStatus.BOOKED,
        Decimal("3"),
        Decimal("500"),
        Decimal("1500"),
    )
    assert booking.start == start and booking.uplift_percent == 0
    assert Budget.objects.get(pk=w.budget.pk).reserved == Decimal("1500")
    assert_not_taken(booking, {k: v for k, v in forged.items() if k != "hours"})


@write("POST", "/api/v1/bookings/{id}/reassign/", page="/dispatch/lead/bookings/{id}/reassign/")
def reassign_keeps_time_and_work_order(w: World, send: Send):
    old = w.lead_booking()
    forged = _booking_forged(
        w, start=FORGED_TIME, end=FORGED_FUTURE, work_order=FORGED_ID, opportunity=w.other_opportunity.pk
    )
    send(w.lead, pk=old.pk, body=forged | {"engineer": w.li.pk})
    new = Booking.objects.latest("pk")
    assert (new.engineer, new.work_order_id, new.start, new.end, new.status) == (
        w.li,
        old.work_order_id,
        old.start,
        old.end,
        BookingStatus.BOOKED,
    )
    assert (new.hourly_rate, new.cost, new.uplift_percent, new.budget_id) == (
        Decimal("800"),
        Decimal("1600"),
        0,
        old.budget_id,
    )
    old.refresh_from_db()
    assert old.status == BookingStatus.CANCELLED and old.cancelled_by == w.lead
    assert_not_taken(new, forged)


# --- dispatch: work orders -------------------------------------------------------------------


def _work_order_forged(w: World) -> dict:
    """What the server sets on a work order: its id and import key, who opened it and when, its
    first response, its cancellation, and what is derived from its bookings."""
    return {
        "id": FORGED_ID,
        "key": "forged-key",
        "created_at": FORGED_TIME,
        "created_by": w.other_rep.pk,
        "first_response_at": FORGED_TIME,
        "cancelled_at": FORGED_TIME,
        "cancelled_by": w.other_rep.pk,
        "status": "staffed",
        "delay": "on_time",
        "lateness_hours": "0.00",
        "engineers_booked": 3,
        "first_start": FORGED_TIME,
        "bookings": [FORGED_ID],
        "owner": w.other_rep.pk,
    }


@write("POST", "/api/v1/work-orders/")
def work_order_is_opened_by_the_rep_and_open(w: World, send: Send):
    body = {"opportunity": w.opportunity.pk, "stage": "value_presentation", "activity": "workshop"}
    body |= {"desired_start": w.start.isoformat(), "desired_end": w.end.isoformat(), "engineers_needed": 2}
    forged = _work_order_forged(w)
    send(w.rep, body=forged | body)
    work_order = WorkOrder.objects.latest("pk")
    assert (work_order.created_by, work_order.opportunity, work_order.engineers_needed) == (w.rep, w.opportunity, 2)
    assert recent(work_order.created_at) and work_order.key is None
    assert work_order.first_response_at is None and work_order.cancelled_at is None
    assert not work_order.bookings.exists()
    assert_not_taken(work_order, forged)


@write("POST", "/api/v1/work-orders/{id}/cancel/")
def work_order_cancellation_names_the_rep_and_keeps_the_request(w: World, send: Send):
    booking = w.book()
    work_order = booking.work_order
    forged = _work_order_forged(w) | {
        "status": "open",
        "engineers_needed": 5,
        "desired_start": FORGED_TIME,
        "opportunity": w.other_opportunity.pk,
    }
    send(w.rep, pk=work_order.pk, body=forged | {"reason": "Customer postponed"})
    work_order.refresh_from_db()
    assert (work_order.cancelled_by, work_order.opportunity, work_order.engineers_needed) == (
        w.rep,
        w.opportunity,
        1,
    )
    assert recent(work_order.cancelled_at) and work_order.desired_start == w.start
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED, "Customer postponed")
    assert_not_taken(work_order, forged)


# --- dispatch: escalations and the hotline ---------------------------------------------------


def _decision_forged(w: World, status: str) -> dict:
    return {
        "status": status,
        "requested_by": w.other_rep.pk,
        "requested_at": FORGED_TIME,
        "decided_by": w.other_manager.pk,
        "decided_at": FORGED_TIME,
        "valid_until": FORGED_FUTURE,
        "opportunity": w.other_opportunity.pk,
    }


@write("POST", "/api/v1/escalations/", page="/dispatch/escalations/request/")
def escalation_is_requested_not_approved(w: World, send: Send):
    forged = _decision_forged(w, EscalationStatus.APPROVED) | {"decision_note": "forged"}
    body = {"opportunity": w.opportunity.pk, "reason": "A city-wide POC."}
    send(w.rep, body=forged | body)
    escalation = Escalation.objects.latest("pk")
    assert (escalation.status, escalation.requested_by, escalation.opportunity) == (
        EscalationStatus.REQUESTED,
        w.rep,
        w.opportunity,
    )
    assert escalation.decided_by is None and escalation.decided_at is None and escalation.valid_until is None
    assert recent(escalation.requested_at) and escalation.decision_note == ""
    assert_not_taken(escalation, {k: v for k, v in forged.items() if k not in ("decided_by", "decided_at")})


@write("POST", "/api/v1/escalations/{id}/approve/", page="/dispatch/escalations/{id}/approve/")
def approval_sets_its_own_period(w: World, send: Send):
    escalation = w.escalation()
    forged = _decision_forged(w, EscalationStatus.DECLINED) | {"reason": "forged"}
    send(w.manager, pk=escalation.pk, body=forged | {"days": 10})
    escalation.refresh_from_db()
    assert (escalation.status, escalation.decided_by, escalation.requested_by, escalation.opportunity) == (
        EscalationStatus.APPROVED,
        w.manager,
        w.rep,
        w.opportunity,
    )
    assert recent(escalation.decided_at) and recent(escalation.valid_until - dt.timedelta(days=10))
    assert escalation.reason == "A city-wide POC."
    assert_not_taken(escalation, forged)


@write("POST", "/api/v1/escalations/{id}/decline/", page="/dispatch/escalations/{id}/decline/")
def decline_grants_no_period(w: World, send: Send):
    escalation = w.escalation()
    forged = _decision_forged(w, EscalationStatus.APPROVED)
    send(w.manager, pk=escalation.pk, body=forged | {"note": "No."})
    escalation.refresh_from_db()
    assert (escalation.status, escalation.decided_by, escalation.valid_until) == (
        EscalationStatus.DECLINED,
        w.manager,
        None,
    )
    assert_not_taken(escalation, forged)


def _hotline_forged(w: World, status: str) -> dict:
    return {
        "engineer": w.wang.pk,
        "status": status,
        "answer": "forged",
        "answered_at": FORGED_TIME,
        "answered_by": w.rep.pk,
        "requested_by": w.other_rep.pk,
        "requested_at": FORGED_TIME,
        "work_order": FORGED_ID,
    }


@write("POST", "/api/v1/hotline-requests/", page="/dispatch/hotline/ask/")
def hotline_goes_to_the_engineer_on_duty(w: World, send: Send):
    on_duty = w.on_duty
    forged = _hotline_forged(w, HotlineStatus.ANSWERED)
    body = {"opportunity": w.opportunity.pk, "question": "Which GIS?", "urgency": "normal"}
    send(w.rep, body=forged | body)
    hotline = HotlineRequest.objects.latest("pk")
    assert (hotline.engineer, hotline.status, hotline.answer, hotline.answered_at, hotline.requested_by) == (
        on_duty,
        HotlineStatus.OPEN,
        "",
        None,
        w.rep,
    )
    assert recent(hotline.requested_at)
    assert_not_taken(hotline, {k: v for k, v in forged.items() if k not in ("answered_at", "answered_by")})


@write("POST", "/api/v1/hotline-requests/{id}/answer/", page="/dispatch/hotline/{id}/answer/")
def hotline_answer_is_the_engineers(w: World, send: Send):
    on_duty = w.on_duty
    hotline = hotline_request(by=w.rep, opportunity=w.opportunity, question="Q?")
    forged = _hotline_forged(w, HotlineStatus.OPEN) | {"question": "forged", "urgency": "urgent", "answer_text": "x"}
    forged.pop("answer")
    send(on_duty.user, pk=hotline.pk, body=forged | {"answer": "Use ours."})
    hotline.refresh_from_db()
    assert (hotline.status, hotline.answered_by, hotline.engineer, hotline.question, hotline.urgency) == (
        HotlineStatus.ANSWERED,
        on_duty.user,
        on_duty,
        "Q?",
        "normal",
    )
    assert recent(hotline.answered_at) and hotline.answer == "Use ours."
    assert_not_taken(hotline, forged)


# --- grabbing --------------------------------------------------------------------------------


def _order_forged(w: World, status: str) -> dict:
    return {
        "status": status,
        "winner": w.li.pk,
        "engineer": w.li.pk,
        "booking": FORGED_ID,
        "cost": FORGED_MONEY,
        "hours": "99.00",
        "credited_hours": "99.00",
        "invited": 0,
        "owner": w.other_rep.pk,
        "posted_by": w.other_rep.pk,
        "posted_at": FORGED_TIME,
        "grabbed_at": FORGED_TIME,
        "confirmed_at": FORGED_TIME,
        "confirmed_by": w.other_rep.pk,
        "rejected_at": FORGED_TIME,
        "rejected_by": w.other_rep.pk,
        "cancelled_at": FORGED_TIME,
        "cancelled_by": w.other_rep.pk,
        "expired_at": FORGED_TIME,
    }


@write("POST", "/api/v1/grab-orders/", page="/grab/new/")
def grab_order_is_posted_open(w: World, send: Send):
    w.wang, w.li  # noqa: B018 - engineers to invite
    body = {"opportunity": w.opportunity.pk, "stage": "value_presentation", "activity": "workshop"}
    body["uplift_percent"] = 50
    if send.via == "api":
        body |= {"start": w.start.isoformat(), "end": w.end.isoformat()}
    else:  # the page asks for a day and two times, organisation time
        body |= {"date": w.start.date().isoformat(), "start_time": "10:00", "end_time": "12:00"}
    forged = _order_forged(w, GrabOrderStatus.GRABBED)
    send(w.rep, body=forged | body)
    order = GrabOrder.objects.latest("pk")
    assert (order.status, order.winner, order.booking, order.posted_by, order.opportunity) == (
        GrabOrderStatus.OPEN,
        None,
        None,
        w.rep,
        w.opportunity,
    )
    assert recent(order.posted_at) and order.grabbed_at is None and order.invitations.count() == 2
    assert_not_taken(order, forged)


@write("POST", "/api/v1/grab-orders/{id}/grab/", page="/grab/{id}/grab/")
def the_grabbing_engineer_wins_not_a_named_one(w: World, send: Send):
    order = w.grab_order()
    forged = _order_forged(w, GrabOrderStatus.CONFIRMED)
    send(w.engineer_user, pk=order.pk, body=forged)
    order.refresh_from_db()
    assert (order.status, order.winner) == (GrabOrderStatus.GRABBED, w.wang)
    assert recent(order.grabbed_at) and order.booking is None
    assert_not_taken(order, forged)


@write("POST", "/api/v1/grab-orders/{id}/confirm/", page="/grab/{id}/confirm/")
def confirmation_books_the_winner_at_the_uplifted_cost(w: World, send: Send):
    order = w.grab_order(grabbed=True)
    forged = _order_forged(w, GrabOrderStatus.OPEN) | BOOKING_FORGED | {"uplift_percent": 0, "start": FORGED_TIME}
    send(w.rep, pk=order.pk, body=forged)
    booking = Booking.objects.latest("pk")
    assert (booking.engineer, booking.uplift_percent, booking.hourly_rate, booking.cost, booking.status) == (
        w.wang,
        50,
        Decimal("500"),
        Decimal("1500"),
        BookingStatus.BOOKED,
    )
    assert booking.start == w.start
    order.refresh_from_db()
    assert (order.status, order.winner, order.booking, order.confirmed_by) == (
        GrabOrderStatus.CONFIRMED,
        w.wang,
        booking,
        w.rep,
    )
    assert_not_taken(order, {k: v for k, v in forged.items() if k not in ("confirmed_at", "start")})


@write("POST", "/api/v1/grab-orders/{id}/reject/", page="/grab/{id}/reject/")
def rejection_reopens_without_a_winner(w: World, send: Send):
    order = w.grab_order(grabbed=True)
    forged = _order_forged(w, GrabOrderStatus.CONFIRMED)
    send(w.rep, pk=order.pk, body=forged)
    order.refresh_from_db()
    assert (order.status, order.winner, order.rejected_by) == (GrabOrderStatus.OPEN, None, w.rep)
    assert Invitation.objects.get(grab_order=order, engineer=w.wang).status == InvitationStatus.WITHDRAWN
    assert Invitation.objects.get(grab_order=order, engineer=w.li).status != InvitationStatus.WITHDRAWN
    assert_not_taken(order, {k: v for k, v in forged.items() if k != "grabbed_at"})


@write("POST", "/api/v1/grab-orders/{id}/cancel/", page="/grab/{id}/cancel/")
def cancellation_names_the_rep(w: World, send: Send):
    order = w.grab_order()
    forged = _order_forged(w, GrabOrderStatus.OPEN)
    send(w.rep, pk=order.pk, body=forged)
    order.refresh_from_db()
    assert (order.status, order.winner, order.cancelled_by) == (GrabOrderStatus.CANCELLED, None, w.rep)
    assert recent(order.cancelled_at)
    assert_not_taken(order, forged)


@write("POST", "/api/v1/grab-orders/{id}/questions/", page="/grab/{id}/questions/")
def an_engineer_asks_in_their_own_thread(w: World, send: Send):
    order = w.grab_order()
    forged = {"engineer": w.li.pk, "author": w.rep.pk, "created_at": FORGED_TIME, "grab_order": FORGED_ID}
    send(w.engineer_user, pk=order.pk, body=forged | {"text": "Q?"})
    question = Question.objects.latest("pk")
    assert (question.engineer, question.author, question.grab_order) == (w.wang, w.engineer_user, order)
    assert recent(question.created_at)
    assert_not_taken(question, forged)


# --- monitoring ------------------------------------------------------------------------------


def _alert_forged(w: World, status: str) -> dict:
    return {
        "status": status,
        "acknowledged_by": w.other_manager.pk,
        "acknowledged_at": FORGED_TIME,
        "resolved_by": w.other_manager.pk,
        "resolved_at": FORGED_TIME,
        "current": 0,
        "baseline": "0.00",
        "region": w.east.pk,
        "kind": "bad_review_surge",
        "opened_at": FORGED_TIME,
    }


@write("POST", "/api/v1/alerts/{id}/acknowledge/", page="/monitoring/alerts/{id}/acknowledge/")
def acknowledgement_by_the_manager(w: World, send: Send):
    alert = w.alert()
    forged = _alert_forged(w, AlertStatus.RESOLVED)
    send(w.manager, pk=alert.pk, body=forged)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.current, alert.region) == (
        AlertStatus.ACKNOWLEDGED,
        w.manager,
        8,
        w.north,
    )
    assert recent(alert.acknowledged_at) and alert.resolved_by is None
    assert_not_taken(alert, {k: v for k, v in forged.items() if k not in ("resolved_by", "resolved_at")})


@write("POST", "/api/v1/alerts/{id}/resolve/", page="/monitoring/alerts/{id}/resolve/")
def resolution_by_the_manager(w: World, send: Send):
    alert = w.alert()
    forged = _alert_forged(w, AlertStatus.OPEN)
    send(w.manager, pk=alert.pk, body=forged)
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by, alert.current) == (AlertStatus.RESOLVED, w.manager, 8)
    assert recent(alert.resolved_at)
    assert_not_taken(alert, {k: v for k, v in forged.items() if k not in ("acknowledged_by", "acknowledged_at")})


@write("POST", "/api/v1/monitoring/recompute/", page="/monitoring/recompute/")
def recompute_window_follows_the_date(w: World, send: Send):
    w.wang  # noqa: B018 - an engineer's working hours give the cell figures to store
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    forged = {"end": FORGED_TIME, "window_end": FORGED_TIME, "queued": False, "status": "severe"}
    # The recompute is queued through the outbox, published once the request's transaction
    # commits: run those callbacks, as a committed request would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = send(w.manager, body=forged | {"date": yesterday.isoformat()})
    if send.via == "api":
        assert response.status_code == 202
        assert response.data["end"] == day_end(yesterday) and response.data["queued"] is True
    stored = set(CellSnapshot.objects.values_list("window_end", "status"))
    assert (day_end(yesterday), "normal") in stored and parse_datetime(FORGED_TIME) not in {end for end, _ in stored}


@write("POST", page="/dispatch/my-schedule/calendar-link/")
def calendar_token_is_drawn_by_the_server(w: World, send: Send):
    old = w.wang.calendar_token
    forged = {"calendar_token": "forged-token", "token": "forged-token", "user": w.other_rep.pk}
    send(w.engineer_user, body=forged)
    w.wang.refresh_from_db()
    assert w.wang.calendar_token not in (old, "forged-token") and w.wang.user == w.engineer_user


# Pages that write nothing a forged field could reach: sign-in and the language switch take
# their own fixed fields, and the rest answer GET only (or render a form that posts elsewhere).
PAGES_WITHOUT_FORGEABLE_WRITES = {
    "/",
    "/healthz",
    "/accounts/login/",
    "/accounts/logout/",
    "/i18n/setlang/",
    "/opportunities/no-role/",
    "/dispatch/find/",
    "/dispatch/find/lane/",  # the htmx redraw of one board row after a booking: reads, writes nothing
    "/dispatch/my-bookings/",
    "/dispatch/work-orders/",
    "/dispatch/work-orders/{id}/",
    "/dispatch/escalations/",
    "/dispatch/hotline/",
    "/dispatch/lead/work/",
    "/dispatch/my-schedule/",
    "/dispatch/calendar/{token}.ics",
    "/dispatch/opportunities/{id}/",
    "/dispatch/engineers/{id}/record/",
    "/budgets/mine/",
    "/budgets/team/",
    "/budgets/{id}/",
    "/budgets/{id}/ledger.csv",
    "/grab/new/preview/",  # the htmx count of who would be invited: reads the query, writes nothing
    "/grab/mine/",
    "/grab/invitations/",
    "/monitoring/",
    "/monitoring/cells.csv",
    "/monitoring/utilisation.csv",
}


# --- the table, run -------------------------------------------------------------------------


def test_every_api_write_is_in_the_table():
    assert write_routes("/api/") == set(API)


def test_every_page_is_either_a_write_in_the_table_or_read_only():
    pages = {path for _method, path in write_routes("/") if not path.startswith(("/api/", "/admin/"))}
    assert pages == set(PAGES) | PAGES_WITHOUT_FORGEABLE_WRITES
    assert not set(PAGES) & PAGES_WITHOUT_FORGEABLE_WRITES


@pytest.mark.parametrize("key", sorted(API), ids=lambda key: " ".join(key))
def test_api_ignores_forged_server_set_fields(world, key):
    API[key](world, Send("api", *key))


@pytest.mark.parametrize("route", sorted(PAGES))
def test_pages_ignore_forged_server_set_fields(world, route):
    PAGES[route](world, Send("page", "POST", route))


# --- objects without an update endpoint ------------------------------------------------------

NO_UPDATE = {
    "booking": (lambda w: w.book(), "/api/v1/bookings/{}/", {"status": "completed", "cost": FORGED_MONEY}),
    "work order": (
        lambda w: w.book().work_order,
        "/api/v1/work-orders/{}/",
        {"engineers_needed": 5, "desired_start": FORGED_TIME, "cancelled_at": FORGED_TIME},
    ),
    "budget": (lambda w: w.budget, "/api/v1/budgets/{}/", {"spent": "99999.00", "owner": None}),
    "grab order": (lambda w: w.grab_order(), "/api/v1/grab-orders/{}/", {"status": "grabbed", "winner": None}),
    "escalation": (lambda w: w.escalation(), "/api/v1/escalations/{}/", {"status": "approved"}),
    "opportunity": (lambda w: w.opportunity, "/api/v1/opportunities/{}/", {"owner": None, "stage": "bidding"}),
    "alert": (lambda w: w.alert(), "/api/v1/alerts/{}/", {"status": "resolved"}),
}


@pytest.mark.parametrize("name", sorted(NO_UPDATE))
@pytest.mark.parametrize("method", ["put", "patch"])
def test_objects_without_an_update_endpoint_refuse_put_and_patch(world, name, method):
    build, url, forged = NO_UPDATE[name]
    instance = build(world)
    body = {key: (world.other_rep.pk if value is None else value) for key, value in forged.items()}
    user = world.manager if name == "alert" else world.rep
    client = APIClient()
    client.force_authenticate(user)
    response = getattr(client, method)(url.format(instance.pk), body, format="json")
    assert response.status_code == 405
    assert_not_taken(instance, body)


# --- the admin -------------------------------------------------------------------------------

# The admin edits reference data, people and configuration (the monitoring policy and plans). A
# workflow's objects (work orders, bookings, ratings, alerts, escalations, hotline requests, grab
# orders with their invitations and questions) move only through their services, which check,
# lock, book and notify; their admin pages only read.
ADMIN_EDITS = {
    "auth.Group",
    "authtoken.TokenProxy",
    "presales.Region",
    "presales.Skill",
    "presales.Solution",
    "presales.Rate",
    "presales.User",
    "presales.Customer",
    "presales.Opportunity",
    "budgeting.BudgetPolicy",
    "budgeting.SalesTarget",
    "budgeting.Attainment",
    "dispatch.Engineer",
    "dispatch.DeliveryCentre",
    "monitoring.MonitoringPolicy",
    "monitoring.ContingencyPlan",
}


def test_the_admin_only_reads_what_services_write(rf, client, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    client.force_login(admin_user)
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if label in ADMIN_EDITS:
            continue
        editable = set(model_admin.get_fields(request)) - set(model_admin.get_readonly_fields(request))
        assert not editable, f"{label}: the admin can set {sorted(editable)}"
        assert not model_admin.has_add_permission(request), f"{label}: the admin can add one"
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, label


def test_the_admin_cannot_hand_a_grab_order_to_another_engineer(world, client):
    order = world.grab_order(grabbed=True)
    client.force_login(world.admin_user)
    forged = {"winner": world.li.pk, "status": GrabOrderStatus.CONFIRMED, "uplift_percent": 0, "booking": FORGED_ID}
    response = client.post(reverse("admin:grabbing_graborder_change", args=[order.pk]), forged)
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.winner, order.status, order.uplift_percent, order.booking) == (
        world.wang,
        GrabOrderStatus.GRABBED,
        50,
        None,
    )
