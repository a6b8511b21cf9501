"""The work-order API as a rep uses it: open a work order, fill it with bookings, follow its status
and delay, find its candidates, cancel it; who sees which; filters; idempotency; query counts.

Times are next week's (as in test_api.py): the API judges at the real now, and next Monday is
always ahead of it, so a window there is never in the past and a work order nobody has booked yet
is pending.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgeting.models import Budget, LedgerEntry, LedgerKind
from dispatch.models import Booking, BookingStatus, WorkOrder, WorkOrderSkill
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_create
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from dispatch.tests.test_api import at, client_for, next_monday
from dispatch.tests.tiers import fund
from presales.choices import PresalesStage
from presales.periods import Quarter
from presales.tests.factories import RegionFactory, SkillFactory, SolutionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v1/work-orders/"
BOOKINGS = "/api/v1/bookings/"


@pytest.fixture
def monday():
    return next_monday()


@pytest.fixture
def thursday(monday):
    return monday + dt.timedelta(days=3)


@pytest.fixture
def gis(db):
    return SkillFactory(code="gis")


@pytest.fixture
def wang(engineer_user, north, solution_a, gis):
    return make_engineer(engineer_user, region=north, solutions=[solution_a], skills={gis: 4})


@pytest.fixture
def li(north, solution_a, gis):
    return make_engineer("li", region=north, solutions=[solution_a], skills={gis: 4})


@pytest.fixture
def opportunity(rep, north, solution_a):
    return make_opportunity(rep, region=north, solution=solution_a)


@pytest.fixture
def budget(rep, monday, thursday):
    # Monday and Thursday may fall in two quarters: both budgets are open.
    fund(rep, at(monday, 10), at(thursday, 10))
    return Budget.objects.get(owner=rep, period=str(Quarter.of(at(monday, 10))))


@pytest.fixture
def body(opportunity, monday, gis, budget):
    """Next Monday 10–12, one engineer with GIS at level 3 or more."""
    return {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "skills": [{"code": gis.code, "min_level": 3}],
        "desired_start": at(monday, 10).isoformat(),
        "desired_end": at(monday, 12).isoformat(),
    }


def open_work_order(client, body, **extra) -> dict:
    response = client.post(URL, body, format="json", **extra)
    assert response.status_code == 201, response.content
    return response.json()


def book(client, work_order_id: int, engineer, start: dt.datetime, hours: int = 2, **extra):
    booking = {
        "work_order": work_order_id,
        "engineer": engineer.pk,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=hours)).isoformat(),
    }
    return client.post(BOOKINGS, booking, format="json", **extra)


def seen(client, work_order_id: int) -> dict:
    response = client.get(f"{URL}{work_order_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def listed(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def moved_money() -> bool:
    return LedgerEntry.objects.exclude(kind=LedgerKind.ALLOCATE).exists()


# --- Opening one -------------------------------------------------------------------------------


def test_a_rep_opens_a_work_order_before_anyone_is_booked_and_no_money_moves(api, rep, body, opportunity, solution_a):
    created = open_work_order(api.as_user(rep), {**body, "engineers_needed": 2, "hours": "4", "note": " POC "})
    work_order = WorkOrder.objects.get()
    assert created == {
        **created,
        "id": work_order.pk,
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "solution": solution_a.code,
        "skills": [{"code": "gis", "min_level": 3}],
        "resource_type": "",
        "grade": "",
        "engineers_needed": 2,
        "engineers_booked": 0,
        "hours": "4.00",
        "note": "POC",
        "status": "open",
        "delay": "pending",
        "first_start": None,
        "first_response_at": None,
        "bookings": [],
        "cancelled_at": None,
    }
    assert dt.datetime.fromisoformat(created["desired_start"]) == dt.datetime.fromisoformat(body["desired_start"])
    assert dt.datetime.fromisoformat(created["desired_end"]) == dt.datetime.fromisoformat(body["desired_end"])
    assert created["lateness_hours"] < 0  # still wanted ahead of its desired start
    assert created["created_at"] is not None
    assert (work_order.created_by, work_order.skills.get().min_level) == (rep, 3)
    assert not moved_money() and not Booking.objects.exists()


def test_defaults_are_one_engineer_and_the_opportunitys_solution(api, rep, body, solution_a):
    created = open_work_order(api.as_user(rep), {key: body[key] for key in body if key != "skills"})
    assert (created["engineers_needed"], created["solution"], created["skills"]) == (1, solution_a.code, [])


def test_a_solution_resource_type_and_grade_may_be_asked_for(api, rep, body):
    SolutionFactory(code="B")
    created = open_work_order(api.as_user(rep), {**body, "solution": "B", "resource_type": "presales", "grade": "P5"})
    assert (created["solution"], created["resource_type"], created["grade"]) == ("B", "presales", "P5")


def _invalid(monday):
    return {
        "no engineer": ({"engineers_needed": 0}, "engineers_needed"),
        "21 engineers": ({"engineers_needed": 21}, "engineers_needed"),
        "1.5 engineers": ({"engineers_needed": 1.5}, "engineers_needed"),
        "unknown skill": ({"skills": [{"code": "gis", "min_level": 2}, {"code": "cobol"}]}, "skills.1.code"),
        "skill twice": ({"skills": [{"code": "gis"}, {"code": "gis", "min_level": 2}]}, "skills"),
        "level 6": ({"skills": [{"code": "gis", "min_level": 6}]}, "skills.0.min_level"),
        "21 skills": ({"skills": [{"code": f"s{index}"} for index in range(21)]}, "skills"),
        "end before start": ({"desired_end": at(monday, 9).isoformat()}, "desired_end"),
        "over already": (
            {
                "desired_start": at(monday - dt.timedelta(days=14), 10).isoformat(),
                "desired_end": at(monday - dt.timedelta(days=14), 12).isoformat(),
            },
            "desired_end",
        ),
        "32 days": ({"desired_end": at(monday + dt.timedelta(days=32), 10).isoformat()}, "desired_end"),
        "no offset": ({"desired_start": at(monday, 10).replace(tzinfo=None).isoformat()}, "desired_start"),
        "no hours": ({"hours": "0"}, "hours"),
        "745 hours": ({"hours": "745"}, "hours"),
        "a long note": ({"note": "x" * 2001}, "note"),
        "qualification": ({"stage": PresalesStage.QUALIFICATION}, "stage"),
        "unknown activity": ({"activity": "golf"}, "activity"),
        "unknown solution": ({"solution": "nowhere"}, "solution"),
        "no opportunity": ({"opportunity": None}, "opportunity"),
        "opportunity 1.9": ({"opportunity": 1.9}, "opportunity"),
    }


@pytest.mark.parametrize("case", list(_invalid(next_monday())))
def test_invalid_input_is_a_400_naming_the_field_and_writes_nothing(api, rep, body, monday, case):
    change, field = _invalid(monday)[case]
    response = api.as_user(rep).post(URL, {**body, **change}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"], response.json()
    assert not WorkOrder.objects.exists() and not WorkOrderSkill.objects.exists()


def test_an_opportunity_still_in_qualification_is_a_400(api, rep, body, opportunity):
    opportunity.stage = PresalesStage.QUALIFICATION
    opportunity.save(update_fields=["stage"])
    response = api.as_user(rep).post(URL, body, format="json")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["opportunity"])
    assert not WorkOrder.objects.exists()


def test_another_reps_opportunity_is_answered_like_a_missing_one(api, other_rep, body):
    response = api.as_user(other_rep).post(URL, body, format="json")
    missing = api.as_user(other_rep).post(URL, {**body, "opportunity": 987654}, format="json")
    assert response.status_code == missing.status_code == 400
    assert list(response.json()["fields"]) == ["opportunity"]
    # Same words as for an id that does not exist, apart from the id itself.
    assert _without_id(response, "opportunity", body["opportunity"]) == _without_id(missing, "opportunity", 987654)
    assert not WorkOrder.objects.exists()


def _without_id(response, field: str, pk: int) -> str:
    return response.json()["fields"][field][0].replace(str(pk), "N")


@pytest.mark.parametrize("persona", ["engineer_user", "manager"])
def test_only_reps_open_work_orders(request, api, body, persona):
    response = api.as_user(request.getfixturevalue(persona)).post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not WorkOrder.objects.exists()


# --- Idempotency -------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_replays_the_first_response(api, rep, body):
    client = api.as_user(rep)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert WorkOrder.objects.count() == 1


def test_reusing_a_key_with_another_body_is_409_and_writes_nothing(api, rep, body, monday):
    client = api.as_user(rep)
    open_work_order(client, body, HTTP_IDEMPOTENCY_KEY="wo-1")
    response = client.post(
        URL, {**body, "desired_end": at(monday, 13).isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="wo-1"
    )
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")
    assert WorkOrder.objects.count() == 1


def test_a_refused_request_does_not_burn_its_key(api, rep, body):
    client = api.as_user(rep)
    refused = client.post(URL, {**body, "engineers_needed": 0}, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    assert refused.status_code == 400
    assert client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1").status_code == 201


# --- Filling it: delay and status (the acceptance points) ------------------------------


def test_booked_three_hours_after_the_desired_start_is_slight(api, rep, body, wang, monday):
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    response = book(client, work_order["id"], wang, at(monday, 13))
    assert response.status_code == 201, response.content
    booking = response.json()
    assert (booking["work_order"], booking["delay"], booking["status"]) == (work_order["id"], "slight", "booked")
    # Opportunity, stage and activity come from the work order.
    assert (booking["opportunity"], booking["stage"], booking["activity"]) == (
        body["opportunity"],
        "value_presentation",
        "workshop",
    )
    after = seen(client, work_order["id"])
    assert (after["delay"], after["lateness_hours"], after["status"]) == ("slight", 3.0, "staffed")
    assert after["bookings"] == [booking["id"]] and after["engineers_booked"] == 1
    assert dt.datetime.fromisoformat(after["first_start"]) == at(monday, 13)


def test_booked_on_thursday_for_a_monday_is_severe(api, rep, body, wang, thursday):
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    response = book(client, work_order["id"], wang, at(thursday, 10))
    assert (response.status_code, response.json()["delay"]) == (201, "severe")
    after = seen(client, work_order["id"])
    assert (after["delay"], after["lateness_hours"]) == ("severe", 72.0)


def test_booked_at_the_desired_start_is_on_time(api, rep, body, wang, monday):
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    assert book(client, work_order["id"], wang, at(monday, 10)).json()["delay"] == "on_time"
    assert seen(client, work_order["id"])["lateness_hours"] == 0.0


def test_two_engineers_needed_partially_staffed_then_staffed_and_one_dispatch(
    api, rep, body, wang, li, north, solution_a, monday
):
    client = api.as_user(rep)
    work_order = open_work_order(client, {**body, "engineers_needed": 2})
    first = book(client, work_order["id"], wang, at(monday, 10))
    assert first.status_code == 201, first.content
    assert seen(client, work_order["id"])["status"] == "partially_staffed"
    # The same engineer on another day fills nothing more.
    again = book(client, work_order["id"], wang, at(monday + dt.timedelta(days=1), 10))
    assert again.status_code == 201, again.content
    assert seen(client, work_order["id"])["status"] == "partially_staffed"
    second = book(client, work_order["id"], li, at(monday, 11))
    assert second.status_code == 201, second.content
    after = seen(client, work_order["id"])
    assert (after["status"], after["engineers_booked"], after["delay"]) == ("staffed", 2, "on_time")
    assert after["bookings"] == [first.json()["id"], second.json()["id"], again.json()["id"]]

    third = make_engineer("zhao", region=north, solutions=[solution_a])
    refused = book(client, work_order["id"], third, at(monday, 10))
    assert (refused.status_code, refused.json()["code"]) == (409, "work_order_staffed")
    assert Booking.objects.filter(engineer=third).count() == 0

    visibility = client.get(f"/api/v1/opportunities/{body['opportunity']}/visibility/").json()
    assert visibility["dispatches"]["total"] == 1
    assert visibility["dispatches"]["on_time"] == 1
    assert [item["work_order"] for item in visibility["dispatch_list"]] == [work_order["id"]]


def test_a_booking_onto_a_work_order_may_not_move_its_desired_start(api, rep, body, wang, monday):
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    booking = {
        "work_order": work_order["id"],
        "engineer": wang.pk,
        "start": at(monday, 13).isoformat(),
        "end": at(monday, 15).isoformat(),
        "desired_start": at(monday, 13).isoformat(),
    }
    refused = client.post(BOOKINGS, booking, format="json")
    assert (refused.status_code, list(refused.json()["fields"])) == (400, ["desired_start"])
    assert not Booking.objects.exists()


def test_without_a_work_order_opportunity_stage_and_activity_are_required(api, rep, wang, monday, budget):
    booking = {"engineer": wang.pk, "start": at(monday, 10).isoformat(), "end": at(monday, 12).isoformat()}
    response = api.as_user(rep).post(BOOKINGS, booking, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"opportunity", "stage", "activity"}
    assert not Booking.objects.exists() and not WorkOrder.objects.exists()


def test_booking_another_reps_work_order_is_answered_like_a_missing_one(api, rep, other_rep, body, wang, monday):
    work_order = open_work_order(api.as_user(rep), body)
    fund(other_rep, at(monday, 10))
    refused = book(api.as_user(other_rep), work_order["id"], wang, at(monday, 10))
    missing = book(api.as_user(other_rep), 987654, wang, at(monday, 10))
    assert refused.status_code == missing.status_code == 400
    assert list(refused.json()["fields"]) == ["work_order"]
    assert _without_id(refused, "work_order", work_order["id"]) == _without_id(missing, "work_order", 987654)
    assert not Booking.objects.exists()


def test_the_bookings_of_a_work_order_are_listed_by_it(api, rep, body, wang, li, monday):
    client = api.as_user(rep)
    first, second = open_work_order(client, body), open_work_order(client, body)
    mine = book(client, first["id"], wang, at(monday, 10)).json()["id"]
    book(client, second["id"], li, at(monday, 10))
    response = client.get(BOOKINGS, {"work_order": first["id"]})
    assert [item["id"] for item in response.json()["results"]] == [mine]
    assert client.get(BOOKINGS, {"work_order": "1.5"}).json()["fields"].keys() == {"work_order"}


# --- Cancelling it ---------------------------------------------------------------------------


def figures(budget: Budget) -> tuple[Decimal, Decimal]:
    budget.refresh_from_db()
    return budget.reserved, budget.remaining


def test_cancelling_cancels_its_bookings_and_releases_their_reservations(api, rep, body, wang, li, budget, monday):
    client = api.as_user(rep)
    work_order = open_work_order(client, {**body, "engineers_needed": 2})
    ids = [book(client, work_order["id"], engineer, at(monday, 10)).json()["id"] for engineer in (wang, li)]
    assert figures(budget) == (Decimal("2000.00"), Decimal("98000.00"))

    response = client.post(f"{URL}{work_order['id']}/cancel/", {"reason": "Customer postponed"}, format="json")
    assert response.status_code == 200, response.content
    cancelled = response.json()
    assert (cancelled["status"], cancelled["bookings"]) == ("cancelled", [])
    assert cancelled["cancelled_at"] is not None
    assert figures(budget) == (Decimal("0.00"), Decimal("100000.00"))
    assert list(Booking.objects.filter(pk__in=ids).values_list("status", flat=True)) == [BookingStatus.CANCELLED] * 2
    assert LedgerEntry.objects.filter(kind=LedgerKind.RELEASE, booking_id__in=ids).count() == 2
    assert {item["status"] for item in client.get(BOOKINGS, {"work_order": work_order["id"]}).json()["results"]} == {
        "cancelled"
    }

    again = client.post(f"{URL}{work_order['id']}/cancel/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    refused = book(client, work_order["id"], wang, at(monday, 14))
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_state")
    assert figures(budget) == (Decimal("0.00"), Decimal("100000.00"))


def test_a_done_work_order_can_no_longer_be_cancelled(api, rep, wang, opportunity):
    yesterday = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    while yesterday.isoweekday() > 5:
        yesterday -= dt.timedelta(days=1)
    start, before = at(yesterday, 10), at(yesterday, 9) - dt.timedelta(days=1)
    fund(rep, start)
    work_order = work_order_create(
        by=rep,
        opportunity=opportunity,
        stage="bidding",
        activity="bidding",
        desired_start=start,
        desired_end=start + dt.timedelta(hours=2),
        now=before,
    )
    booking = booking_create(
        by=rep,
        engineer=wang,
        work_order=work_order,
        start=start,
        end=start + dt.timedelta(hours=2),
        now=before,
        allow_past=True,
        notify=False,
    )
    booking_acknowledge(booking=booking, by=wang.user)
    booking_complete(booking=booking, by=rep, actual_hours=2)
    client = api.as_user(rep)
    assert seen(client, work_order.pk)["status"] == "done"
    response = client.post(f"{URL}{work_order.pk}/cancel/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    work_order.refresh_from_db()
    assert work_order.cancelled_at is None


def test_only_the_rep_cancels_others_who_see_it_are_403_and_the_rest_404(
    api, rep, other_rep, manager, other_manager, engineer_user, body, wang, monday
):
    work_order = open_work_order(api.as_user(rep), body)
    book(api.as_user(rep), work_order["id"], wang, at(monday, 10))
    for user, status in ((manager, 403), (engineer_user, 403), (other_rep, 404), (other_manager, 404)):
        response = api.as_user(user).post(f"{URL}{work_order['id']}/cancel/")
        assert response.status_code == status, user
    assert WorkOrder.objects.get().cancelled_at is None
    assert Booking.objects.get().status == BookingStatus.BOOKED


# --- Who sees which ---------------------------------------------------------------------------


@pytest.fixture
def two_reps_work(api, rep, other_rep, body, wang, li, north, solution_a, monday):
    """The rep's work order booked with Wang, another of the rep's nobody holds, and the other
    rep's booked with Li."""
    client = api.as_user(rep)
    booked, waiting = open_work_order(client, body), open_work_order(client, body)
    book(client, booked["id"], wang, at(monday, 10))
    theirs_opportunity = make_opportunity(other_rep, region=north, solution=solution_a)
    fund(other_rep, at(monday, 10))
    other_client = client_for(other_rep)
    theirs = open_work_order(other_client, {**body, "opportunity": theirs_opportunity.pk})
    assert book(other_client, theirs["id"], li, at(monday, 14)).status_code == 201
    return {"booked": booked["id"], "waiting": waiting["id"], "theirs": theirs["id"]}


def test_each_persona_lists_what_they_may_see(request, two_reps_work, admin_user):
    ids = two_reps_work
    everything = [ids["theirs"], ids["waiting"], ids["booked"]]  # newest first
    expected = {
        "rep": [ids["waiting"], ids["booked"]],
        "other_rep": [ids["theirs"]],
        "engineer_user": [ids["booked"]],  # Wang holds a booking on it
        "manager": everything,  # all of the north
        "other_manager": [],
        "admin_user": everything,
    }
    for persona, shown in expected.items():
        assert listed(client_for(request.getfixturevalue(persona))) == shown, persona


@pytest.mark.parametrize("persona", ["other_rep", "other_manager", "lead"])
@pytest.mark.parametrize("action", ["", "candidates/"])
def test_people_who_may_not_see_a_work_order_get_404(request, two_reps_work, persona, action):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(f"{URL}{two_reps_work['booked']}/{action}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_another_engineer_does_not_see_a_work_order_they_do_not_work_on(two_reps_work, li):
    client = client_for(li.user)
    assert client.get(f"{URL}{two_reps_work['booked']}/").status_code == 404
    assert client.get(f"{URL}{two_reps_work['theirs']}/").status_code == 200


def test_the_list_needs_a_signed_in_user(api):
    assert api.get(URL).status_code == 401


# --- Filters ---------------------------------------------------------------------------------


def test_list_filters(api, rep, manager, two_reps_work, body, opportunity, solution_a, east):
    ids = two_reps_work
    client = client_for(manager)
    assert listed(client, opportunity=opportunity.pk) == [ids["waiting"], ids["booked"]]
    assert listed(client, status="open") == [ids["waiting"]]
    assert listed(client, status="staffed") == [ids["theirs"], ids["booked"]]
    assert listed(client, status="cancelled") == []
    assert listed(client, delay="pending") == [ids["waiting"]]
    assert listed(client, delay="on_time") == [ids["booked"]]
    assert listed(client, delay="severe") == []
    assert listed(client, region="north") == [ids["theirs"], ids["waiting"], ids["booked"]]
    assert listed(client, region="east") == []
    assert listed(client, solution=solution_a.code, status="staffed", opportunity=opportunity.pk) == [ids["booked"]]
    SolutionFactory(code="B")
    assert listed(client, solution="B") == []
    assert listed(client, status="", delay="") == [ids["theirs"], ids["waiting"], ids["booked"]]  # no filter


def test_the_theirs_delay_is_slight_when_booked_later(two_reps_work, rep, other_rep):
    # The other rep's work order (desired Monday 10:00) was booked at 14:00.
    assert listed(client_for(other_rep), delay="slight") == [two_reps_work["theirs"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"delay": "late"}, "delay"),
        ({"region": "nowhere"}, "region"),
        ({"solution": "ZZ"}, "solution"),
        ({"opportunity": "1.5"}, "opportunity"),
        ({"opportunity": "one"}, "opportunity"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_filter_values_that_name_nothing_are_400_naming_the_field(api, rep, two_reps_work, params, field):
    response = api.as_user(rep).get(URL, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("invalid", [field])


# --- Candidates -------------------------------------------------------------------------------


def test_candidates_meet_the_requirements_are_free_and_ranked(api, rep, body, wang, li, north, east, solution_a, gis):
    # Li is booked elsewhere on Monday morning; Zhao's GIS is too low; Chen has no GIS; Sun is in
    # the east, so ranked below Wang (region fit: the opportunity's region).
    monday = dt.datetime.fromisoformat(body["desired_start"]).date()
    make_engineer("zhao", region=north, solutions=[solution_a], skills={gis: 2})
    make_engineer("chen", region=north, solutions=[solution_a])
    sun = make_engineer("sun", region=east, solutions=[solution_a], skills={gis: 4})
    other = make_opportunity(rep, region=north, solution=solution_a)
    booking_create(
        by=rep,
        engineer=li,
        opportunity=other,
        stage="bidding",
        activity="bidding",
        start=at(monday, 11),
        end=at(monday, 12),
        notify=False,
    )
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    response = client.get(f"{URL}{work_order['id']}/candidates/")
    assert response.status_code == 200, response.content
    page = response.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert [item["id"] for item in page["results"]] == [wang.pk, sun.pk]
    assert page["count"] == 2
    best = page["results"][0]
    assert best["match_score"] > page["results"][1]["match_score"]
    assert (best["eligible"], best["eligibility"]) == (True, "local")
    assert {"code": "gis", "level": 4} in best["skills"]
    one = client.get(f"{URL}{work_order['id']}/candidates/", {"page_size": 1}).json()
    assert ([item["id"] for item in one["results"]], one["count"]) == ([wang.pk], 2)


def test_a_booked_candidate_is_no_longer_one(api, rep, body, wang, li, monday):
    client = api.as_user(rep)
    work_order = open_work_order(client, {**body, "engineers_needed": 2})
    book(client, work_order["id"], wang, at(monday, 10))
    candidates = client.get(f"{URL}{work_order['id']}/candidates/").json()["results"]
    assert [item["id"] for item in candidates] == [li.pk]


def test_the_engineer_booked_on_it_and_the_manager_see_its_candidates(api, rep, manager, engineer_user, body, wang, li):
    work_order = open_work_order(api.as_user(rep), body)
    for user in (manager, rep):
        response = client_for(user).get(f"{URL}{work_order['id']}/candidates/")
        assert response.status_code == 200
        assert {item["id"] for item in response.json()["results"]} == {wang.pk, li.pk}
    # Wang sees nothing of it until booked on it.
    assert client_for(engineer_user).get(f"{URL}{work_order['id']}/candidates/").status_code == 404


def test_candidates_are_paginated_at_most_200_a_page(api, rep, body, north, solution_a, gis):
    for index in range(3):
        make_engineer(f"e{index}", region=north, solutions=[solution_a], skills={gis: 5})
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    url = f"{URL}{work_order['id']}/candidates/"
    assert len(client.get(url, {"page_size": 1000}).json()["results"]) == 3  # cut to at most 200, as every list
    page = client.get(url, {"page_size": 2, "page": 2}).json()
    assert (len(page["results"]), page["count"], page["next"]) == (1, 3, None)
    assert client.get(url, {"page_size": "0"}).status_code == 400


# --- Query counts -----------------------------------------------------------------------------


def _many(rep, opportunity, engineer, monday, count: int, skills) -> None:
    """``count`` work orders with two skills each, every other one booked with ``engineer``, all
    in the two weeks from ``monday`` at hours that never overlap."""
    for index in range(count):
        day = monday + dt.timedelta(days=index % 5 + 7 * (index // 20))
        work_order = work_order_create(
            by=rep,
            opportunity=opportunity,
            stage="bidding",
            activity="bidding",
            skills=skills,
            desired_start=at(day, 10),
            desired_end=at(day, 12),
        )
        if index % 2:
            hour = 9 + (index // 2) % 8
            booking_create(
                by=rep,
                engineer=engineer,
                work_order=work_order,
                start=at(day, hour),
                end=at(day, hour + 1),
                notify=False,
            )


def test_the_list_takes_the_same_queries_for_one_row_as_for_many(
    rep, manager, admin_user, engineer_user, opportunity, wang, monday, budget
):
    fund(rep, *(at(monday + dt.timedelta(days=7 * week), 10) for week in range(3)))
    skills = [(SkillFactory(code=f"k{index}"), 2) for index in range(2)]
    _many(rep, opportunity, wang, monday, 2, skills)  # one booked: the engineer sees one row too
    counts = {}
    for size in ("one", "many"):
        if size == "many":
            _many(rep, opportunity, wang, monday + dt.timedelta(days=7), 40, skills)
        for user in (rep, manager, admin_user, engineer_user):
            client = client_for(user)
            client.get(URL)  # warm up (token, caches)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL, {"page_size": 50})
            assert response.status_code == 200
            counts[size, user.username] = (len(response.json()["results"]), len(queries))
    for user in (rep, manager, admin_user, engineer_user):
        (few_rows, few), (many_rows, many) = counts["one", user.username], counts["many", user.username]
        assert few_rows < many_rows, (user.username, counts)
        assert few == many, (user.username, counts)
        # Authentication (token and user), roles, the count, the page and its three prefetches
        # (skills, their codes, holding bookings); nothing per row.
        assert many <= 8, (user.username, counts)


def test_the_detail_and_candidates_take_a_fixed_number_of_queries(api, rep, body, wang, north, solution_a, gis):
    client = api.as_user(rep)
    work_order = open_work_order(client, body)
    url = f"{URL}{work_order['id']}/candidates/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()["results"]) == 1
    for index in range(6):
        make_engineer(f"e{index}", region=north, solutions=[solution_a], skills={gis: 3 + index % 3})
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["results"]) == 7
    # The work order and its skills, the search's reference reads, the ranking, the page's three
    # display queries: nothing per engineer.
    assert len(one) == len(many), [query["sql"][:80] for query in many.captured_queries]
    with CaptureQueriesContext(connection) as detail:
        assert client.get(f"{URL}{work_order['id']}/").status_code == 200
    assert len(detail) <= 6  # authentication, roles, the work order, its skills and their codes, its bookings


def test_a_work_order_in_a_region_the_rep_is_not_in_is_still_theirs(api, rep, solution_a, monday, budget):
    west = RegionFactory(code="west")
    opportunity = make_opportunity(rep, region=west, solution=solution_a)
    body = {
        "opportunity": opportunity.pk,
        "stage": "bidding",
        "activity": "bidding",
        "desired_start": at(monday, 10).isoformat(),
        "desired_end": at(monday, 12).isoformat(),
    }
    created = open_work_order(api.as_user(rep), body)
    assert listed(api.as_user(rep), region="west") == [created["id"]]
