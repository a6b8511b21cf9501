"""Issue 16, the input layer: a value with no valid meaning is a 400 naming its field, never a
500 and never silently rounded, and a refused request writes nothing (rows counted around it).

Times: an offset beyond ±14:00 and a year outside 2000–2099 (finding 3); the ledger's from/to
take the shared filter (finding 9). A NUL in a code (finding 4). Ids are whole numbers
(finding 6). 1e400 and deep nesting in a JSON body (finding 8).

The world is the authorization matrix's, built once for the module; each case runs in its own
savepoint. Messages are compared in English (Accept-Language), so that each case checks the
rule that refused it and not only the status.
"""

import json

import pytest
from django.db import transaction
from django.urls import get_resolver
from django.utils import translation
from django_filters import FilterSet, NumberFilter
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from presales.api.fields import CodeRelatedField, StrictPrimaryKeyRelatedField
from presales.tests.scenario_files import row_counts
from tests.authorization_world import build_world

STAGE, ACTIVITY = "value_presentation", "workshop"
# The contract's messages (English), literal so that this file runs on the code before the fix.
NUL_MESSAGE = "Null characters are not allowed."
NOT_AN_ID = "Give the id as a whole number."
OFFSET_OUT_OF_RANGE = "Give a UTC offset between -14:00 and +14:00."
OUT_OF_RANGE = "Give a time between the years 2000 and 2099."
MAX_DEPTH = 32
FAR_OFFSET = "2026-04-07T13:30:00+16:00"


def english(message) -> str:
    with translation.override("en"):
        return str(message)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.tokens = {name: Token.objects.get_or_create(user=user)[0].key for name, user in built.users.items()}
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def call(world, db):
    """``call(persona, method, url, body=None)``: the response, asserting that it wrote nothing."""

    def request(persona, method, url, body=None):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[persona]}")
        before = row_counts()
        if method == "get":
            response = client.get(url, body)  # a query string
        elif isinstance(body, str):
            response = getattr(client, method)(url, body, content_type="application/json")
        else:
            response = getattr(client, method)(url, body, format="json")
        assert row_counts() == before, "a refused request wrote something"
        return response

    return request


def assert_refused(response, field: str, message) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid"
    assert english(message) in body["fields"][field], body


def booking_body(w, **changes) -> dict:
    start, end = w.thu
    body = {
        "engineer": w.wang.pk,
        "opportunity": w.opp.pk,
        "stage": STAGE,
        "activity": ACTIVITY,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    return {**body, **changes}


def grab_body(w, **changes) -> dict:
    start, end = w.fri
    body = {
        "opportunity": w.opp.pk,
        "stage": STAGE,
        "activity": ACTIVITY,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "uplift_percent": 20,
    }
    return {**body, **changes}


# --- Finding 3: offsets beyond ±14:00 and years outside 2000–2099 -------------------------------

FILTER_TIMES = [
    ("rep", "/api/v1/bookings/", "from", {}),
    ("rep", "/api/v1/bookings/", "to", {}),
    ("rep", "/api/v1/budgets/{budget}/ledger/", "from", {}),
    ("rep", "/api/v1/budgets/{budget}/ledger/", "to", {}),
    ("rep", "/api/v1/engineers/", "free_from", {"free_to": "2026-04-07T18:00:00+08:00"}),
    ("rep", "/api/v1/engineers/", "free_to", {"free_from": "2026-04-07T09:00:00+08:00"}),
    ("rep", "/api/v1/engineers/{wang}/schedule/", "from", {"to": "2026-04-08T13:30:00+08:00"}),
    ("rep", "/api/v1/engineers/{wang}/schedule/", "to", {"from": "2026-04-06T13:30:00+08:00"}),
]


def _url(w, template: str) -> str:
    return template.format(budget=w.budget.pk, wang=w.wang.pk)


@pytest.mark.parametrize(("persona", "url", "name", "others"), FILTER_TIMES)
def test_a_query_time_with_an_offset_beyond_14_hours_is_a_400_naming_it(world, call, persona, url, name, others):
    response = call(persona, "get", _url(world, url), {**others, name: FAR_OFFSET})
    assert_refused(response, name, OFFSET_OUT_OF_RANGE)


# The schedule's from/to kept the years already; the filters did not.
@pytest.mark.parametrize(
    ("persona", "url", "name", "others"), [case for case in FILTER_TIMES if "schedule" not in case[1]]
)
def test_a_query_time_in_year_9999_is_a_400_naming_it(world, call, persona, url, name, others):
    others = {key: value.replace("2026", "9999") for key, value in others.items()}
    response = call(persona, "get", _url(world, url), {**others, name: "9999-12-31T13:30:00+08:00"})
    assert_refused(response, name, OUT_OF_RANGE)


def test_a_free_window_in_year_9999_is_refused_before_the_search_overflows(call):
    query = {"free_from": "9999-12-31T13:30:00+08:00", "free_to": "9999-12-31T15:30:00+08:00"}
    assert_refused(call("rep", "get", "/api/v1/engineers/", query), "free_from", OUT_OF_RANGE)


@pytest.mark.parametrize("field", ["start", "end"])
def test_a_booking_time_with_an_offset_beyond_14_hours_is_a_400_naming_it(world, call, field):
    body = booking_body(world, **{field: FAR_OFFSET.replace("2026-04-07", world.thu[0].date().isoformat())})
    assert_refused(call("rep", "post", "/api/v1/bookings/", body), field, OFFSET_OUT_OF_RANGE)


def test_a_grab_order_time_with_an_offset_beyond_14_hours_is_a_400_naming_it(world, call):
    body = grab_body(world, start=world.fri[0].replace(tzinfo=None).isoformat() + "-15:00")
    assert_refused(call("rep", "post", "/api/v1/grab-orders/", body), "start", OFFSET_OUT_OF_RANGE)


def test_a_time_that_would_overflow_when_converted_is_refused_on_its_year(world, call):
    # Year 1 at +14:00 is before what Python can represent in UTC: the year rule comes first.
    body = booking_body(world, start="0001-01-01T00:00:00+14:00")
    assert_refused(call("rep", "post", "/api/v1/bookings/", body), "start", OUT_OF_RANGE)


def test_an_offset_of_14_hours_is_still_a_time(world, call):
    start = world.thu[0].astimezone(__import__("zoneinfo").ZoneInfo("Pacific/Kiritimati"))
    query = {"from": start.isoformat(), "to": world.thu[1].isoformat()}
    assert call("rep", "get", "/api/v1/bookings/", query).status_code == 200


# --- Finding 9: the ledger's from/to are the shared filter ---------------------------------------


@pytest.mark.parametrize("name", ["from", "to"])
def test_the_ledger_refuses_a_time_without_an_offset(world, call, name):
    response = call("rep", "get", f"/api/v1/budgets/{world.budget.pk}/ledger/", {name: "2026-04-07T13:30:00"})
    assert_refused(response, name, "Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00.")


def test_the_ledger_forgives_an_unencoded_plus_as_the_other_filters_do(world, call):
    # "+08:00" sent unencoded arrives as " 08:00"; the bookings list already reads it so.
    url = f"/api/v1/budgets/{world.budget.pk}/ledger/?from=2000-01-01T00:00:00+08:00&to=2099-01-01T00:00:00+08:00"
    response = call("rep", "get", url)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["count"] == world.budget.entries.count() > 0
    naive = call("rep", "get", f"/api/v1/budgets/{world.budget.pk}/ledger/", {"from": "2000-01-01T00:00:00"})
    assert naive.status_code == 400  # a space is forgiven, a missing offset is not


# --- Finding 4: a NUL in a code ------------------------------------------------------------------

NUL_BODIES = [
    ("rep", "post", "/api/v1/opportunities/", "region", lambda w: _opportunity(w, region="no\x00rth")),
    ("rep", "post", "/api/v1/opportunities/", "solution", lambda w: _opportunity(w, solution="A\x00")),
    ("admin", "post", "/api/v1/customers/", "region", lambda w: {"name": "New", "tier": "A", "region": "n\x00"}),
    ("admin", "patch", "/api/v1/customers/{customer}/", "region", lambda w: {"region": "\x00"}),
    ("rep", "post", "/api/v1/grab-orders/", "skills.0", lambda w: grab_body(w, skills=["sk\x00ill"])),
    ("rep", "post", "/api/v1/grab-orders/", "solution", lambda w: grab_body(w, solution="A\x00")),
    ("rep", "post", "/api/v1/grab-orders/", "scope.regions.0", lambda w: grab_body(w, scope={"regions": ["\x00"]})),
    ("rep", "post", "/api/v1/hotline-requests/", "solution", lambda w: _hotline(w, solution="\x00")),
]


def _opportunity(w, **changes) -> dict:
    return {"name": "New deal", "customer": w.customer_free.pk, "region": "north", "solution": "A", **changes}


def _hotline(w, **changes) -> dict:
    return {"opportunity": w.opp.pk, "question": "Does it scale?", **changes}


@pytest.mark.parametrize(("persona", "method", "url", "field", "body"), NUL_BODIES)
def test_a_nul_in_a_code_field_is_a_400_naming_it(world, call, persona, method, url, field, body):
    response = call(persona, method, url.format(customer=world.customer_free.pk), body(world))
    assert_refused(response, field, NUL_MESSAGE)


@pytest.mark.parametrize("collection", ["regions", "skills", "solutions"])
@pytest.mark.parametrize(("persona", "method", "body"), [("rep", "get", None), ("admin", "patch", {"name": "x"})])
def test_a_nul_in_a_code_lookup_is_a_400_naming_the_code(call, collection, persona, method, body):
    response = call(persona, method, f"/api/v1/{collection}/no%00rth/", body)
    assert_refused(response, "code", NUL_MESSAGE)


def test_deleting_by_a_code_with_a_nul_is_a_400_and_deletes_nothing(call):
    assert_refused(call("admin", "delete", "/api/v1/skills/unused-skill%00/"), "code", NUL_MESSAGE)


def test_a_calendar_feed_token_with_a_nul_is_a_404_like_any_unknown_token(world, db):
    # No sign-in: the token is the credential, and one that cannot exist is simply not found.
    before = row_counts()
    response = APIClient().get(f"/dispatch/calendar/{world.wang.calendar_token}%00.ics")
    assert response.status_code == 404
    assert row_counts() == before


# --- Finding 6: ids are whole numbers -----------------------------------------------------------

NOT_IDS = [1.9, "1.9", True, 1e3, "1e3", "1.0", 2**63, str(2**64), 0, -1]
ID_BODIES = [
    ("rep", "/api/v1/bookings/", "engineer", booking_body),
    ("rep", "/api/v1/bookings/", "opportunity", booking_body),
    ("rep", "/api/v1/grab-orders/", "opportunity", grab_body),
    ("rep", "/api/v1/hotline-requests/", "opportunity", _hotline),
    ("rep", "/api/v1/opportunities/", "customer", _opportunity),
    ("rep", "/api/v1/escalations/", "opportunity", lambda w, **c: {"opportunity": w.opp_c_free.pk, "reason": "x", **c}),
    ("lead", "/api/v1/bookings/{booking}/reassign/", "engineer", lambda w, **c: {"engineer": w.li.pk, **c}),
    ("rep", "/api/v1/grab-orders/{grab}/questions/", "engineer", lambda w, **c: {"text": "Hi", **c}),
]


@pytest.mark.parametrize("value", NOT_IDS, ids=repr)
@pytest.mark.parametrize(("persona", "url", "field", "body"), ID_BODIES)
def test_an_id_that_is_not_a_whole_number_is_a_400_naming_it(world, call, persona, url, field, body, value):
    url = url.format(booking=world.b_booked.pk, grab=world.g_open.pk)
    response = call(persona, "post", url, body(world, **{field: value}))
    assert_refused(response, field, NOT_AN_ID)


def test_engineer_1_9_books_nobody(world, call):
    """The finding itself: 1.9 used to book engineer 1 and charge his rate."""
    response = call("rep", "post", "/api/v1/bookings/", booking_body(world, engineer=world.wang.pk + 0.9))
    assert_refused(response, "engineer", NOT_AN_ID)


ID_FILTERS = [
    ("rep", "/api/v1/bookings/", "opportunity"),
    ("rep", "/api/v1/bookings/", "engineer"),
    ("rep", "/api/v1/opportunities/", "owner"),
    ("manager", "/api/v1/budgets/", "owner"),
    ("rep", "/api/v1/budgets/{budget}/ledger/", "booking"),
    ("rep", "/api/v1/grab-orders/", "opportunity"),
    ("rep", "/api/v1/engineers/", "opportunity"),
]


@pytest.mark.parametrize("value", ["1.9", "1.5", "1e3", "1.0", "true", str(2**63), "0", "-1"])
@pytest.mark.parametrize(("persona", "url", "name"), ID_FILTERS)
def test_an_id_filter_that_is_not_a_whole_number_is_a_400_naming_it(world, call, persona, url, name, value):
    response = call(persona, "get", _url(world, url), {name: value})
    assert_refused(response, name, NOT_AN_ID)


def test_a_whole_number_id_filter_still_filters(world, call):
    response = call("rep", "get", "/api/v1/bookings/", {"opportunity": str(world.other_opp.pk)})
    assert response.status_code == 200
    assert response.json()["count"] == 0  # the other rep's: not the rep's to see
    mine = call("rep", "get", "/api/v1/bookings/", {"opportunity": f" {world.opp.pk} "}).json()
    assert mine["count"] == 4 and {item["opportunity"] for item in mine["results"]} == {world.opp.pk}


def _project_classes(base) -> list[type]:
    assert get_resolver().url_patterns  # imports every view, so every serializer and FilterSet exists
    found, pending = set(), [base]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in ("presales", "dispatch", "budgeting", "grabbing", "monitoring"):
                found.add(sub)
    assert found
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _fields(serializer_class):
    try:
        fields = serializer_class(context={}).fields
    except Exception:  # a serializer that needs its request: its declared fields
        fields = serializer_class._declared_fields
    for name, field in fields.items():
        yield name, getattr(field, "child_relation", field)


def test_every_writable_id_and_code_in_a_body_is_strict():
    """One place: a new PrimaryKeyRelatedField or SlugRelatedField that takes input is strict."""
    loose = []
    for serializer_class in _project_classes(serializers.BaseSerializer):
        for name, field in _fields(serializer_class):
            if field.read_only:
                continue
            pk = isinstance(field, serializers.PrimaryKeyRelatedField)
            slug = isinstance(field, serializers.SlugRelatedField)
            if (pk and not isinstance(field, StrictPrimaryKeyRelatedField)) or (
                slug and not isinstance(field, CodeRelatedField)
            ):
                loose.append(f"{serializer_class.__name__}.{name}")
    assert not loose


def test_no_id_filter_reads_a_decimal():
    """django-filter's NumberFilter is a DecimalField: on an id it rounds 1.9 to 1."""
    loose = [
        f"{filterset.__name__}.{name}"
        for filterset in _project_classes(FilterSet)
        for name, declared in filterset.base_filters.items()
        if isinstance(declared, NumberFilter) and declared.field_name.endswith("id")
    ]
    assert not loose


# --- Finding 8: numbers and nesting in a JSON body ----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"engineer": 1e400}', "engineer"),
        ('{"engineer": -1e400}', "engineer"),
        ('{"scope": {"regions": ["north", 1e999]}}', "scope.regions.1"),
    ],
)
def test_a_number_beyond_a_float_is_a_400_naming_its_field(call, raw, field):
    response = call("rep", "post", "/api/v1/bookings/", raw)
    assert_refused(response, field, "The number {} is out of range.".format(raw.split()[-1].strip("]}")))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_a_body_nested_too_deep_is_a_400_invalid(call, depth):
    response = call("rep", "post", "/api/v1/bookings/", "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == f"The body nests deeper than {MAX_DEPTH} levels."


def test_a_body_as_deep_as_allowed_reaches_the_serializer(world, call):
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    response = call("rep", "post", "/api/v1/bookings/", json.dumps(booking_body(world))[:-1] + f', "note": {nested}}}')
    assert_refused(response, "note", "Not a valid string.")


@pytest.mark.parametrize(
    "url, name",
    [("/api/v1/engineers/", "eligible"), ("/api/v1/budgets/{budget}/ledger/", "flagged")],
)
@pytest.mark.parametrize("junk", ["false\x00x", "null", "yes please"])
def test_a_yes_no_filter_that_is_neither_is_a_400_naming_it(world, call, url, name, junk):
    """A boolean filter read junk as "no filter" and answered another question (found by the fuzz
    test); true/false, 1/0 and empty still work."""
    path = _url(world, url)
    assert_refused(call("rep", "get", path, {name: junk}), name, "Give true or false.")
    for value in ("true", "False", "1", "0", ""):
        assert call("rep", "get", path, {name: value}).status_code == 200, value
