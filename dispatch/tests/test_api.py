"""The engineers and bookings API: search, schedules, and the booking life cycle with its money.

Another rep's opportunity is answered like an id that does not exist: 400 with a field error
on ``opportunity`` (the create serializer only knows opportunities the caller may see).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budgeting.models import Budget, LedgerEntry, LedgerKind
from budgeting.tests.factories import open_budget
from dispatch.models import Booking, BookingStatus, TimeOff, WorkOrder
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create, booking_rate
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from presales.periods import Quarter
from presales.tests.factories import SkillFactory, SolutionFactory
from presales.tests.scenario_files import row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v1/bookings/"


def next_monday(weeks_ahead: int = 1) -> dt.date:
    today = dt.datetime.now(SHANGHAI).date()
    return today + dt.timedelta(days=7 * weeks_ahead - today.weekday())


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def monday():
    return next_monday()


@pytest.fixture
def wang(engineer_user, north, solution_a):
    return make_engineer(engineer_user, region=north, solutions=[solution_a], skills={SkillFactory(code="gis"): 4})


@pytest.fixture
def opportunity(rep, north, solution_a):
    return make_opportunity(rep, region=north, solution=solution_a)


@pytest.fixture
def budget(rep, monday):
    return open_budget(rep, str(Quarter.of(at(monday, 10))), allocated="100000.00")


@pytest.fixture
def body(wang, opportunity, monday, budget):
    return {
        "engineer": wang.pk,
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": at(monday, 10).isoformat(),
        "end": at(monday, 12).isoformat(),
    }


def client_for(user) -> APIClient:
    """A client of its own (``api.as_user`` re-credentials one shared client)."""
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def book(client, body, **extra):
    return client.post(URL, body, format="json", **extra)


def nothing_written():
    return not (
        Booking.objects.exists()
        or WorkOrder.objects.exists()
        or LedgerEntry.objects.exclude(kind=LedgerKind.ALLOCATE).exists()
    )


def figures(budget: Budget) -> tuple[Decimal, Decimal, Decimal]:
    budget.refresh_from_db()
    return budget.reserved, budget.spent, budget.remaining


def past_booking(*, rep, engineer, opportunity, acknowledged=True) -> Booking:
    """A booking that started yesterday (history is booked with allow_past), acknowledged."""
    day = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day -= dt.timedelta(days=1)
    open_budget(rep, str(Quarter.of(at(day, 10))), allocated="100000.00")
    booking = booking_create(
        by=rep,
        engineer=engineer,
        opportunity=opportunity,
        stage="bidding",
        activity="bidding",
        start=at(day, 10),
        end=at(day, 14),
        now=at(day, 9) - dt.timedelta(days=1),
        allow_past=True,
        notify=False,
    )
    if acknowledged:
        booking_acknowledge(booking=booking, by=engineer.user)
    return booking


# --- Booking: the happy path and its money ---------------------------------------------------


def test_a_rep_books_an_engineer_and_the_cost_is_reserved(api, rep, body, budget, wang):
    response = book(api.as_user(rep), body)
    assert response.status_code == 201, response.content
    created = response.json()
    booking = Booking.objects.get()
    assert created == {
        **created,
        "id": booking.pk,
        "work_order": booking.work_order_id,
        "engineer": wang.pk,
        "opportunity": body["opportunity"],
        "stage": "value_presentation",
        "activity": "workshop",
        "hours": "2.00",
        "hourly_rate": "500.00",
        "uplift_percent": 0,
        "cost": "1000.00",
        "status": "booked",
        "delay": "on_time",
        "charged": None,
        "rating": None,
    }
    assert dt.datetime.fromisoformat(created["start"]) == dt.datetime.fromisoformat(body["start"])
    assert figures(budget) == (Decimal("1000.00"), Decimal("0.00"), Decimal("99000.00"))
    reserve = LedgerEntry.objects.get(kind=LedgerKind.RESERVE)
    assert (reserve.amount, reserve.booking_id) == (Decimal("1000.00"), booking.pk)


def test_cancelling_releases_the_reservation(api, rep, body, budget):
    client = api.as_user(rep)
    booking_id = book(client, body).json()["id"]
    response = client.post(f"{URL}{booking_id}/cancel/", {"reason": "Customer moved the meeting"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Customer moved the meeting"
    assert response.json()["cancelled_at"] is not None
    assert figures(budget) == (Decimal("0.00"), Decimal("0.00"), Decimal("100000.00"))
    assert LedgerEntry.objects.filter(kind=LedgerKind.RELEASE, booking_id=booking_id).count() == 1


def test_cancel_without_a_body_is_fine(api, rep, body):
    client = api.as_user(rep)
    booking_id = book(client, body).json()["id"]
    assert client.post(f"{URL}{booking_id}/cancel/").json()["status"] == "cancelled"


def test_the_engineer_acknowledges(api, rep, engineer_user, body):
    booking_id = book(api.as_user(rep), body).json()["id"]
    response = api.as_user(engineer_user).post(f"{URL}{booking_id}/acknowledge/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_at"] is not None


def test_completion_charges_actual_hours_and_releases_the_rest(api, rep, wang, opportunity):
    booking = past_booking(rep=rep, engineer=wang, opportunity=opportunity)
    assert figures(booking.budget) == (Decimal("2000.00"), Decimal("0.00"), Decimal("98000.00"))
    response = api.as_user(rep).post(f"{URL}{booking.pk}/complete/", {"actual_hours": "3.5"}, format="json")
    assert response.status_code == 200, response.content
    completed = response.json()
    assert (completed["status"], completed["actual_hours"], completed["charged"]) == ("completed", "3.50", "1750.00")
    assert completed["completed_at"] is not None
    assert figures(booking.budget) == (Decimal("0.00"), Decimal("1750.00"), Decimal("98250.00"))
    kinds = list(LedgerEntry.objects.filter(booking_id=booking.pk).order_by("pk").values_list("kind", "amount"))
    assert kinds[0] == (LedgerKind.RESERVE, Decimal("2000.00"))
    assert (LedgerKind.CHARGE, Decimal("1750.00")) in kinds


def test_the_engineer_may_complete_too(api, rep, engineer_user, wang, opportunity):
    booking = past_booking(rep=rep, engineer=wang, opportunity=opportunity)
    response = api.as_user(engineer_user).post(f"{URL}{booking.pk}/complete/", {"actual_hours": 4}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"


def test_the_rep_rates_a_completed_booking_once(api, rep, wang, opportunity):
    booking = past_booking(rep=rep, engineer=wang, opportunity=opportunity)
    booking_complete(booking=booking, by=rep, actual_hours=4)
    client = api.as_user(rep)
    response = client.post(f"{URL}{booking.pk}/rating/", {"score": 5, "comment": "Great POC"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "rated"
    assert response.json()["rating"]["score"] == 5
    assert response.json()["rating"]["comment"] == "Great POC"
    wang.refresh_from_db()
    assert (wang.rating_count, wang.rating_avg) == (1, Decimal("5.00"))
    again = client.post(f"{URL}{booking.pk}/rating/", {"score": 1}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"


def test_a_score_outside_one_to_five_is_a_400(api, rep, wang, opportunity):
    booking = past_booking(rep=rep, engineer=wang, opportunity=opportunity)
    booking_complete(booking=booking, by=rep, actual_hours=4)
    response = api.as_user(rep).post(f"{URL}{booking.pk}/rating/", {"score": 6}, format="json")
    assert response.status_code == 400
    assert "score" in response.json()["fields"]


def test_rescheduling_moves_the_booking_and_its_reservation(api, rep, body, budget, monday):
    client = api.as_user(rep)
    booking_id = book(client, body).json()["id"]
    new = {"start": at(monday, 14).isoformat(), "end": at(monday, 17).isoformat()}
    response = client.post(f"{URL}{booking_id}/reschedule/", new, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["hours"], response.json()["cost"]) == ("3.00", "1500.00")
    assert figures(budget) == (Decimal("1500.00"), Decimal("0.00"), Decimal("98500.00"))


def test_rescheduling_onto_a_busy_slot_is_a_409_and_changes_nothing(api, rep, body, budget, monday):
    client = api.as_user(rep)
    first = book(client, body).json()["id"]
    book(client, {**body, "start": at(monday, 14).isoformat(), "end": at(monday, 16).isoformat()})
    response = client.post(
        f"{URL}{first}/reschedule/",
        {"start": at(monday, 13).isoformat(), "end": at(monday, 15).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert Booking.objects.get(pk=first).start == at(monday, 10)
    assert figures(budget)[0] == Decimal("2000.00")


# --- Booking refusals: each with its code, and nothing written ---------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "start"}, "end"),  # end = start
        ({"end": "earlier"}, "end"),
        ({"start": "naive"}, "start"),
        ({"end": "naive"}, "end"),
        ({"start": "past", "end": "past_end"}, "start"),
        ({"stage": "qualification"}, "stage"),
        ({"activity": "karaoke"}, "activity"),
    ],
)
def test_invalid_input_is_a_400_on_its_field_and_writes_nothing(api, rep, body, monday, change, field):
    yesterday = dt.datetime.now(SHANGHAI) - dt.timedelta(days=1)
    values = {
        "start": body["start"],
        "earlier": at(monday, 9).isoformat(),
        "naive": at(monday, 11).replace(tzinfo=None).isoformat(),
        "past": yesterday.isoformat(),
        "past_end": (yesterday + dt.timedelta(hours=1)).isoformat(),
    }
    payload = {**body, **{key: values.get(value, value) for key, value in change.items()}}
    response = book(api.as_user(rep), payload)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert nothing_written()


def test_a_time_without_offset_is_refused_with_the_offset_message(api, rep, body, monday):
    response = book(api.as_user(rep), {**body, "start": "2030-01-07T10:00:00"})
    assert response.status_code == 400
    assert "UTC" in response.json()["fields"]["start"][0]
    assert nothing_written()


@pytest.mark.parametrize(
    ("start", "end"),
    [((7, 0), (9, 30)), ((17, 0), (19, 0)), ((20, 0), (21, 0))],
    ids=["before-hours", "after-hours", "evening"],
)
def test_outside_working_hours_is_slot_unavailable(api, rep, body, monday, start, end):
    payload = {**body, "start": at(monday, *start).isoformat(), "end": at(monday, *end).isoformat()}
    response = book(api.as_user(rep), payload)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "slot_unavailable"
    assert nothing_written()


def test_a_weekend_is_slot_unavailable(api, rep, body, monday):
    saturday = monday + dt.timedelta(days=5)
    payload = {**body, "start": at(saturday, 10).isoformat(), "end": at(saturday, 11).isoformat()}
    assert book(api.as_user(rep), payload).json()["code"] == "slot_unavailable"
    assert nothing_written()


def test_an_overlapping_booking_is_slot_unavailable(api, rep, body, monday, budget):
    client = api.as_user(rep)
    assert book(client, body).status_code == 201
    overlapping = {**body, "start": at(monday, 11).isoformat(), "end": at(monday, 13).isoformat()}
    response = book(client, overlapping)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert Booking.objects.count() == WorkOrder.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 1


def test_back_to_back_bookings_are_fine(api, rep, body, monday):
    client = api.as_user(rep)
    assert book(client, body).status_code == 201
    after = {**body, "start": at(monday, 12).isoformat(), "end": at(monday, 13).isoformat()}
    assert book(client, after).status_code == 201


def test_time_off_is_slot_unavailable(api, rep, body, wang, monday):
    TimeOff.objects.create(engineer=wang, start=at(monday, 0), end=at(monday + dt.timedelta(days=1), 0))
    response = book(api.as_user(rep), body)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert nothing_written()


def test_a_cancelled_booking_frees_its_slot(api, rep, body):
    client = api.as_user(rep)
    booking_id = book(client, body).json()["id"]
    client.post(f"{URL}{booking_id}/cancel/")
    assert book(client, body).status_code == 201


def test_an_unknown_engineer_is_a_400_on_engineer(api, rep, body):
    response = book(api.as_user(rep), {**body, "engineer": 999999})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"engineer"}
    assert nothing_written()


def test_another_reps_opportunity_is_answered_like_a_missing_one(api, other_rep, body, monday):
    open_budget(other_rep, str(Quarter.of(at(monday, 10))))
    client = api.as_user(other_rep)
    foreign = book(client, body)
    missing = book(client, {**body, "opportunity": 999999})
    assert foreign.status_code == missing.status_code == 400
    assert list(foreign.json()["fields"]) == ["opportunity"]
    # Same words as for an id that does not exist, apart from the id itself.
    assert foreign.json()["fields"]["opportunity"][0].replace(str(body["opportunity"]), "N") == missing.json()[
        "fields"
    ]["opportunity"][0].replace("999999", "N")
    assert nothing_written()


def test_an_opportunity_still_in_qualification_is_a_400(api, rep, body, opportunity):
    opportunity.stage = "qualification"
    opportunity.save()
    response = book(api.as_user(rep), body)
    assert response.status_code == 400
    assert "opportunity" in response.json()["fields"]
    assert nothing_written()


def test_a_booking_beyond_the_budget_is_budget_exceeded(api, rep, body, budget, monday):
    Budget.objects.filter(pk=budget.pk).update(allocated=Decimal("999.99"))
    response = book(api.as_user(rep), body)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "budget_exceeded"
    assert nothing_written()
    assert figures(budget) == (Decimal("0.00"), Decimal("0.00"), Decimal("999.99"))


def test_only_sales_reps_book(api, engineer_user, manager, body):
    for user in (engineer_user, manager):
        response = book(api.as_user(user), body)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert nothing_written()


def test_booking_needs_authentication(api, body):
    response = book(api, body)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Transitions: wrong state is 409, wrong person 403, invisible 404 --------------------------


def test_wrong_transitions_are_invalid_state(rep, engineer_user, body):
    rep_client, engineer_client = client_for(rep), client_for(engineer_user)
    booking_id = book(rep_client, body).json()["id"]
    # Not acknowledged: cannot complete; not completed: cannot be rated.
    response = engineer_client.post(f"{URL}{booking_id}/complete/", {"actual_hours": "2"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    assert engineer_client.post(f"{URL}{booking_id}/acknowledge/").status_code == 200
    response = engineer_client.post(f"{URL}{booking_id}/acknowledge/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    # Acknowledged but not started yet: still not completable.
    response = rep_client.post(f"{URL}{booking_id}/complete/", {"actual_hours": "2"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    response = rep_client.post(f"{URL}{booking_id}/rating/", {"score": 4}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    assert rep_client.post(f"{URL}{booking_id}/cancel/").status_code == 200
    for action in ("cancel", "reschedule"):
        response = rep_client.post(
            f"{URL}{booking_id}/{action}/", {"start": body["start"], "end": body["end"]}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (409, "invalid_state"), action
    response = engineer_client.post(f"{URL}{booking_id}/acknowledge/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    assert not LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).exists()


def test_a_started_booking_can_no_longer_be_cancelled(api, rep, wang, opportunity):
    booking = past_booking(rep=rep, engineer=wang, opportunity=opportunity)
    response = api.as_user(rep).post(f"{URL}{booking.pk}/cancel/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")


def test_the_wrong_participant_is_refused_with_403(api, rep, engineer_user, body):
    booking_id = book(api.as_user(rep), body).json()["id"]
    response = api.as_user(rep).post(f"{URL}{booking_id}/acknowledge/")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    response = api.as_user(engineer_user).post(f"{URL}{booking_id}/cancel/")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Booking.objects.get().status == BookingStatus.BOOKED


@pytest.mark.parametrize("persona", ["other_rep", "other_manager"])
@pytest.mark.parametrize("action", ["", "acknowledge/", "cancel/", "complete/", "rating/", "reschedule/"])
def test_people_who_may_not_see_a_booking_get_404(request, api, rep, body, persona, action):
    booking_id = book(api.as_user(rep), body).json()["id"]
    client = api.as_user(request.getfixturevalue(persona))
    url = f"{URL}{booking_id}/{action}"
    response = client.get(url) if not action else client.post(url, {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Booking.objects.get().status == BookingStatus.BOOKED


def test_another_engineer_does_not_see_the_booking(api, rep, body, north):
    other = make_engineer("li", region=north)
    booking_id = book(api.as_user(rep), body).json()["id"]
    assert api.as_user(other.user).get(f"{URL}{booking_id}/").status_code == 404
    assert api.as_user(other.user).post(f"{URL}{booking_id}/acknowledge/").status_code == 404


# --- Reading bookings ---------------------------------------------------------------------------


def test_the_engineer_sees_their_booking_without_the_reps_money(api, rep, engineer_user, body):
    booking_id = book(api.as_user(rep), body).json()["id"]
    seen = api.as_user(engineer_user).get(f"{URL}{booking_id}/").json()
    assert (seen["hours"], seen["status"]) == ("2.00", "booked")
    assert seen["cost"] is seen["hourly_rate"] is seen["charged"] is None


def test_the_manager_of_the_region_sees_the_booking_with_money(api, rep, manager, body):
    booking_id = book(api.as_user(rep), body).json()["id"]
    seen = api.as_user(manager).get(f"{URL}{booking_id}/").json()
    assert seen["cost"] == "1000.00"


def test_the_list_shows_only_visible_bookings(api, rep, other_rep, north, solution_a, body, monday):
    client = api.as_user(rep)
    mine = book(client, body).json()["id"]
    theirs_opportunity = make_opportunity(other_rep, region=north, solution=solution_a)
    open_budget(other_rep, str(Quarter.of(at(monday, 10))))
    theirs_body = {
        **body,
        "opportunity": theirs_opportunity.pk,
        "start": at(monday, 14).isoformat(),
        "end": at(monday, 15).isoformat(),
    }
    theirs_id = book(api.as_user(other_rep), theirs_body).json()["id"]
    assert [b["id"] for b in api.as_user(rep).get(URL).json()["results"]] == [mine]
    assert [b["id"] for b in api.as_user(other_rep).get(URL).json()["results"]] == [theirs_id]


@pytest.fixture
def three_bookings(api, rep, body, monday, north, solution_a):
    """Monday 10–12 and 14–15 with Wang, Tuesday 10–11 with Li (on another opportunity), one cancelled."""
    li = make_engineer("li", region=north)
    second_opportunity = make_opportunity(rep, region=north, solution=solution_a)
    client = api.as_user(rep)
    tuesday = monday + dt.timedelta(days=1)
    first = book(client, body).json()["id"]
    second = book(client, {**body, "start": at(monday, 14).isoformat(), "end": at(monday, 15).isoformat()}).json()
    third = book(
        client,
        {
            **body,
            "engineer": li.pk,
            "opportunity": second_opportunity.pk,
            "start": at(tuesday, 10).isoformat(),
            "end": at(tuesday, 11).isoformat(),
        },
    ).json()
    client.post(f"{URL}{second['id']}/cancel/")
    return {"first": first, "second": second["id"], "third": third["id"], "li": li, "opp2": second_opportunity}


def _listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_list_filters(api, rep, wang, opportunity, monday, three_bookings):
    client = api.as_user(rep)
    ids = three_bookings
    assert _listed(client) == [ids["first"], ids["second"], ids["third"]]
    assert _listed(client, opportunity=opportunity.pk) == [ids["first"], ids["second"]]
    assert _listed(client, engineer=ids["li"].pk) == [ids["third"]]
    assert _listed(client, status="cancelled") == [ids["second"]]
    assert _listed(client, status="booked") == [ids["first"], ids["third"]]
    # from/to keep bookings overlapping [from, to); ends are exclusive.
    assert _listed(client, **{"from": at(monday, 12).isoformat()}) == [ids["second"], ids["third"]]
    assert _listed(client, to=at(monday, 14).isoformat()) == [ids["first"]]
    assert _listed(client, **{"from": at(monday, 11).isoformat(), "to": at(monday, 14, 30).isoformat()}) == [
        ids["first"],
        ids["second"],
    ]


def test_list_filter_errors_are_400(api, rep, three_bookings):
    client = api.as_user(rep)
    response = client.get(URL, {"from": "2026-04-07T10:00:00"})
    assert response.status_code == 400
    assert "from" in response.json()["fields"]
    response = client.get(URL, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_an_unencoded_plus_in_a_query_time_is_understood(api, rep, monday, three_bookings):
    query = at(monday, 12).isoformat().replace("+", " ")
    response = api.as_user(rep).get(f"{URL}?from={query}")
    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["results"]] == [three_bookings["second"], three_bookings["third"]]


@pytest.fixture
def many_bookings(rep, wang, opportunity, budget, monday):
    """55 bookings over three weeks, and one in the past completed and rated."""
    created = []
    for week in range(3):
        for day in range(5):
            for hour in (9, 11, 14, 16):
                start = at(monday + dt.timedelta(days=7 * week + day), hour)
                if len(created) < 55:
                    created.append(
                        booking_create(
                            by=rep,
                            engineer=wang,
                            opportunity=opportunity,
                            stage="bidding",
                            activity="bidding",
                            start=start,
                            end=start + dt.timedelta(hours=1),
                            notify=False,
                        )
                    )
    rated = past_booking(rep=rep, engineer=wang, opportunity=opportunity)
    booking_complete(booking=rated, by=rep, actual_hours=4)
    booking_rate(booking=rated, by=rep, score=4)
    return created


def test_the_list_takes_the_same_queries_whatever_the_page_size(rep, engineer_user, manager, many_bookings):
    for user in (rep, engineer_user, manager):
        client = client_for(user)
        client.get(URL)  # warm up
        counts = {}
        for page_size in (1, 50):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL, {"page_size": page_size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == page_size
            counts[page_size] = len(queries)
        assert counts[1] == counts[50], (user, counts)
        # Authentication (token and user), roles, the count and the page; nothing per row.
        assert counts[50] <= 5, [query["sql"] for query in queries.captured_queries]


# --- Idempotency -------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_replays_the_first_response(api, rep, body, budget):
    client = api.as_user(rep)
    first = book(client, body, HTTP_IDEMPOTENCY_KEY="book-1")
    again = book(client, body, HTTP_IDEMPOTENCY_KEY="book-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).count() == 1


def test_reusing_a_key_with_another_body_is_409(api, rep, body, monday):
    client = api.as_user(rep)
    assert book(client, body, HTTP_IDEMPOTENCY_KEY="book-1").status_code == 201
    other = {**body, "start": at(monday, 14).isoformat(), "end": at(monday, 15).isoformat()}
    response = book(client, other, HTTP_IDEMPOTENCY_KEY="book-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


def test_a_refused_request_does_not_burn_its_key(api, rep, body, budget):
    client = api.as_user(rep)
    Budget.objects.filter(pk=budget.pk).update(allocated=Decimal("10.00"))
    assert book(client, body, HTTP_IDEMPOTENCY_KEY="book-1").status_code == 409
    Budget.objects.filter(pk=budget.pk).update(allocated=Decimal("100000.00"))
    assert book(client, body, HTTP_IDEMPOTENCY_KEY="book-1").status_code == 201


@pytest.mark.parametrize(
    "key",
    ["k" * 256, "k" * 300, "", "   ", "key\x00nul", "key\twith-tab", "clé-中文"],
    ids=["256-chars", "300-chars", "empty", "blank", "nul", "tab", "non-ascii"],
)
def test_a_key_that_is_no_valid_key_is_400_on_the_header_and_writes_nothing(api, rep, body, key):
    client = api.as_user(rep)
    before = row_counts()
    response = book(client, body, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert row_counts() == before


def test_a_key_of_255_characters_is_kept_whole_and_does_not_block_its_prefix(api, rep, body, monday):
    """A 300-character key used to be stored cut to 255 and looked up whole: its retry was a
    500, and the stored prefix then refused every other key sharing it."""
    client = api.as_user(rep)
    key = "k" * 255
    first = book(client, body, HTTP_IDEMPOTENCY_KEY=key)
    again = book(client, body, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    before = row_counts()
    assert book(client, body, HTTP_IDEMPOTENCY_KEY=key + "-retry").status_code == 400
    assert row_counts() == before
    other = {**body, "start": at(monday, 14).isoformat(), "end": at(monday, 15).isoformat()}
    assert book(client, other, HTTP_IDEMPOTENCY_KEY=key[:-1] + "x").status_code == 201
    assert Booking.objects.count() == 2


# --- Engineer search -----------------------------------------------------------------------------


@pytest.fixture
def pool(north, east, solution_a):
    """Zhang (north, P5 at 800, gis 5, rated 4 and 5), Li (north, P3, gis 2 + k8s 4),
    Wang (east, P3, k8s 5, rated 2)."""
    gis, k8s = SkillFactory(code="gis"), SkillFactory(code="k8s")
    cloud = SolutionFactory(code="cloud")
    zhang = make_engineer(
        "zhang", region=north, grade="P5", hourly_rate="800.00", solutions=[solution_a], skills={gis: 5}
    )
    li = make_engineer("li", region=north, solutions=[solution_a, cloud], skills={gis: 2, k8s: 4})
    wang = make_engineer("wang", region=east, solutions=[cloud], skills={k8s: 5})
    type(zhang).objects.filter(pk=zhang.pk).update(rating_sum=9, rating_count=2)
    type(wang).objects.filter(pk=wang.pk).update(rating_sum=2, rating_count=1)
    return {"zhang": zhang, "li": li, "wang": wang}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


def _search(client, **params) -> list[str]:
    return _names(client.get("/api/v1/engineers/", params))


def test_search_items_have_the_contract_fields(api, rep, pool):
    item = api.as_user(rep).get("/api/v1/engineers/", {"skill": "gis"}).json()["results"][0]
    assert item == {
        **item,
        "id": pool["zhang"].pk,
        "name": "Zhang",
        "region": "north",
        "resource_type": "presales",
        "grade": "P5",
        "hourly_rate": "800.00",
        "solutions": ["A"],
        "skills": [{"code": "gis", "level": 5}],
        "rating_avg": "4.50",
        "rating_count": 2,
    }
    assert set(item["match"]) == {"skill", "rating", "region", "cost"}
    assert item["match"]["skill"] == 1.0 and item["match"]["region"] == 1.0
    expected = 40 * 1.0 + 30 * item["match"]["rating"] + 15 * 1.0 + 15 * item["match"]["cost"]
    assert item["match_score"] == pytest.approx(expected, abs=0.1)


def test_search_items_are_what_the_declared_fields_give(api, rep, pool, centre, opportunity):
    """EngineerSerializer writes its representation out for speed: it must stay what DRF's
    declared fields give, for every engineer, with and without an opportunity (eligibility)."""
    from rest_framework import serializers as drf

    from dispatch.api.serializers.engineers import EngineerSerializer

    pool["wang"].delivery_centre = centre
    pool["wang"].save(update_fields=["delivery_centre"])
    client = api.as_user(rep)
    compared = []
    for params in ({}, {"skill": ["gis", "k8s"]}, {"opportunity": opportunity.pk}):
        response = client.get("/api/v1/engineers/", params)
        page = response.renderer_context["view"].paginator.page.object_list
        serializer = EngineerSerializer(page, many=True)
        by_fields = [drf.ModelSerializer.to_representation(serializer.child, engineer) for engineer in page]
        assert response.json()["results"] == by_fields
        compared.append(len(by_fields))
    assert compared == [3, 1, 3]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Zhang", "Li", "Wang"}),
        ({"solution": "A"}, {"Zhang", "Li"}),
        ({"skill": "k8s"}, {"Li", "Wang"}),
        ({"skill": ["gis", "k8s"]}, {"Li"}),
        ({"skill": "gis", "min_level": 3}, {"Zhang"}),
        ({"min_level": 5}, {"Zhang", "Wang"}),
        ({"region": "east"}, {"Wang"}),
        ({"grade": "P5"}, {"Zhang"}),
        ({"resource_type": "presales"}, {"Zhang", "Li", "Wang"}),
        ({"resource_type": "architect"}, set()),
        ({"min_rating": "4"}, {"Zhang"}),
        ({"min_rating": "2"}, {"Zhang", "Wang"}),
    ],
)
def test_search_filters(api, rep, pool, params, expected):
    assert set(_search(api.as_user(rep), **params)) == expected


def test_search_orderings(api, rep, pool):
    client = api.as_user(rep)
    assert _search(client, ordering="name") == ["Li", "Wang", "Zhang"]
    assert _search(client, ordering="-rating") == ["Zhang", "Wang", "Li"]
    assert _search(client, ordering="rate")[-1] == "Zhang"
    # The rep is in the north: with skills equal, the local engineers come first.
    ranked = client.get("/api/v1/engineers/", {"ordering": "match"}).json()["results"]
    scores = [item["match_score"] for item in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked[-1]["name"] == "Wang"


def test_search_ranks_by_the_exact_score_and_shows_it_rounded(api, rep, north):
    """Two engineers alike but for a slightly better record: both show the same rounded score,
    and the better one comes first although the other's name sorts first."""
    aaron = make_engineer("aaron", region=north)
    bob = make_engineer("bob", region=north)
    # Rating fit (sum + 6) / ((count + 2) · 5): 804/1010 and 805/1010, 0.03 points apart.
    type(aaron).objects.filter(pk=aaron.pk).update(rating_sum=798, rating_count=200)
    type(bob).objects.filter(pk=bob.pk).update(rating_sum=799, rating_count=200)
    results = api.as_user(rep).get("/api/v1/engineers/").json()["results"]
    assert [item["name"] for item in results] == ["Bob", "Aaron"]
    assert results[0]["match_score"] == results[1]["match_score"]
    assert results[0]["match"]["rating"] > results[1]["match"]["rating"]
    # Equal exact scores still go by name.
    type(bob).objects.filter(pk=bob.pk).update(rating_sum=798)
    assert _search(api.as_user(rep)) == ["Aaron", "Bob"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"solution": "nope"}, "solution"),
        ({"skill": ["gis", "nope"]}, "skill"),
        ({"region": "mars"}, "region"),
        ({"min_level": 9}, "min_level"),
        ({"min_rating": "abc"}, "min_rating"),
        ({"ordering": "salary"}, "ordering"),
        ({"free_from": "2030-01-07T10:00:00+08:00"}, "free_to"),
        ({"free_from": "2030-01-07T10:00:00+08:00", "free_to": "2030-01-07T09:00:00+08:00"}, "free_to"),
        ({"free_from": "2030-01-07T10:00:00", "free_to": "2030-01-07T11:00:00+08:00"}, "free_from"),
    ],
)
def test_search_refuses_bad_criteria_with_field_errors(api, rep, pool, params, field):
    response = api.as_user(rep).get("/api/v1/engineers/", params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_free_window_excludes_the_booked_and_keeps_the_back_to_back(api, rep, pool, north, solution_a, monday):
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    open_budget(rep, str(Quarter.of(at(monday, 10))))
    booking_create(
        by=rep,
        engineer=pool["li"],
        opportunity=opportunity,
        stage="bidding",
        activity="bidding",
        start=at(monday, 13, 30),
        end=at(monday, 14, 30),
        notify=False,
    )
    TimeOff.objects.create(engineer=pool["wang"], start=at(monday, 0), end=at(monday, 13))
    client = api.as_user(rep)

    def free(start, end):
        return set(_search(client, free_from=start.isoformat(), free_to=end.isoformat()))

    assert free(at(monday, 13, 30), at(monday, 14, 30)) == {"Zhang", "Wang"}
    assert free(at(monday, 14), at(monday, 15)) == {"Zhang", "Wang"}
    # Back to back with Li's booking and with Wang's time off: both ends are exclusive.
    assert free(at(monday, 14, 30), at(monday, 15, 30)) == {"Zhang", "Li", "Wang"}
    assert free(at(monday, 13), at(monday, 13, 30)) == {"Zhang", "Li", "Wang"}
    assert free(at(monday, 12), at(monday, 13, 30)) == {"Zhang", "Li"}
    # Outside working hours nobody is offered.
    assert free(at(monday, 17), at(monday, 19)) == set()


def test_search_takes_the_same_queries_whatever_the_page_size(rep, pool, monday):
    client = client_for(rep)
    window = {"free_from": at(monday, 10).isoformat(), "free_to": at(monday, 11).isoformat(), "skill": "gis"}
    client.get("/api/v1/engineers/", window)  # warm up
    counts = {}
    for page_size in (1, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/engineers/", {**window, "page_size": page_size})
        assert len(response.json()["results"]) == min(page_size, 2)
        counts[page_size] = len(queries)
    assert counts[1] == counts[50]


def test_engineer_detail(api, rep, pool):
    response = api.as_user(rep).get(f"/api/v1/engineers/{pool['li'].pk}/")
    assert response.status_code == 200
    assert response.json()["skills"] == [{"code": "gis", "level": 2}, {"code": "k8s", "level": 4}]
    assert api.as_user(rep).get("/api/v1/engineers/999999/").status_code == 404


def test_search_needs_a_signed_in_user(api, pool):
    assert api.get("/api/v1/engineers/").status_code == 401


def test_any_signed_in_user_may_search(api, engineer_user, manager, pool):
    for user in (engineer_user, manager):
        assert len(_search(api.as_user(user))) == 3


# --- Schedules -------------------------------------------------------------------------------


def _schedule(client, engineer, start, end):
    return client.get(f"/api/v1/engineers/{engineer.pk}/schedule/", {"from": start.isoformat(), "to": end.isoformat()})


def test_schedule_shows_busy_and_free_time_inside_working_hours(api, rep, body, wang, monday):
    booking_id = book(api.as_user(rep), body).json()["id"]
    TimeOff.objects.create(engineer=wang, start=at(monday, 15), end=at(monday, 16))
    response = _schedule(api.as_user(rep), wang, at(monday, 0), at(monday + dt.timedelta(days=1), 0))
    assert response.status_code == 200, response.content
    schedule = response.json()
    assert schedule["engineer"] == wang.pk

    def spans(items):
        return [
            (dt.datetime.fromisoformat(i["start"]), dt.datetime.fromisoformat(i["end"]), i.get("kind")) for i in items
        ]

    assert spans(schedule["busy"]) == [
        (at(monday, 10), at(monday, 12), "booking"),
        (at(monday, 15), at(monday, 16), "time_off"),
    ]
    assert schedule["busy"][0]["booking"] == booking_id
    assert schedule["busy"][1]["booking"] is None
    assert spans(schedule["free"]) == [
        (at(monday, 9), at(monday, 10), None),
        (at(monday, 12), at(monday, 15), None),
        (at(monday, 16), at(monday, 18), None),
    ]


def test_schedule_does_not_say_whose_booking_it_is(api, rep, other_rep, body, wang, monday):
    book(api.as_user(rep), body)
    schedule = _schedule(api.as_user(other_rep), wang, at(monday, 0), at(monday, 23)).json()
    assert schedule["busy"] == [{**schedule["busy"][0], "kind": "booking", "booking": None}]
    assert set(schedule["busy"][0]) == {"start", "end", "kind", "booking"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2030-01-07T00:00:00+08:00"},
        {"from": "2030-01-07T00:00:00", "to": "2030-01-08T00:00:00+08:00"},
        {"from": "2030-01-08T00:00:00+08:00", "to": "2030-01-07T00:00:00+08:00"},
        {"from": "2030-01-07T00:00:00+08:00", "to": "2030-03-31T00:00:00+08:00"},
    ],
    ids=["none", "no-to", "naive", "reversed", "too-long"],
)
def test_schedule_range_errors_are_400(api, rep, wang, params):
    response = api.as_user(rep).get(f"/api/v1/engineers/{wang.pk}/schedule/", params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) & {"from", "to"}


def test_schedule_of_an_unknown_engineer_is_404(api, rep):
    response = api.as_user(rep).get(
        "/api/v1/engineers/999999/schedule/", {"from": "2030-01-07T00:00:00+08:00", "to": "2030-01-08T00:00:00+08:00"}
    )
    assert response.status_code == 404


def test_a_manager_of_another_region_sees_busy_time_but_not_the_booking(api, rep, other_manager, body, wang, monday):
    book(api.as_user(rep), body)
    schedule = _schedule(api.as_user(other_manager), wang, at(monday, 0), at(monday, 23)).json()
    assert [item["booking"] for item in schedule["busy"]] == [None]


def test_engineer_pages_count_every_match_in_the_page_query(api, rep, north):
    """The total comes from COUNT(*) OVER () in the page query; past the end is a 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch.tests.engineers import make_engineer
    from presales.choices import Role
    from presales.tests.factories import make_user

    for index in range(5):
        make_engineer(make_user(f"eng{index}", roles=[Role.ENGINEER], regions=[north]), region=north)
    client = api.as_user(rep)
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/api/v1/engineers/", {"page_size": 2, "page": 2}).json()
    assert second["count"] == 5 and len(second["results"]) == 2
    assert second["next"] and second["previous"]
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    last = client.get("/api/v1/engineers/", {"page_size": 2, "page": 3}).json()
    assert last["count"] == 5 and len(last["results"]) == 1 and last["next"] is None
    assert client.get("/api/v1/engineers/", {"page_size": 2, "page": 4}).status_code == 404
    assert client.get("/api/v1/engineers/", {"page_size": 2, "page": "last"}).json()["count"] == 5
