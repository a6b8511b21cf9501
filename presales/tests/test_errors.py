"""Every error under /api/ is the contract's JSON (404, 405, 413, 500), and the database's
timeouts are answers, not crashes: a lock timeout is 409 busy, a statement timeout 503 busy with
Retry-After, on the API and on the pages alike, with nothing written."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.backends.signals import connection_created
from django.test import Client
from django.utils import timezone

from budgeting.models import Budget
from dispatch.models import Booking, Engineer, Escalation, HotlineRequest
from dispatch.services.bookings import booking_create
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_api import client_for
from dispatch.tests.tiers import centre_engineer, classed_opportunity, make_centre
from dispatch.tiered.escalations import escalation_request
from dispatch.tiered.hotline import hotline_request
from grabbing.models import GrabOrder
from grabbing.tests.factories import budget_for, post, window
from monitoring.models import Alert
from presales.tests.scenario_files import row_counts

pytestmark = pytest.mark.django_db

ENGINEERS_URL = "/api/v1/engineers/"


def signed_in(user) -> Client:
    """A browser-like client that answers a server error as the server would, not by raising."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- The contract's JSON for Django's own errors ---------------------------------------------


def test_an_unhandled_exception_in_an_api_view_is_a_json_500_and_its_traceback_is_logged(rep, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the selector broke")

    monkeypatch.setattr("dispatch.filters.engineer_search", broken)
    response = signed_in(rep).get(ENGINEERS_URL)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error" and response.json()["detail"]
    logged = [record for record in caplog.records if record.name == "django.request" and record.exc_info]
    assert logged and "the selector broke" in str(logged[0].exc_info[1])


def test_an_unhandled_exception_on_a_page_is_still_the_html_500(rep, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the selector broke")

    monkeypatch.setattr("dispatch.views.bookings.engineer_search", broken)
    response = signed_in(rep).get("/dispatch/find/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_route_does_not_take_is_a_json_405(rep):
    response = client_for(rep).put(ENGINEERS_URL, {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_url_under_api_that_matches_nothing_is_a_json_404(rep):
    response = client_for(rep).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_body_over_1_mb_is_a_json_413_and_writes_nothing(rep):
    body = '{"note": "' + "x" * (1024 * 1024) + '"}'
    before = row_counts()
    response = client_for(rep).generic("POST", "/api/v1/grab-orders/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["detail"]
    assert row_counts() == before


def test_a_body_just_under_1_mb_is_read(rep):
    body = '{"note": "' + "x" * (1024 * 1024 - 20) + '"}'
    response = client_for(rep).generic("POST", "/api/v1/grab-orders/", body, content_type="application/json")
    # Read and judged: the note is over its 2000 characters and uplift_percent, the one field
    # the body must always carry, is missing (the opportunity may come from a work order).
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"note", "uplift_percent"}


def test_a_form_over_1_mb_on_a_page_is_django_s_400_not_a_500(rep):
    response = signed_in(rep).post("/opportunities/", {"name": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 400


# --- Lock timeouts: 409 busy ------------------------------------------------------------------


class RowHolder:
    """Another connection holding a row lock (``SELECT … FOR UPDATE``; on SQLite the write lock
    of its IMMEDIATE transaction) until released, as a slow concurrent request would."""

    def __init__(self, model, pk):
        self.model, self.pk = model, pk
        self.locked, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                list(self.model.objects.select_for_update().filter(pk=self.pk))
                self.locked.set()
                self.release.wait(30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(30), "the holder did not get the lock"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(30)


@pytest.fixture
def short_lock_timeout():
    """This connection (the test client's requests run on it) waits 200 ms for a lock."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET lock_timeout = 200")
        else:
            cursor.execute("PRAGMA busy_timeout = 200")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("RESET lock_timeout")
        else:
            cursor.execute("PRAGMA busy_timeout = 20000")


@pytest.fixture
def locked_world(rep, manager, north, solution_a, lead):
    """One row of each kind whose change takes a row lock, and the request that changes it."""
    budget_for(rep, window()[0])
    centre = make_centre(solution_a, lead=lead)
    on_duty = centre_engineer("on_duty", centre=centre, region=north)
    centre.on_duty = on_duty
    centre.save(update_fields=["on_duty"])
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    # The centre engineer needs an approved escalation for class D: a free local-office engineer
    # in scope, so the grab order invites someone (one inviting nobody is refused).
    make_engineer("local", region=north, solutions=[solution_a])
    order = post(rep, opportunity)
    escalation = escalation_request(by=rep, opportunity=opportunity, reason="Needs the centre")
    hotline = hotline_request(by=rep, opportunity=opportunity, question="Offline mode?", urgency="urgent")
    now = timezone.now()
    alert = Alert.objects.create(
        region=north, solution=solution_a, kind="delay", current=8, baseline=Decimal("2.50"), window_end=now,
        opened_at=now,
    )  # fmt: skip
    return {
        "grab order cancel": (GrabOrder, order.pk, rep, f"/api/v1/grab-orders/{order.pk}/cancel/", {}),
        "escalation approve": (
            Escalation,
            escalation.pk,
            manager,
            f"/api/v1/escalations/{escalation.pk}/approve/",
            {"days": 30},
        ),
        "hotline answer": (
            HotlineRequest,
            hotline.pk,
            on_duty.user,
            f"/api/v1/hotline-requests/{hotline.pk}/answer/",
            {"answer": "Yes"},
        ),
        "alert acknowledge": (Alert, alert.pk, manager, f"/api/v1/alerts/{alert.pk}/acknowledge/", {}),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["grab order cancel", "escalation approve", "hotline answer", "alert acknowledge"])
def test_a_lock_timeout_is_409_busy_and_writes_nothing(case, locked_world, short_lock_timeout):
    assert_busy_while_held(*locked_world[case], success=200)


def assert_busy_while_held(model, pk, user, url, body, *, success: int) -> None:
    """POST ``url`` while another connection holds the row: 409 busy, nothing written; then
    ``success`` once the lock is gone."""
    client = client_for(user)
    client.raise_request_exception = False
    before = row_counts()
    with RowHolder(model, pk):
        response = client.post(url, body, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "busy" and response.json()["detail"]
    assert row_counts() == before
    assert client.post(url, body, format="json").status_code == success


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_on_a_page_is_the_services_refusal_shown_where_the_manager_acted(
    locked_world, short_lock_timeout, manager
):
    """The one lock (presales.core.db.lock) refuses with Busy, so on PostgreSQL a page shows it as any
    refusal of its service: on the alert's row (htmx), or as a message on the dashboard it
    returns to. SQLite's write lock is wanted when the transaction begins, before the service
    runs: the 409 page says the same."""
    model, pk = locked_world["alert acknowledge"][:2]
    client = signed_in(manager)  # signing in writes a session: before the lock is taken
    before = row_counts()
    url = f"/monitoring/alerts/{pk}/acknowledge/"
    with RowHolder(model, pk):
        row = client.post(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_HX_REQUEST="true")
        plain = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert row_counts() == before
    if connection.vendor == "sqlite":
        assert row.status_code == plain.status_code == 409
        shown = plain.content.decode()
    else:
        assert row.status_code == 200 and "please try again" in row.content.decode()
        assert plain.status_code == 302
        shown = client.get(plain["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "please try again" in shown


# --- Statement timeouts: 503 busy ---------------------------------------------------------------


@pytest.fixture
def slow_search(monkeypatch):
    """The engineer search takes 3 s in the database; this connection cuts statements at 200 ms."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 200")

    def slow(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(3)")

    monkeypatch.setattr("dispatch.filters.engineer_search", slow)
    monkeypatch.setattr("dispatch.views.bookings.engineer_search", slow)
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_past_the_timeout_is_cut_and_answered_503_busy_with_retry_after(rep, slow_search):
    client = client_for(rep)
    client.raise_request_exception = False
    started = time.monotonic()
    response = client.get(ENGINEERS_URL)
    assert time.monotonic() - started < 1.5  # cut at the timeout, not after the 3 s sleep
    assert response.status_code == 503
    assert response.json()["code"] == "busy" and response.json()["detail"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_past_the_timeout_on_a_page_shows_a_message_with_503(rep, slow_search):
    started = time.monotonic()
    response = signed_in(rep).get("/dispatch/find/", HTTP_ACCEPT_LANGUAGE="en")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert "try again" in response.content.decode() and response["Retry-After"]


@pytest.mark.postgresql
def test_web_connections_run_with_the_5_second_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_workers_and_commands_set_their_own_statement_timeout(settings):
    from presales.core.db import use_statement_timeout

    settings.DB_WORKER_STATEMENT_TIMEOUT_MS = 300000
    try:
        use_statement_timeout("DB_WORKER_STATEMENT_TIMEOUT_MS")
        with connection.cursor() as cursor:  # an open connection changes at once
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "5min"
        connection.close()
        with connection.cursor() as cursor:  # and so does every new one
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "5min"
    finally:
        connection_created.disconnect(dispatch_uid="presales.core.db.use_statement_timeout")
        connection.close()


@pytest.fixture
def booked_world(rep, manager, north, solution_a):
    """A booking, the engineer it is for and the budget it draws on: the rows every booking,
    cancellation and budget change locks (dispatch.services.bookings.lock_engineer, _locked_booking,
    budgeting.services.ledger._locked)."""
    start, end = window()
    budget = budget_for(rep, start)
    wang = make_engineer("wang", region=north, solutions=[solution_a])
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    booking = booking_create(
        by=rep, engineer=wang, opportunity=opportunity, stage="value_presentation", activity="workshop",
        start=start, end=end, notify=False,
    )  # fmt: skip
    later = {"start": (start + dt.timedelta(hours=3)).isoformat(), "end": (end + dt.timedelta(hours=3)).isoformat()}
    new_booking = {"engineer": wang.pk, "opportunity": opportunity.pk, "stage": "value_presentation",
                   "activity": "workshop", **later}  # fmt: skip
    adjust = {"amount": "100.00", "reason": "Bid support"}
    return {
        "booking create": (Engineer, wang.pk, rep, "/api/v1/bookings/", new_booking, 201),
        "booking cancel": (Booking, booking.pk, rep, f"/api/v1/bookings/{booking.pk}/cancel/", {}, 200),
        "budget adjust": (Budget, budget.pk, manager, f"/api/v1/budgets/{budget.pk}/adjust/", adjust, 201),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["booking create", "booking cancel", "budget adjust"])
def test_a_lock_timeout_on_an_engineer_booking_or_budget_is_409_busy_too(case, booked_world, short_lock_timeout):
    """The services' own row locks answer the same 409 busy as every other lock (on PostgreSQL
    they answered slot_unavailable and invalid_state before)."""
    *held, success = booked_world[case]
    assert_busy_while_held(*held, success=success)
