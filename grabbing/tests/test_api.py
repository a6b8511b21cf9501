"""The grab-order API against the contract: codes, scoping, idempotency, constant queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgeting.models import LedgerEntry, LedgerKind
from dispatch.models import Booking, TimeOff
from dispatch.services.bookings import booking_create
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_api import client_for
from grabbing.models import GrabOrder, GrabOrderStatus
from grabbing.services.grab_orders import grab_order_grab, grab_order_post
from grabbing.tests.factories import budget_for, post, window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v1/grab-orders/"
HOURS_2 = dt.timedelta(hours=2)


@pytest.fixture
def body(opportunity, north, east):
    start, end = window()
    return {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "solution": "A",
        "skills": [],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "uplift_percent": 50,
        "scope": {"regions": ["north", "east"], "grades": []},
    }


def test_rep_posts_an_order_and_free_engineers_are_invited(rep, body, wang, li):
    response = client_for(rep).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["invited"], data["uplift_percent"]) == ("open", 2, 50)
    assert data["scope"] == {"regions": ["east", "north"], "grades": []}
    assert (data["hours"], data["credited_hours"]) == ("2.00", "3.00")


def test_status_winner_and_cost_in_the_body_are_ignored(rep, body, wang):
    response = client_for(rep).post(
        URL, body | {"status": "confirmed", "winner": wang.pk, "engineer": wang.pk, "cost": "0.01"}, format="json"
    )
    assert response.status_code == 201
    order = GrabOrder.objects.get()
    assert (order.status, order.winner, order.booking) == (GrabOrderStatus.OPEN, None, None)


@pytest.mark.parametrize("uplift", [-1, 201])
def test_uplift_out_of_bounds_is_400_with_field_errors(rep, body, uplift):
    response = client_for(rep).post(URL, body | {"uplift_percent": uplift}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "uplift_percent" in response.json()["fields"]


def test_bad_windows_are_400(rep, body):
    start, end = window()
    client = client_for(rep)
    month = dt.timedelta(days=30)
    cases = {
        "start": {"start": (start - month).isoformat(), "end": (end - month).isoformat()},
        "end": {"start": end.isoformat(), "end": start.isoformat()},
    }
    for field, change in cases.items():
        response = client.post(URL, body | change, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], response.json()
    naive = client.post(URL, body | {"start": "2030-01-07T10:00:00", "end": "2030-01-07T12:00:00"}, format="json")
    assert naive.status_code == 400 and "start" in naive.json()["fields"]


def test_only_reps_post_and_only_on_their_opportunities(other_rep, engineer_user, body):
    assert client_for(engineer_user).post(URL, body, format="json").status_code == 403
    response = client_for(other_rep).post(URL, body, format="json")
    assert response.status_code == 400 and "opportunity" in response.json()["fields"]


def test_idempotency_key_replays_the_first_response(rep, body, wang):
    client = client_for(rep)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and GrabOrder.objects.count() == 1
    reused = client.post(URL, body | {"uplift_percent": 60}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


def test_other_reps_orders_are_404(rep, other_rep, opportunity, wang):
    order = post(rep, opportunity)
    client = client_for(other_rep)
    assert client.get(f"{URL}{order.pk}/").status_code == 404
    for action in ("confirm", "reject", "cancel"):
        response = client.post(f"{URL}{order.pk}/{action}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(URL).json()["count"] == 0


def test_list_filters_by_status_and_opportunity(rep, opportunity, wang):
    order = post(rep, opportunity)
    client = client_for(rep)
    assert client.get(f"{URL}?status=open&opportunity={opportunity.pk}").json()["count"] == 1
    assert client.get(f"{URL}?status=grabbed").json()["count"] == 0
    assert client.get(f"{URL}?opportunity={opportunity.pk + 1}").json()["count"] == 0
    bad = client.get(f"{URL}?status=bogus")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    assert order.pk


def test_list_is_the_reps_own_and_the_managers_regions(rep, other_rep, manager, other_manager, opportunity, wang):
    order = post(rep, opportunity)
    assert [item["id"] for item in client_for(rep).get(URL).json()["results"]] == [order.pk]
    assert [item["id"] for item in client_for(manager).get(URL).json()["results"]] == [order.pk]
    assert client_for(other_manager).get(URL).json()["count"] == 0


def test_invitations_are_the_engineers_own_with_credited_hours(rep, opportunity, wang, li, engineer_user):
    order = post(rep, opportunity, uplift_percent=50)
    response = client_for(engineer_user).get("/api/v1/invitations/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["status"] == "open"
    assert (item["grab_order"]["id"], item["grab_order"]["credited_hours"]) == (order.pk, "3.00")
    assert client_for(rep).get("/api/v1/invitations/").json()["count"] == 0


def test_grab_then_later_grabs_are_409(rep, opportunity, wang, li, engineer_user):
    order = post(rep, opportunity)
    first = client_for(engineer_user).post(f"{URL}{order.pk}/grab/")
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["engineer"]) == ("grabbed", wang.pk)
    later = client_for(li.user).post(f"{URL}{order.pk}/grab/")
    assert later.status_code == 409 and later.json()["code"] == "already_grabbed"


def test_not_invited_is_404_and_busy_is_409(rep, opportunity, north, solution_a, wang, engineer_user):
    order = post(rep, opportunity, scope_grades=["P3"])
    outsider = make_engineer("outsider", region=north, solutions=[solution_a], grade="P9")
    response = client_for(outsider.user).post(f"{URL}{order.pk}/grab/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    TimeOff.objects.create(engineer=wang, start=order.start, end=order.end)
    busy = client_for(engineer_user).post(f"{URL}{order.pk}/grab/")
    assert busy.status_code == 409 and busy.json()["code"] == "slot_unavailable"


def test_confirm_answers_the_booking_at_the_uplifted_cost(rep, opportunity, wang, engineer_user, budget):
    order = post(rep, opportunity, uplift_percent=50)
    grab_order_grab(grab_order=order, by=engineer_user)
    response = client_for(rep).post(f"{URL}{order.pk}/confirm/")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["engineer"], data["uplift_percent"], data["status"]) == (wang.pk, 50, "booked")
    assert data["cost"] == "1500.00"  # 2 h × 500 × 1.5
    assert client_for(rep).get(f"{URL}{order.pk}/").json()["status"] == "confirmed"


def test_confirm_answers_the_delay_of_the_work_order_it_fills(rep, opportunity, wang, li, engineer_user, budget):
    """The work order's first holding booking decides its delay, not the one confirmed last."""
    start, end = window()
    work_order = work_order_create(
        by=rep,
        opportunity=opportunity,
        stage="value_presentation",
        activity="workshop",
        engineers_needed=2,
        desired_start=start,
        desired_end=end,
    )
    booking_create(by=rep, engineer=li, work_order=work_order, start=start, end=end)  # on time
    later = start + dt.timedelta(days=1)
    order = grab_order_post(by=rep, work_order=work_order, uplift_percent=50, start=later, end=later + HOURS_2)
    grab_order_grab(grab_order=order, by=engineer_user)
    response = client_for(rep).post(f"{URL}{order.pk}/confirm/")
    assert response.status_code == 201, response.json()
    booking = response.json()
    assert booking["delay"] == "on_time"
    assert client_for(rep).get(f"/api/v1/bookings/{booking['id']}/").json()["delay"] == "on_time"


def test_confirm_beyond_budget_is_409_and_books_nothing(rep, opportunity, wang, engineer_user):
    budget_for(rep, window()[0], allocated="1000.00")
    order = post(rep, opportunity, uplift_percent=50)
    grab_order_grab(grab_order=order, by=engineer_user)
    response = client_for(rep).post(f"{URL}{order.pk}/confirm/")
    assert response.status_code == 409 and response.json()["code"] == "budget_exceeded"
    assert client_for(rep).get(f"{URL}{order.pk}/").json()["status"] == "grabbed"
    assert not Booking.objects.exists() and not LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).exists()


def test_wrong_transitions_are_409_invalid_state(rep, opportunity, wang, engineer_user):
    order = post(rep, opportunity)
    client = client_for(rep)
    for action in ("confirm", "reject"):
        response = client.post(f"{URL}{order.pk}/{action}/")
        assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert client.post(f"{URL}{order.pk}/cancel/").json()["status"] == "cancelled"
    again = client.post(f"{URL}{order.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    grab = client_for(engineer_user).post(f"{URL}{order.pk}/grab/")
    assert grab.status_code == 409 and grab.json()["code"] == "invalid_state"


def test_reject_reopens_and_withdraws(rep, opportunity, wang, li, engineer_user):
    order = post(rep, opportunity)
    grab_order_grab(grab_order=order, by=engineer_user)
    response = client_for(rep).post(f"{URL}{order.pk}/reject/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["engineer"]) == ("open", None)
    assert client_for(engineer_user).post(f"{URL}{order.pk}/grab/").status_code == 404
    assert client_for(engineer_user).get("/api/v1/invitations/").json()["count"] == 0
    assert client_for(li.user).post(f"{URL}{order.pk}/grab/").status_code == 200


def test_question_threads_through_the_api(rep, opportunity, wang, li, engineer_user):
    order = post(rep, opportunity)
    questions = f"{URL}{order.pk}/questions/"
    asked = client_for(engineer_user).post(questions, {"text": "Remote OK?"}, format="json")
    assert asked.status_code == 201 and asked.json()["engineer"] == wang.pk
    answered = client_for(rep).post(questions, {"text": "On site.", "engineer": wang.pk}, format="json")
    assert answered.status_code == 201
    assert [q["text"] for q in client_for(engineer_user).get(questions).json()] == ["Remote OK?", "On site."]
    assert client_for(li.user).get(questions).json() == []
    assert len(client_for(rep).get(questions).json()) == 2


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_run_a_constant_number_of_queries(rep, north, solution_a, wang, li, engineer_user, skill_set):
    for _index in range(6):
        order = post(rep, make_opportunity(rep, region=north, solution=solution_a), scope_regions=[north])
        order.skills.set(skill_set)  # after the invitations: the engineers hold no such skills
    client = client_for(rep)
    assert client.get(URL).json()["count"] == 6
    assert _queries(client, f"{URL}?page_size=1") == _queries(client, f"{URL}?page_size=6")
    engineer = client_for(engineer_user)
    assert engineer.get("/api/v1/invitations/").json()["count"] == 6
    assert _queries(engineer, "/api/v1/invitations/?page_size=1") == _queries(
        engineer, "/api/v1/invitations/?page_size=6"
    )


@pytest.fixture
def skill_set():
    from presales.tests.factories import SkillFactory

    return [SkillFactory(code="gis"), SkillFactory(code="k8s")]


def test_money_is_exact(rep, opportunity, wang, engineer_user, budget):
    order = post(rep, opportunity, uplift_percent=33, hours=3)
    grab_order_grab(grab_order=order, by=engineer_user)
    data = client_for(rep).post(f"{URL}{order.pk}/confirm/").json()
    assert Decimal(data["cost"]) == Decimal("1995.00")  # 3 h × 500 × 1.33
