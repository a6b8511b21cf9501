"""Issue 16 on the pages: the same input rules as the API (presales/inputs.py). A time outside
2000–2099 or beyond ±14:00, and an id that is not a whole number, answer the page again with
what was typed and a message, never a 500; nothing is written (rows counted around each).

The world is the authorization matrix's, built once for the module; each case runs in its own
savepoint. Pages are asked for in English.
"""

import re

import pytest
from django.db import transaction
from django.test import Client

from monitoring.models import MonitoringPolicy
from presales.tests.scenario_files import row_counts
from tests.authorization_world import build_world

OUT_OF_RANGE = "Give a time between the years 2000 and 2099."
OFFSET_OUT_OF_RANGE = "Give a UTC offset between -14:00 and +14:00."


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        MonitoringPolicy.current()  # made on the dashboard's first visit: not this test's write
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def visit(world, db):
    """``visit(persona, method, url, data)``: the response, asserting that it wrote nothing."""

    def request(persona, method, url, data):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(world.users[persona])
        before = row_counts()
        response = getattr(client, method)(url, data)
        # Signing in wrote the session (django_session is no app's table): nothing else may change.
        assert row_counts() == before, "a refused request wrote something"
        return response

    return request


def errors(response) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', response.content.decode())


def test_the_find_page_refuses_a_free_day_in_year_9999_and_keeps_it(visit):
    query = {"free_date": "9999-12-31", "free_start": "09:00", "free_end": "10:00"}
    response = visit("rep", "get", "/dispatch/find/", query)
    assert response.status_code == 200
    assert OUT_OF_RANGE in errors(response)
    assert 'value="9999-12-31"' in response.content.decode()


def test_the_find_page_falls_back_to_this_week_for_a_week_in_year_9999(visit):
    # The week is a hidden field of the board's navigation, not something a rep types.
    assert visit("rep", "get", "/dispatch/find/", {"week": "9999-12-27"}).status_code == 200


def test_the_booking_confirmation_refuses_a_start_in_year_9999(world, visit):
    query = {"engineer": world.wang.pk, "start": "9999-12-31T10:00:00", "hours": "8", "opportunity": world.opp.pk}
    response = visit("rep", "get", "/dispatch/book/", query)
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()


@pytest.mark.parametrize("opportunity", ["1.9", "abc", "1\x00"])
def test_the_booking_confirmation_reads_an_opportunity_that_is_no_id_as_none(world, visit, opportunity):
    query = {"engineer": world.wang.pk, "start": world.thu[0].isoformat(), "opportunity": opportunity}
    assert visit("rep", "get", "/dispatch/book/", query).status_code == 200


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-04-07T13:30+16:00", OFFSET_OUT_OF_RANGE), ("9999-12-31T13:30", OUT_OF_RANGE)],
)
@pytest.mark.parametrize("name", ["from", "to"])
def test_the_ledger_page_says_which_filter_it_could_not_read(visit, name, value, message):
    response = visit("rep", "get", "/budgets/mine/", {name: value})
    assert response.status_code == 200
    assert message in errors(response)
    assert f'name="{name}" value="{value}"' in response.content.decode()


def test_the_ledger_page_still_reads_its_datetime_local_inputs(world, visit):
    # The inputs send organisation time without an offset; the API's filter would refuse that.
    everything = visit("rep", "get", "/budgets/mine/", {"from": "2000-01-01T00:00"})
    nothing = visit("rep", "get", "/budgets/mine/", {"from": "2099-01-01T00:00"})
    assert not errors(everything) and not errors(nothing)
    assert everything.context["ledger_page"].paginator.count == world.budget.entries.count() > 0
    assert nothing.context["ledger_page"].paginator.count == 0


def test_the_ledger_csv_ignores_a_filter_it_cannot_read_instead_of_failing(world, visit):
    response = visit("rep", "get", f"/budgets/{world.budget.pk}/ledger.csv", {"from": "2026-04-07T13:30+16:00"})
    assert response.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_dashboard_refuses_a_window_outside_the_years(visit, day):
    response = visit("manager", "get", "/monitoring/", {"date": day})
    assert response.status_code == 200
    assert OUT_OF_RANGE in errors(response)


def test_the_utilisation_csv_falls_back_for_a_window_outside_the_years(visit):
    assert visit("manager", "get", "/monitoring/utilisation.csv", {"date": "9999-12-31"}).status_code == 200


def test_a_recompute_outside_the_years_is_refused_with_a_message(visit):
    response = visit("manager", "post", "/monitoring/recompute/", {"date": "0001-01-01"})
    assert response.status_code == 302
    assert OUT_OF_RANGE in [str(message) for message in response.wsgi_request._messages]


def test_a_grab_order_on_a_day_in_year_9999_is_refused_on_the_form(world, visit):
    data = {
        "opportunity": world.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "date": "9999-12-31",
        "start_time": "09:00",
        "end_time": "11:00",
        "uplift_percent": "10",
    }
    response = visit("rep", "post", "/grab/new/", data)
    assert response.status_code == 400
    assert OUT_OF_RANGE in errors(response)
    assert 'value="9999-12-31"' in response.content.decode()


@pytest.mark.parametrize("engineer", ["1.9", "abc", "1\x00"])
def test_a_reassignment_to_an_engineer_that_is_no_id_asks_for_one(world, visit, engineer):
    response = visit("lead", "post", f"/dispatch/lead/bookings/{world.b_booked.pk}/reassign/", {"engineer": engineer})
    assert response.status_code == 302
    assert "Choose an engineer." in [str(message) for message in response.wsgi_request._messages]
