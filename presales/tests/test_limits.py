"""The API's limits (README "Limits"): the search's free window at most 31 days, lists at most 50
items looked up in one query, windows of bookings and grab orders at least 15 minutes, and a
booking at a 0.00 card rate a valid free booking. Every refusal names the field and writes nothing."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from budgeting.models import LedgerEntry
from dispatch.models import Booking, BookingStatus
from dispatch.services.bookings import booking_acknowledge, booking_complete
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_api import client_for
from grabbing.tests.factories import budget_for, window
from presales.api.limits import MAX_ITEMS
from presales.tests.factories import RegionFactory, SkillFactory
from presales.tests.scenario_files import row_counts

pytestmark = pytest.mark.django_db

ENGINEERS_URL = "/api/v1/engineers/"
BOOKINGS_URL = "/api/v1/bookings/"
GRAB_ORDERS_URL = "/api/v1/grab-orders/"
WINDOW_TOO_SHORT = "The end must be at least 15 minutes after the start."


@pytest.fixture
def gis(db):
    return SkillFactory(code="gis")


@pytest.fixture
def wang(engineer_user, north, solution_a, gis):
    return make_engineer(engineer_user, region=north, solutions=[solution_a], skills={gis: 4})


@pytest.fixture
def opportunity(rep, north, solution_a):
    return make_opportunity(rep, region=north, solution=solution_a)


@pytest.fixture
def budget(rep):
    return budget_for(rep, window()[0])


@pytest.fixture
def order_body(opportunity, budget, wang):
    start, end = window()
    return {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "skills": ["gis"],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "uplift_percent": 50,
        "scope": {"regions": ["north"], "grades": []},
    }


@pytest.fixture
def booking_body(opportunity, budget, wang):
    start, end = window()
    return {
        "engineer": wang.pk,
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def refused(client, method, url, data, *, field, status=400, within=1.0):
    """The request is refused on ``field`` within ``within`` seconds and writes nothing."""
    before = row_counts()
    started = time.monotonic()
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "post":
        response = client.post(url, data, format="json", **english)
    else:
        response = client.get(url, data, **english)
    elapsed = time.monotonic() - started
    assert response.status_code == status, response.json()
    assert response.json()["code"] == "invalid" and field in response.json()["fields"], response.json()
    assert elapsed < within, f"took {elapsed:.2f} s"
    assert row_counts() == before
    return response.json()["fields"][field]


# --- Finding 1: the free window ---------------------------------------------------------------


def test_a_free_window_of_a_year_is_a_400_on_free_to_within_a_second(rep, wang):
    start = window()[0]
    messages = refused(
        client_for(rep),
        "get",
        ENGINEERS_URL,
        {"free_from": start.isoformat(), "free_to": (start + dt.timedelta(days=365)).isoformat()},
        field="free_to",
    )
    assert messages == ["The free window is at most 31 days long."]


def test_a_free_window_of_31_days_is_searched(rep, wang):
    start = window()[0]
    response = client_for(rep).get(
        ENGINEERS_URL, {"free_from": start.isoformat(), "free_to": (start + dt.timedelta(days=31)).isoformat()}
    )
    assert response.status_code == 200


def test_more_than_50_skills_in_the_search_are_a_400_on_skill(rep, wang, gis):
    refused(client_for(rep), "get", ENGINEERS_URL, {"skill": ["gis"] * (MAX_ITEMS + 1)}, field="skill")
    assert client_for(rep).get(ENGINEERS_URL, {"skill": ["gis"] * MAX_ITEMS}).status_code == 200


# --- Finding 2: list fields -------------------------------------------------------------------


def test_50000_skills_on_a_grab_order_are_a_400_on_skills_within_a_second(rep, order_body):
    messages = refused(
        client_for(rep), "post", GRAB_ORDERS_URL, order_body | {"skills": ["gis"] * 50_000}, field="skills"
    )
    assert messages == [f"Ensure this field has no more than {MAX_ITEMS} elements."]
    assert mail.outbox == []


@pytest.mark.parametrize("field", ["regions", "grades"])
def test_more_than_50_scope_items_are_a_400_on_the_scope_field(rep, order_body, field):
    scope = order_body["scope"] | {field: ["north" if field == "regions" else "P3"] * (MAX_ITEMS + 1)}
    refused(client_for(rep), "post", GRAB_ORDERS_URL, order_body | {"scope": scope}, field=f"scope.{field}")


def test_unknown_codes_are_each_named_and_nothing_is_written(rep, order_body):
    messages = refused(
        client_for(rep), "post", GRAB_ORDERS_URL, order_body | {"skills": ["gis", "x1", "x2"]}, field="skills"
    )
    assert messages == ["Object with code=x1 does not exist.", "Object with code=x2 does not exist."]


def test_skill_and_region_codes_are_looked_up_in_one_query_whatever_their_number(
    rep, order_body, north, solution_a, gis
):
    skills = [SkillFactory(code=f"s{index}") for index in range(10)]
    make_engineer("versatile", region=north, solutions=[solution_a], skills=dict.fromkeys([gis, *skills], 3))
    codes = [skill.code for skill in skills]
    regions = [RegionFactory(code=f"r{index}").code for index in range(10)]
    client = client_for(rep)

    def queries(skills, scope_regions):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                GRAB_ORDERS_URL, order_body | {"skills": skills, "scope": {"regions": scope_regions}}, format="json"
            )
        assert response.status_code == 201, response.json()
        return len(captured)

    assert queries(["gis"], ["north"]) == queries(["gis", *codes], ["north", *regions])


# --- Finding 10: windows of at least 15 minutes, free bookings ----------------------------------


def test_a_booking_shorter_than_15_minutes_is_a_400_on_end(rep, booking_body):
    start = window()[0]
    body = booking_body | {"end": (start + dt.timedelta(minutes=14, seconds=59)).isoformat()}
    assert refused(client_for(rep), "post", BOOKINGS_URL, body, field="end") == [WINDOW_TOO_SHORT]


def test_a_grab_order_of_a_microsecond_is_the_same_400_on_end_and_invites_nobody(rep, order_body):
    start = window()[0]
    body = order_body | {"end": (start + dt.timedelta(microseconds=1)).isoformat()}
    assert refused(client_for(rep), "post", GRAB_ORDERS_URL, body, field="end") == [WINDOW_TOO_SHORT]
    assert mail.outbox == []


def test_windows_of_exactly_15_minutes_are_taken(rep, booking_body, order_body):
    start = window()[0]
    end = (start + dt.timedelta(minutes=15)).isoformat()
    booked = client_for(rep).post(BOOKINGS_URL, booking_body | {"end": end}, format="json")
    assert booked.status_code == 201 and booked.json()["hours"] == "0.25"
    later = {
        "start": (start + dt.timedelta(hours=1)).isoformat(),
        "end": (start + dt.timedelta(hours=1, minutes=15)).isoformat(),
    }
    posted = client_for(rep).post(GRAB_ORDERS_URL, order_body | later, format="json")
    assert posted.status_code == 201 and posted.json()["hours"] == "0.25"


def test_a_booking_at_a_zero_card_rate_is_a_free_booking_with_no_ledger_line(rep, booking_body, north, solution_a):
    volunteer = make_engineer("volunteer", region=north, solutions=[solution_a], grade="P0", hourly_rate="0.00")
    response = client_for(rep).post(BOOKINGS_URL, booking_body | {"engineer": volunteer.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["cost"] == "0.00"
    booking = Booking.objects.get(pk=response.json()["id"])
    assert not LedgerEntry.objects.filter(booking_id=booking.pk).exists()
    booking_acknowledge(booking=booking, by=volunteer.user)
    completed = booking_complete(booking=booking, by=rep, actual_hours="2", allow_early=True)
    assert (completed.status, completed.charged) == (BookingStatus.COMPLETED, 0)
    assert not LedgerEntry.objects.filter(booking_id=booking.pk).exists()


# --- The schema documents the limits ----------------------------------------------------------


def test_the_schema_documents_the_limits():
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    order = schema["components"]["schemas"]["GrabOrderCreateRequest"]["properties"]
    scope = schema["components"]["schemas"]["ScopeRequest"]["properties"]
    assert order["skills"]["maxItems"] == scope["regions"]["maxItems"] == scope["grades"]["maxItems"] == MAX_ITEMS
    search = {parameter["name"]: parameter for parameter in schema["paths"][ENGINEERS_URL]["get"]["parameters"]}
    assert "31 days" in search["free_from"]["description"] and "31 days" in search["free_to"]["description"]
    assert "50" in search["skill"]["description"]
    responses = schema["paths"][GRAB_ORDERS_URL]["post"]["responses"]
    assert {"413", "503"} <= set(responses)


def test_a_refusal_on_one_field_says_that_field_s_message_as_its_detail(rep, order_body):
    """A service's field error is summarised by its message, as a serializer's is, not by the
    generic "Invalid input."."""
    start = window()[0]
    body = order_body | {"end": (start + dt.timedelta(minutes=5)).isoformat()}
    response = client_for(rep).post(GRAB_ORDERS_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == response.json()["fields"]["end"][0]
