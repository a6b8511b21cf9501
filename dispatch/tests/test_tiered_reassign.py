"""Tiered support: the delivery-centre lead reassigns A/B bookings; the old reservation is
released and the new one reserved in one transaction, or nothing changes."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgeting.models import Budget, LedgerEntry, LedgerKind
from dispatch.models import Booking, BookingStatus, TimeOff
from dispatch.services.bookings import booking_create, booking_reassign
from dispatch.tests.test_api import client_for
from dispatch.tests.tiers import centre_engineer, classed_opportunity, fund, slot
from presales.choices import Role
from presales.exceptions import NotEligible, PermissionDenied, SlotUnavailable, ValidationFailed
from presales.selectors.opportunities import opportunity_list
from presales.tests.factories import SolutionFactory, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def senior(centre, north):
    return centre_engineer("senior", centre=centre, region=north, grade="P5", hourly_rate="800.00")


def book(rep, engineer, opportunity, weeks_ahead: int = 1) -> Booking:
    start, end = slot(weeks_ahead)
    fund(rep, start)
    return booking_create(
        by=rep,
        engineer=engineer,
        opportunity=opportunity,
        stage="value_presentation",
        activity="workshop",
        start=start,
        end=end,
    )


@pytest.fixture
def a_booking(rep, north, solution_a, own):
    return book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a))


def reserved(booking: Booking) -> Decimal:
    return Budget.objects.get(pk=booking.budget_id).reserved


def test_the_lead_reassigns_an_a_class_booking_in_one_transaction(lead, a_booking, senior):
    assert reserved(a_booking) == Decimal("1000.00")  # 2 h × 500
    new = booking_reassign(booking=a_booking, by=lead, engineer=senior)
    a_booking.refresh_from_db()
    assert a_booking.status == BookingStatus.CANCELLED and a_booking.cancelled_by == lead
    assert "Senior" in a_booking.cancel_reason
    assert (new.engineer, new.work_order, new.start, new.end, new.status) == (
        senior,
        a_booking.work_order,
        a_booking.start,
        a_booking.end,
        BookingStatus.BOOKED,
    )
    assert (new.hourly_rate, new.cost, new.booked_by) == (Decimal("800.00"), Decimal("1600.00"), lead)
    moves = list(
        LedgerEntry.objects.filter(kind__in=[LedgerKind.RESERVE, LedgerKind.RELEASE])
        .order_by("pk")
        .values_list("kind", "booking_id", "amount")
    )
    assert moves == [
        (LedgerKind.RESERVE, a_booking.pk, Decimal("1000.00")),
        (LedgerKind.RELEASE, a_booking.pk, Decimal("1000.00")),
        (LedgerKind.RESERVE, new.pk, Decimal("1600.00")),
    ]
    assert reserved(new) == Decimal("1600.00")


def test_a_refused_reassignment_changes_nothing(lead, a_booking, senior, other):
    TimeOff.objects.create(engineer=senior, start=a_booking.start, end=a_booking.end + dt.timedelta(hours=1))
    with pytest.raises(SlotUnavailable):
        booking_reassign(booking=a_booking, by=lead, engineer=senior)
    with pytest.raises(NotEligible):  # another solution's delivery centre
        booking_reassign(booking=a_booking, by=lead, engineer=other)
    with pytest.raises(ValidationFailed):
        booking_reassign(booking=a_booking, by=lead, engineer=a_booking.engineer)
    a_booking.refresh_from_db()
    assert a_booking.status == BookingStatus.BOOKED
    assert Booking.objects.count() == 1
    assert reserved(a_booking) == Decimal("1000.00")
    assert not LedgerEntry.objects.filter(kind=LedgerKind.RELEASE).exists()


def test_only_the_lead_of_the_solutions_centre_reassigns_a_b_work(
    rep, lead, manager, north, solution_a, own, local, senior
):
    other_lead = make_user("other_lead", roles=[Role.LEAD], regions=[north])
    a_booking = book(rep, own, classed_opportunity(rep, "B", region=north, solution=solution_a))
    for outsider in (other_lead, rep, manager):
        with pytest.raises(PermissionDenied):
            booking_reassign(booking=a_booking, by=outsider, engineer=senior)
    c_booking = book(rep, local, classed_opportunity(rep, "C", region=north, solution=solution_a), weeks_ahead=2)
    with pytest.raises(PermissionDenied):  # class C is the local office's
        booking_reassign(booking=c_booking, by=lead, engineer=senior)


def test_a_centre_named_lead_without_the_leads_role_reassigns_neither_on_the_page_nor_in_the_api(
    client, rep, lead, north, solution_a, own, senior
):
    """One rule for both doors (access.leads_centre_work): the centre names the lead, the role
    makes them one. Taking the role away leaves the centre's lead refused everywhere."""
    a_booking = book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a))
    lead = make_user("lead", roles=[Role.SALES], regions=[north])  # the same user, another role
    with pytest.raises(PermissionDenied):
        booking_reassign(booking=a_booking, by=lead, engineer=senior)
    assert client_for(lead).get("/api/v1/bookings/led/").json()["results"] == []
    response = client_for(lead).post(
        f"/api/v1/bookings/{a_booking.pk}/reassign/", {"engineer": senior.pk}, format="json"
    )
    assert response.status_code == 404, response.json()  # as a rep, not their booking
    client.force_login(lead)
    assert client.get(reverse("dispatch:lead-work"), **EN).status_code == 403
    a_booking.refresh_from_db()
    assert a_booking.status == BookingStatus.BOOKED and a_booking.engineer == own


def test_the_lead_lists_and_reassigns_through_the_api(rep, lead, north, solution_a, own, local, senior):
    a_booking = book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a))
    book(rep, local, classed_opportunity(rep, "C", region=north, solution=solution_a), weeks_ahead=2)
    api = client_for(lead)
    led = api.get("/api/v1/bookings/led/").json()
    assert [row["id"] for row in led["results"]] == [a_booking.pk]
    assert client_for(rep).get("/api/v1/bookings/led/").json()["results"] == []
    response = api.post(
        f"/api/v1/bookings/{a_booking.pk}/reassign/",
        {"engineer": senior.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="reassign-1",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["engineer"], response.json()["status"]) == (senior.pk, "booked")
    replay = api.post(
        f"/api/v1/bookings/{a_booking.pk}/reassign/",
        {"engineer": senior.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="reassign-1",
    )
    assert replay.status_code == 201 and replay.json()["id"] == response.json()["id"]
    assert Booking.objects.filter(engineer=senior).count() == 1
    refused = client_for(rep).post(f"/api/v1/bookings/{a_booking.pk}/reassign/", {"engineer": local.pk}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_the_leads_list_runs_a_constant_number_of_queries(rep, lead, north, solution_a, own):
    for weeks in range(1, 5):
        book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a), weeks_ahead=weeks)
    api = client_for(lead)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    assert queries("/api/v1/bookings/led/?page_size=1") == queries("/api/v1/bookings/led/?page_size=4")


def test_the_lead_reassigns_on_the_page(client, rep, lead, north, solution_a, own, senior, other, local):
    a_booking = book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a))
    book(rep, local, classed_opportunity(rep, "C", region=north, solution=solution_a), weeks_ahead=2)
    client.force_login(lead)
    page = client.get(reverse("dispatch:lead-work"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.findall(r'<tr data-booking="(\d+)">', page) == [str(a_booking.pk)]  # A/B only
    options = re.findall(r'<option value="(\d+)">', page)
    assert sorted(options) == sorted([str(senior.pk), str(local.pk)])  # eligible, free, not the booked one
    response = client.post(
        reverse("dispatch:lead-reassign", args=[a_booking.pk]), {"engineer": senior.pk}, follow=True, **EN
    )
    assert "Reassigned to Senior." in response.content.decode()
    assert Booking.objects.get(status=BookingStatus.BOOKED, engineer=senior).work_order == a_booking.work_order
    refused = client.post(
        reverse("dispatch:lead-reassign", args=[a_booking.pk]), {"engineer": other.pk}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 404  # cancelled now: no longer the lead's open work


def test_the_lead_page_refuses_an_ineligible_engineer_with_a_message(client, rep, lead, north, solution_a, own, other):
    a_booking = book(rep, own, classed_opportunity(rep, "A", region=north, solution=solution_a))
    client.force_login(lead)
    response = client.post(
        reverse("dispatch:lead-reassign", args=[a_booking.pk]), {"engineer": other.pk}, follow=True, **EN
    )
    assert "Delivery centre of another solution." in response.content.decode()
    a_booking.refresh_from_db()
    assert a_booking.status == BookingStatus.BOOKED


def test_only_leads_open_the_lead_page(client, rep):
    client.force_login(rep)
    assert client.get(reverse("dispatch:lead-work")).status_code == 403


def test_a_lead_sees_the_a_b_work_of_their_centres_solution_only(lead, rep, north, solution_a, a_booking, local):
    elsewhere = classed_opportunity(rep, "A", region=north, solution=SolutionFactory(code="Z"))
    other_solution = book(rep, local, elsewhere, weeks_ahead=2)
    assert set(Booking.objects.restrict(lead)) == {a_booking}  # the lead of solution A's centre
    assert other_solution not in Booking.objects.restrict(lead)
    assert elsewhere not in opportunity_list(user=lead)
    assert client_for(lead).get(f"/api/v1/bookings/{other_solution.pk}/").status_code == 404
