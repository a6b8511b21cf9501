"""Tiered support: the eligibility matrix (class × engineer home × escalation state) through the
services, the search API and the grab-order invitees; booking refusals; escalation steps."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import Booking, Escalation, EscalationStatus
from dispatch.selectors.engineers import engineer_search
from dispatch.services.bookings import booking_create, booking_reschedule
from dispatch.tests.test_api import client_for
from dispatch.tests.tiers import classed_opportunity, fund, slot
from dispatch.tiered.escalations import escalation_approve, escalation_decline, escalation_request
from presales.choices import Role
from presales.exceptions import InvalidState, NotEligible, NotFound, PermissionDenied, ValidationFailed
from presales.tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ENGINEERS_URL = "/api/v1/engineers/"
BOOKINGS_URL = "/api/v1/bookings/"
ESCALATIONS_URL = "/api/v1/escalations/"


def set_state(state: str, opportunity, *, rep, manager) -> None:
    """Bring the opportunity's escalation into ``state`` through the services."""
    now = timezone.now()
    if state == "none":
        return
    asked_at = now - dt.timedelta(days=40) if state == "expired" else now - dt.timedelta(hours=1)
    escalation = escalation_request(by=rep, opportunity=opportunity, reason="Needs GIS depth", now=asked_at)
    if state in ("approved", "expired"):
        escalation_approve(escalation=escalation, by=manager, days=30, now=asked_at)
    elif state == "declined":
        escalation_decline(escalation=escalation, by=manager, now=asked_at)


MATRIX = [(cls, "none", "delivery_centre") for cls in "AB"] + [
    (cls, state, "escalated" if state == "approved" else "escalation_required")
    for cls in "CDE"
    for state in ("none", "requested", "approved", "declined", "expired")
]


@pytest.mark.parametrize(("project_class", "state", "own_reason"), MATRIX)
def test_eligibility_matrix_through_the_search_api(
    rep, manager, north, solution_a, team, project_class, state, own_reason
):
    opportunity = classed_opportunity(rep, project_class, region=north, solution=solution_a)
    set_state(state, opportunity, rep=rep, manager=manager)
    client = client_for(rep)
    rows = client.get(ENGINEERS_URL, {"opportunity": opportunity.pk}).json()["results"]
    found = {row["name"]: (row["eligible"], row["eligibility"]) for row in rows}
    own_eligible = own_reason in ("delivery_centre", "escalated")
    assert found == {
        "Local": (True, "local"),
        "Own": (own_eligible, own_reason),
        "Other": (False, "other_solution"),
    }
    assert all(row["eligibility_reason"] for row in rows)
    only = client.get(ENGINEERS_URL, {"opportunity": opportunity.pk, "eligible": "true"}).json()["results"]
    assert {row["name"] for row in only} == ({"Local", "Own"} if own_eligible else {"Local"})


@pytest.mark.parametrize(("project_class", "state", "own_reason"), MATRIX)
def test_eligibility_matrix_through_booking(rep, manager, north, solution_a, team, project_class, state, own_reason):
    opportunity = classed_opportunity(rep, project_class, region=north, solution=solution_a)
    set_state(state, opportunity, rep=rep, manager=manager)
    start, end = slot()
    fund(rep, start)
    book = {"by": rep, "opportunity": opportunity, "stage": "value_presentation", "activity": "workshop"}
    assert booking_create(engineer=team["Local"], start=start, end=end, **book).engineer == team["Local"]
    with pytest.raises(NotEligible):
        booking_create(engineer=team["Other"], start=start, end=end, **book)
    if own_reason in ("delivery_centre", "escalated"):
        assert booking_create(engineer=team["Own"], start=start, end=end, **book).engineer == team["Own"]
    else:
        with pytest.raises(NotEligible) as refused:
            booking_create(engineer=team["Own"], start=start, end=end, **book)
        assert "C/D/E" in str(refused.value.message)
    assert Booking.objects.filter(engineer=team["Other"]).count() == 0


def test_without_an_opportunity_the_search_says_nothing_of_eligibility(rep, team):
    rows = client_for(rep).get(ENGINEERS_URL).json()["results"]
    assert {row["name"]: row["eligible"] for row in rows} == {"Local": None, "Own": None, "Other": None}
    assert {row["name"]: row["delivery_centre"] for row in rows} == {
        "Local": None,
        "Own": "A delivery centre",
        "Other": "B delivery centre",
    }


def test_another_reps_opportunity_is_a_field_error_in_the_search(rep, other_rep, north, solution_a, team):
    opportunity = classed_opportunity(other_rep, "D", region=north, solution=solution_a)
    response = client_for(rep).get(ENGINEERS_URL, {"opportunity": opportunity.pk})
    assert response.status_code == 400
    assert "opportunity" in response.json()["fields"]


def test_engineers_without_a_delivery_centre_stay_eligible_for_every_class(rep, north, solution_a, local):
    for project_class in "ABCDE":
        opportunity = classed_opportunity(rep, project_class, region=north, solution=solution_a)
        engineers = engineer_search(opportunity=opportunity, eligible_only=True)
        assert [(e.name, e.eligible, e.eligibility) for e in engineers] == [("Local", True, "local")]


def test_a_rep_books_a_centre_engineer_on_class_d_only_while_an_escalation_is_approved(
    rep, manager, north, solution_a, own, django_capture_on_commit_callbacks
):
    """The acceptance path through the API: refused, escalated, approved, booked; then expired."""
    for user in (rep, manager):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    start, end = slot(weeks_ahead=6)
    fund(rep, start, *slot())
    body = {
        "engineer": own.pk,
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": slot()[0].isoformat(),
        "end": slot()[1].isoformat(),
    }
    rep_api, manager_api = client_for(rep), client_for(manager)
    refused = rep_api.post(BOOKINGS_URL, body, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_eligible"
    assert "C/D/E" in refused.json()["detail"]
    assert not Booking.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        asked = rep_api.post(
            ESCALATIONS_URL,
            {"opportunity": opportunity.pk, "reason": "Customer wants the GIS architect"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="esc-1",
        )
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    assert [message.to for message in mail.outbox] == [["manager@example.com"]]
    escalation_id = asked.json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        approved = manager_api.post(f"{ESCALATIONS_URL}{escalation_id}/approve/", {"days": 30}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert mail.outbox[-1].to == ["rep@example.com"]
    booked = rep_api.post(BOOKINGS_URL, body, format="json")
    assert booked.status_code == 201, booked.json()

    # After the period the same rep, the same engineer: refused again.
    valid_until = Escalation.objects.get(pk=escalation_id).valid_until
    with pytest.raises(NotEligible):
        booking_create(
            by=rep,
            engineer=own,
            opportunity=opportunity,
            stage="value_presentation",
            activity="workshop",
            start=start,
            end=end,
            now=valid_until + dt.timedelta(minutes=1),
        )
    # ...while within it a booking at that very time is still possible.
    assert (
        booking_create(
            by=rep,
            engineer=own,
            opportunity=opportunity,
            stage="value_presentation",
            activity="workshop",
            start=start,
            end=end,
            now=valid_until - dt.timedelta(minutes=1),
        ).engineer
        == own
    )


def test_rescheduling_needs_the_escalation_still_in_its_period(rep, manager, north, solution_a, own):
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    start, end = slot(weeks_ahead=2)
    later = slot(weeks_ahead=3)
    fund(rep, start, *later)
    escalation = escalation_request(opportunity=opportunity, by=rep, reason="Needs the architect")
    escalation = escalation_approve(escalation=escalation, by=manager, days=7)
    booking = booking_create(
        by=rep,
        engineer=own,
        opportunity=opportunity,
        stage="value_presentation",
        activity="workshop",
        start=start,
        end=end,
    )
    after = escalation.valid_until + dt.timedelta(minutes=1)
    with pytest.raises(NotEligible):
        booking_reschedule(booking=booking, by=rep, start=later[0], end=later[1], now=after)
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (start, end)  # nothing moved, nothing re-reserved
    moved = booking_reschedule(
        booking=booking, by=rep, start=later[0], end=later[1], now=escalation.valid_until - dt.timedelta(minutes=1)
    )
    assert (moved.start, moved.end) == later


def test_escalation_steps_are_audited_with_who_and_when(rep, manager, north, solution_a):
    opportunity = classed_opportunity(rep, "C", region=north, solution=solution_a)
    escalation = escalation_request(by=rep, opportunity=opportunity, reason="  Big pilot  ")
    assert (escalation.reason, escalation.requested_by, escalation.status) == ("Big pilot", rep, "requested")
    approved = escalation_approve(escalation=escalation, by=manager, days=10, note="OK for the pilot")
    assert approved.decided_by == manager and approved.decided_at is not None
    assert approved.valid_until == approved.decided_at + dt.timedelta(days=10)
    history = list(escalation.history.order_by("history_date").values_list("status", "history_user__username"))
    assert history == [("requested", "rep"), ("approved", "manager")]


def test_only_the_regional_manager_decides(rep, other_rep, manager, other_manager, north, solution_a):
    opportunity = classed_opportunity(rep, "E", region=north, solution=solution_a)
    escalation = escalation_request(by=rep, opportunity=opportunity, reason="Remote site")
    for outsider in (rep, other_rep, other_manager):
        with pytest.raises(PermissionDenied):
            escalation_approve(escalation=escalation, by=outsider)
    declined = escalation_decline(escalation=escalation, by=manager, note="Local team can do it")
    assert declined.status == EscalationStatus.DECLINED
    with pytest.raises(InvalidState):
        escalation_approve(escalation=escalation, by=manager)


def test_request_rules(rep, other_rep, manager, north, solution_a):
    d_class = classed_opportunity(rep, "D", region=north, solution=solution_a)
    with pytest.raises(NotFound):
        escalation_request(by=other_rep, opportunity=d_class, reason="Mine now")
    with pytest.raises(ValidationFailed) as refused:
        escalation_request(by=rep, opportunity=d_class, reason="   ")
    assert set(refused.value.fields) == {"reason"}
    with pytest.raises(InvalidState):
        escalation_request(
            by=rep, opportunity=classed_opportunity(rep, "A", region=north, solution=solution_a), reason="x"
        )
    first = escalation_request(by=rep, opportunity=d_class, reason="Once")
    with pytest.raises(InvalidState):
        escalation_request(by=rep, opportunity=d_class, reason="Twice")
    escalation_approve(escalation=first, by=manager)
    with pytest.raises(InvalidState):  # already open: nothing to ask
        escalation_request(by=rep, opportunity=d_class, reason="Thrice")
    with pytest.raises(ValidationFailed):
        escalation_approve(
            escalation=escalation_request(
                by=rep, opportunity=classed_opportunity(rep, "C", region=north, solution=solution_a), reason="y"
            ),
            by=manager,
            days=181,
        )


def test_escalations_api_scoping_and_codes(rep, other_rep, manager, other_manager, lead, centre, north, solution_a):
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    escalation = escalation_request(by=rep, opportunity=opportunity, reason="Needs the centre")
    url = f"{ESCALATIONS_URL}{escalation.pk}/"
    assert client_for(rep).get(url).status_code == 200
    assert client_for(manager).get(url).status_code == 200
    assert client_for(lead).get(url).status_code == 200  # leads the solution's delivery centre
    assert client_for(other_rep).get(url).status_code == 404
    assert client_for(other_manager).post(f"{url}approve/", {}, format="json").status_code == 404
    refused = client_for(rep).post(f"{url}approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    bad = client_for(manager).post(f"{url}approve/", {"days": 0}, format="json")
    assert bad.status_code == 400 and "days" in bad.json()["fields"]
    declined = client_for(manager).post(f"{url}decline/", {"note": "No"}, format="json")
    assert declined.json()["status"] == "declined" and declined.json()["decided_by"] == "North Manager"
    again = client_for(manager).post(f"{url}decline/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    hidden = client_for(rep).post(
        ESCALATIONS_URL,
        {"opportunity": classed_opportunity(other_rep, "D", region=north, solution=solution_a).pk, "reason": "x"},
        format="json",
    )
    assert hidden.status_code == 400 and "opportunity" in hidden.json()["fields"]


def test_a_manager_without_an_email_and_an_opportunity_outside_any_manager_send_nothing(
    rep, east, solution_a, django_capture_on_commit_callbacks
):
    opportunity = classed_opportunity(rep, "D", region=east, solution=solution_a)
    make_user("quiet_manager", roles=[Role.MANAGER], regions=[east])
    with django_capture_on_commit_callbacks(execute=True):
        escalation_request(by=rep, opportunity=opportunity, reason="Nobody to tell")
    assert mail.outbox == []


def test_the_escalations_list_runs_a_constant_number_of_queries(rep, manager, north, solution_a):
    for index in range(4):
        opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
        escalation = escalation_request(by=rep, opportunity=opportunity, reason=f"Reason {index}")
        if index % 2:
            escalation_approve(escalation=escalation, by=manager)
    api = client_for(manager)
    assert api.get(ESCALATIONS_URL).json()["count"] == 4

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    assert queries(f"{ESCALATIONS_URL}?page_size=1") == queries(f"{ESCALATIONS_URL}?page_size=4")
