"""The authorization matrix: every URL pattern (and for the API every method and action) with the
status each persona gets, in one table. test_authorization_matrix.py walks the URL resolver
and fails on any pattern or API method missing here, so a new endpoint needs its row.

How to read a row: ``expect(default, persona=status, …)``. The conventions (api-v1.md,
presales/api/permissions.py, presales/decorators.py):

- API: anonymous 401; an object the caller may not see 404 (its existence does not leak); an
  action on an object they see but may not do 403; a role the endpoint is not for 403. A body
  naming an object the caller may not use is a 400 on that field, like a missing id.
- Pages: anonymous 302 to the sign-in page; a role the page is not for 403; an object the
  caller may not see 404. A page form refused for its content answers ``Refused(...)``: the
  page (200, 400) or a redirect with the message (302), and nothing written.
- An unsafe method that is allowed must change the database; one that is refused must not.

The world each row addresses is tests/authorization_world.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = ("anonymous", "rep", "other_rep", "engineer", "other_engineer", "manager", "other_manager", "lead", "admin")
SIGNED_IN = PERSONAS[1:]
ENGINEERS = ("engineer", "other_engineer")
REPS = ("rep", "other_rep")


@dataclass(frozen=True)
class Refused:
    """A refusal the page answers with a normal status: shown to the user, nothing written."""

    status: int


def expect(default, **overrides) -> dict:
    unknown = set(overrides) - set(SIGNED_IN)
    assert not unknown, f"unknown personas {unknown}"
    return dict.fromkeys(SIGNED_IN, default) | overrides


def only(status, *personas, default=403, **overrides) -> dict:
    """``status`` for ``personas``, ``default`` for the other signed-in ones."""
    return expect(default, **dict.fromkeys(personas, status)) | overrides


@dataclass(frozen=True)
class Row:
    key: str  # "api:<url name>" for the API, the (namespaced) URL name for pages
    method: str
    expect: dict
    kwargs: Callable | None = None  # world -> URL kwargs
    body: Callable | None = None  # world -> request body
    query: Callable | None = None  # world -> query string parameters
    anonymous: int | None = None  # default: 401 on the API, 302 to sign-in on pages
    note: str = field(default="", compare=False)

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api:")

    @property
    def url_name(self) -> str:
        return self.key.removeprefix("api:")

    @property
    def anonymous_status(self) -> int:
        if self.anonymous is not None:
            return self.anonymous
        return 401 if self.is_api else 302

    def status_for(self, persona: str):
        return self.anonymous_status if persona == "anonymous" else self.expect[persona]


def pk(name: str) -> Callable:
    return lambda w: {"pk": getattr(w, name).pk}


def code(name: str) -> Callable:
    return lambda w: {"code": getattr(w, name).code}


def _iso(moment) -> str:
    return moment.isoformat()


# --- Visibility shapes the rows share -----------------------------------------------------------

# The rep's class A opportunity of solution A and everything on it: the owner, the engineer who
# works on it, the north manager, the lead of solution A's centre and the admin see it.
OPPORTUNITY_SEEN = expect(404, rep=200, engineer=200, manager=200, lead=200, admin=200)
# The rep's budget: the owner, their region's manager and the admin.
BUDGET_SEEN = expect(404, rep=200, manager=200, admin=200)
# An escalation of the rep's class C opportunity: the lead sees it (their solution), the engineer not.
ESCALATION_SEEN = expect(404, rep=200, manager=200, lead=200, admin=200)
# A grab order: the rep, the invited engineer, the region's manager and the admin.
GRAB_ORDER_SEEN = expect(404, rep=200, engineer=200, manager=200, admin=200)
WATCHERS = ("manager", "other_manager", "lead", "admin")


def _on_seen(seen: dict, status, *personas, refused=403) -> dict:
    """Who sees the object gets ``refused`` unless named; who does not, still 404."""
    return {p: (status if p in personas else (refused if s != 404 else 404)) for p, s in seen.items()}


def _reference_rows(basename: str, lookup: Callable, create: Callable, replace: Callable, change: Callable):
    return [
        Row(f"api:{basename}-list", "GET", expect(200)),
        Row(f"api:{basename}-list", "POST", only(201, "admin"), body=create),
        Row(f"api:{basename}-detail", "GET", expect(200), kwargs=lookup),
        Row(f"api:{basename}-detail", "PUT", only(200, "admin"), kwargs=lookup, body=replace),
        Row(f"api:{basename}-detail", "PATCH", only(200, "admin"), kwargs=lookup, body=change),
        Row(f"api:{basename}-detail", "DELETE", only(204, "admin"), kwargs=lookup),
    ]


def _booking_body(w) -> dict:
    return {
        "engineer": w.wang.pk,
        "opportunity": w.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": _iso(w.thu[0]),
        "end": _iso(w.thu[1]),
    }


def _grab_order_body(w) -> dict:
    return {
        "opportunity": w.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": _iso(w.fri[0]),
        "end": _iso(w.fri[1]),
        "uplift_percent": 50,
        "scope": {"regions": ["north"], "grades": []},
    }


def _grab_order_query(w) -> dict:
    """The posting terms as a preview's query string: the scope flat, ``region`` repeated."""
    terms = {key: value for key, value in _grab_order_body(w).items() if key not in ("uplift_percent", "scope")}
    return terms | {"region": ["north"]}


def _work_order_body(w) -> dict:
    return {
        "opportunity": w.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "engineers_needed": 2,
        "desired_start": _iso(w.thu[0]),
        "desired_end": _iso(w.thu[1]),
    }


API_ROWS = [
    *_reference_rows(
        "region",
        code("region_free"),
        lambda w: {"code": "south", "name": "South"},
        lambda w: {"code": "west", "name": "West again"},
        lambda w: {"name": "West renamed"},
    ),
    *_reference_rows(
        "solution",
        code("solution_free"),
        lambda w: {"code": "Y", "name": "Solution Y"},
        lambda w: {"code": "Z", "name": "Solution Z again", "slight_delay_hours": 24},
        lambda w: {"slight_delay_hours": 12},
    ),
    *_reference_rows(
        "skill",
        code("skill_free"),
        lambda w: {"code": "new-skill", "name": "New skill"},
        lambda w: {"code": "unused-skill", "name": "Renamed skill"},
        lambda w: {"name": "Renamed again"},
    ),
    *_reference_rows(
        "rate",
        pk("rate_free"),
        lambda w: {"resource_type": "pm", "grade": "P1", "hourly_rate": "100.00"},
        lambda w: {"resource_type": "pm", "grade": "P9", "hourly_rate": "950.00"},
        lambda w: {"hourly_rate": "990.00"},
    ),
    *_reference_rows(
        "customer",
        pk("customer_free"),
        lambda w: {"name": "New customer", "tier": "B", "region": "north"},
        lambda w: {"name": "Renamed customer", "tier": "C", "region": "north"},
        lambda w: {"tier": "D"},
    ),
    Row("api:api-me", "GET", expect(200)),
    Row("api:opportunity-list", "GET", expect(200)),
    Row(
        "api:opportunity-list",
        "POST",
        only(201, *REPS),
        body=lambda w: {
            "name": "New deal",
            "customer": w.customer_free.pk,
            "region": "north",
            "solution": "A",
            "project_class": "C",
        },
        note="reps open their own; nobody else owns opportunities",
    ),
    Row("api:opportunity-detail", "GET", OPPORTUNITY_SEEN, kwargs=pk("opp")),
    Row("api:opportunity-visibility", "GET", OPPORTUNITY_SEEN, kwargs=pk("opp")),
    Row("api:engineer-list", "GET", expect(200)),
    Row("api:engineer-detail", "GET", expect(200), kwargs=pk("wang")),
    Row(
        "api:engineer-schedule",
        "GET",
        expect(200),
        kwargs=pk("wang"),
        query=lambda w: {"from": _iso(w.mon[0]), "to": _iso(w.fri[1])},
    ),
    Row("api:booking-list", "GET", expect(200)),
    Row(
        "api:booking-list",
        "POST",
        only(201, "rep", "admin", other_rep=400),
        body=_booking_body,
        note="another rep's opportunity is a 400 on the field, like a missing id",
    ),
    Row("api:booking-led", "GET", expect(200), note="empty for anyone but a lead"),
    Row("api:booking-detail", "GET", OPPORTUNITY_SEEN, kwargs=pk("b_booked")),
    Row("api:booking-acknowledge", "POST", _on_seen(OPPORTUNITY_SEEN, 200, "engineer"), kwargs=pk("b_booked")),
    Row("api:booking-cancel", "POST", _on_seen(OPPORTUNITY_SEEN, 200, "rep", "admin"), kwargs=pk("b_booked")),
    Row(
        "api:booking-complete",
        "POST",
        _on_seen(OPPORTUNITY_SEEN, 200, "rep", "engineer"),
        kwargs=pk("b_started"),
        body=lambda w: {"actual_hours": "2.00"},
    ),
    Row(
        "api:booking-rating",
        "POST",
        _on_seen(OPPORTUNITY_SEEN, 201, "rep"),
        kwargs=pk("b_completed"),
        body=lambda w: {"score": 4, "comment": "Good"},
    ),
    Row(
        "api:booking-rating",
        "PATCH",
        _on_seen(OPPORTUNITY_SEEN, 200, "rep"),
        kwargs=pk("b_rated"),
        body=lambda w: {"score": 2},
    ),
    Row(
        "api:booking-reschedule",
        "POST",
        _on_seen(OPPORTUNITY_SEEN, 200, "rep"),
        kwargs=pk("b_booked"),
        body=lambda w: {"start": _iso(w.wed_late[0]), "end": _iso(w.wed_late[1])},
    ),
    Row(
        "api:booking-reassign",
        "POST",
        _on_seen(OPPORTUNITY_SEEN, 201, "lead", "admin"),
        kwargs=pk("b_booked"),
        body=lambda w: {"engineer": w.li.pk},
    ),
    Row("api:work-order-list", "GET", expect(200)),
    Row(
        "api:work-order-list",
        "POST",
        only(201, "rep", "admin", other_rep=400),
        body=_work_order_body,
        note="another rep's opportunity is a 400 on the field, like a missing id",
    ),
    # The work order of the rep's booked booking: the engineer holds a booking on it.
    Row("api:work-order-detail", "GET", OPPORTUNITY_SEEN, kwargs=pk("work_order")),
    Row("api:work-order-candidates", "GET", OPPORTUNITY_SEEN, kwargs=pk("work_order")),
    Row("api:work-order-cancel", "POST", _on_seen(OPPORTUNITY_SEEN, 200, "rep", "admin"), kwargs=pk("work_order")),
    Row("api:budget-list", "GET", expect(200)),
    Row("api:budget-detail", "GET", BUDGET_SEEN, kwargs=pk("budget")),
    Row("api:budget-ledger", "GET", BUDGET_SEEN, kwargs=pk("budget")),
    Row(
        "api:budget-adjust",
        "POST",
        _on_seen(BUDGET_SEEN, 201, "manager", "admin"),
        kwargs=pk("budget"),
        body=lambda w: {"amount": "100.00", "reason": "Trade fair"},
    ),
    Row("api:escalation-list", "GET", expect(200)),
    Row(
        "api:escalation-list",
        "POST",
        only(201, "rep", other_rep=400),
        body=lambda w: {"opportunity": w.opp_c_free.pk, "reason": "Nobody local knows it"},
    ),
    Row("api:escalation-detail", "GET", ESCALATION_SEEN, kwargs=pk("escalation")),
    Row(
        "api:escalation-approve",
        "POST",
        _on_seen(ESCALATION_SEEN, 200, "manager", "admin"),
        kwargs=pk("escalation"),
        body=lambda w: {"days": 30},
    ),
    Row(
        "api:escalation-decline",
        "POST",
        _on_seen(ESCALATION_SEEN, 200, "manager", "admin"),
        kwargs=pk("escalation"),
        body=lambda w: {"note": "Ask locally"},
    ),
    Row("api:hotline-request-list", "GET", expect(200)),
    Row(
        "api:hotline-request-list",
        "POST",
        only(201, "rep", other_rep=400),
        body=lambda w: {"opportunity": w.opp.pk, "question": "Is there a reference?"},
    ),
    Row("api:hotline-request-detail", "GET", OPPORTUNITY_SEEN, kwargs=pk("hotline")),
    Row(
        "api:hotline-request-answer",
        "POST",
        _on_seen(OPPORTUNITY_SEEN, 200, "engineer"),
        kwargs=pk("hotline"),
        body=lambda w: {"answer": "Yes, per node"},
    ),
    Row("api:grab-order-list", "GET", expect(200)),
    Row("api:grab-order-list", "POST", only(201, "rep", other_rep=400), body=_grab_order_body),
    Row(
        "api:grab-order-preview",
        "GET",
        only(200, "rep", other_rep=400),
        query=_grab_order_query,
        note="reps only, as posting; another rep's opportunity is a 400 on the field, like a missing id",
    ),
    Row("api:grab-order-detail", "GET", GRAB_ORDER_SEEN, kwargs=pk("g_open")),
    Row(
        "api:grab-order-grab",
        "POST",
        _on_seen(GRAB_ORDER_SEEN, 200, "engineer", refused=404),
        kwargs=pk("g_open"),
        note="api-v1: not invited → 404",
    ),
    Row("api:grab-order-confirm", "POST", _on_seen(GRAB_ORDER_SEEN, 201, "rep", "admin"), kwargs=pk("g_grabbed")),
    Row("api:grab-order-reject", "POST", _on_seen(GRAB_ORDER_SEEN, 200, "rep", "admin"), kwargs=pk("g_grabbed")),
    Row("api:grab-order-cancel", "POST", _on_seen(GRAB_ORDER_SEEN, 200, "rep", "admin"), kwargs=pk("g_open")),
    Row("api:grab-order-questions", "GET", GRAB_ORDER_SEEN, kwargs=pk("g_open")),
    Row(
        "api:grab-order-questions",
        "POST",
        _on_seen(GRAB_ORDER_SEEN, 201, "rep", "engineer", refused=404),
        kwargs=pk("g_open"),
        body=lambda w: {"text": "Which floor?", "engineer": w.wang.pk},
        note="only the rep and the invited engineers write in a thread; others are not invited → 404",
    ),
    Row("api:invitation-list", "GET", expect(200), note="empty for anyone but an invited engineer"),
    Row("api:monitoring-cells", "GET", only(200, *WATCHERS)),
    Row(
        "api:monitoring-recompute",
        "POST",
        only(202, "manager", "other_manager", "admin"),
        body=lambda w: {},
    ),
    Row("api:alert-list", "GET", only(200, *WATCHERS)),
    Row("api:alert-detail", "GET", only(200, "manager", "lead", "admin", other_manager=404), kwargs=pk("alert")),
    Row(
        "api:alert-acknowledge",
        "POST",
        only(200, "manager", "admin", other_manager=404),
        kwargs=pk("alert"),
    ),
    Row("api:alert-resolve", "POST", only(200, "manager", "admin", other_manager=404), kwargs=pk("alert")),
]

SALES_PAGE = only(200, *REPS)
ALL_BUT_ENGINEERS = only(200, *REPS, "manager", "other_manager", "lead", "admin")


def _page_booking(w) -> dict:
    return {
        "engineer": w.wang.pk,
        "start": w.thu[0].strftime("%Y-%m-%d %H:%M"),
        "hours": "2",
        "opportunity": w.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
    }


def _page_grab_order(w) -> dict:
    return {
        "opportunity": w.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "date": w.fri[0].date().isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "uplift_percent": "50",
        "scope_regions": ["north"],
    }


def _page_work_order(w) -> dict:
    return {
        "opportunity": w.opp.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "engineers_needed": "1",
        "desired_start": w.thu[0].strftime("%Y-%m-%dT%H:%M"),
        "desired_end": w.thu[1].strftime("%Y-%m-%dT%H:%M"),
        "skills-TOTAL_FORMS": "0",
        "skills-INITIAL_FORMS": "0",
    }


PAGE_ROWS = [
    Row("home", "GET", expect(302), note="sends each user to their own home page"),
    Row("healthz", "GET", expect(200), anonymous=200, note="liveness for load balancers"),
    Row("presales:opportunities", "GET", ALL_BUT_ENGINEERS),
    Row(
        "presales:opportunities",
        "POST",
        only(302, *REPS),
        body=lambda w: {
            "name": "New deal",
            "customer": w.customer_free.pk,
            "region": w.north.pk,
            "solution": w.solution.pk,
            "project_class": "C",
            "stage": "qualification",
        },
    ),
    Row("presales:no-role", "GET", expect(200)),
    Row("dispatch:find", "GET", ALL_BUT_ENGINEERS),
    Row("dispatch:board-lane", "GET", ALL_BUT_ENGINEERS, query=lambda w: {"engineer": w.wang.pk}),
    Row("dispatch:book", "GET", SALES_PAGE, query=_page_booking),
    Row("dispatch:book", "POST", only(302, "rep", other_rep=Refused(200)), body=_page_booking),
    Row("dispatch:my-bookings", "GET", SALES_PAGE),
    Row(
        "dispatch:work_orders",
        "GET",
        only(200, *REPS, "manager", "other_manager", "admin"),
        query=lambda w: {"region": "north", "solution": w.solution.code, "status": ["open", "partially_staffed"]},
        note="a rep's own work orders; a manager's regions', the admin's all (WorkOrder.objects.restrict); "
        "asked as a dashboard cell links it",
    ),
    Row("dispatch:work_order_new", "GET", SALES_PAGE),
    Row(
        "dispatch:work_order_new",
        "POST",
        only(302, "rep", other_rep=Refused(400)),
        body=_page_work_order,
        note="another rep's opportunity is not a choice of the form",
    ),
    Row("dispatch:work_order", "GET", OPPORTUNITY_SEEN, kwargs=pk("work_order")),
    Row("dispatch:work_order_cancel", "POST", only(302, "rep", other_rep=404), kwargs=pk("work_order")),
    Row("dispatch:booking-cancel", "POST", only(302, "rep", other_rep=404), kwargs=pk("b_booked")),
    Row(
        "dispatch:booking-rate",
        "POST",
        only(302, "rep", other_rep=404),
        kwargs=pk("b_completed"),
        body=lambda w: {"score": "4", "comment": "Good"},
    ),
    Row(
        "dispatch:booking-rating-correct",
        "POST",
        only(302, "rep", other_rep=404),
        kwargs=pk("b_rated"),
        body=lambda w: {"score": "2"},
    ),
    Row("dispatch:booking-acknowledge", "POST", only(302, "engineer", other_engineer=404), kwargs=pk("b_booked")),
    Row(
        "dispatch:booking-complete",
        "POST",
        only(302, "engineer", other_engineer=404),
        kwargs=pk("b_started"),
        body=lambda w: {"actual_hours": "2"},
    ),
    Row("dispatch:escalations", "GET", ALL_BUT_ENGINEERS),
    Row(
        "dispatch:escalation-request",
        "POST",
        only(302, "rep", other_rep=Refused(302)),
        body=lambda w: {"opportunity": w.opp_c_free.pk, "reason": "Nobody local knows it"},
    ),
    Row(
        "dispatch:escalation-approve",
        "POST",
        only(302, "manager", "admin", other_manager=404),
        kwargs=pk("escalation"),
        body=lambda w: {"days": "30"},
    ),
    Row(
        "dispatch:escalation-decline",
        "POST",
        only(302, "manager", "admin", other_manager=404),
        kwargs=pk("escalation"),
        body=lambda w: {"note": "Ask locally"},
    ),
    Row("dispatch:hotline", "GET", expect(200)),
    Row(
        "dispatch:hotline-ask",
        "POST",
        only(302, "rep", other_rep=Refused(302)),
        body=lambda w: {"opportunity": w.opp.pk, "question": "Is there a reference?", "urgency": "normal"},
    ),
    Row(
        "dispatch:hotline-answer",
        "POST",
        only(302, "engineer", other_engineer=404),
        kwargs=pk("hotline"),
        body=lambda w: {"answer": "Yes, per node"},
    ),
    Row("dispatch:lead-work", "GET", only(200, "lead")),
    Row(
        "dispatch:lead-reassign",
        "POST",
        only(302, "lead"),
        kwargs=pk("b_booked"),
        body=lambda w: {"engineer": w.li.pk},
    ),
    Row("dispatch:my-schedule", "GET", only(200, *ENGINEERS)),
    Row("dispatch:calendar-rotate", "POST", only(302, *ENGINEERS), note="each engineer renews their own link"),
    Row(
        "dispatch:calendar-feed",
        "GET",
        expect(200),
        anonymous=200,
        kwargs=lambda w: {"token": w.wang.calendar_token},
        note="no sign-in: the secret token is the credential",
    ),
    Row("dispatch:opportunity", "GET", OPPORTUNITY_SEEN, kwargs=pk("opp")),
    Row("dispatch:engineer-record", "GET", only(200, "manager", "admin", other_manager=404), kwargs=pk("wang")),
    Row("budgeting:mine", "GET", SALES_PAGE),
    Row("budgeting:team", "GET", only(200, "manager", "other_manager", "admin")),
    Row(
        "budgeting:detail",
        "GET",
        only(200, "rep", "manager", "admin", other_rep=404, other_manager=404),
        kwargs=pk("budget"),
    ),
    Row(
        "budgeting:ledger-csv",
        "GET",
        only(200, "rep", "manager", "admin", other_rep=404, other_manager=404),
        kwargs=pk("budget"),
    ),
    Row(
        "budgeting:adjust",
        "POST",
        only(302, "manager", "admin", other_manager=404),
        kwargs=pk("budget"),
        body=lambda w: {"amount": "100.00", "reason": "Trade fair"},
    ),
    Row("grabbing:new", "GET", ALL_BUT_ENGINEERS),
    Row("grabbing:new", "POST", only(302, "rep", other_rep=Refused(400)), body=_page_grab_order),
    Row(
        "grabbing:preview",
        "GET",
        SALES_PAGE,
        query=_page_grab_order,
        note="the htmx count under the posting form; another rep's opportunity is a problem shown in it",
    ),
    Row("grabbing:mine", "GET", SALES_PAGE),
    Row("grabbing:invitations", "GET", only(200, *ENGINEERS)),
    Row("grabbing:grab", "POST", only(302, "engineer", other_engineer=404), kwargs=pk("g_open")),
    Row("grabbing:confirm", "POST", only(302, "rep", other_rep=404), kwargs=pk("g_grabbed")),
    Row("grabbing:reject", "POST", only(302, "rep", other_rep=404), kwargs=pk("g_grabbed")),
    Row("grabbing:cancel", "POST", only(302, "rep", other_rep=404), kwargs=pk("g_open")),
    Row(
        "grabbing:ask",
        "POST",
        only(302, "rep", "engineer", other_rep=404, other_engineer=404),
        kwargs=pk("g_open"),
        body=lambda w: {"text": "Which floor?", "engineer": w.wang.pk},
    ),
    Row("monitoring:dashboard", "GET", only(200, *WATCHERS)),
    Row("monitoring:cells-csv", "GET", only(200, *WATCHERS)),
    Row("monitoring:utilisation-csv", "GET", only(200, *WATCHERS)),
    Row("monitoring:recompute", "POST", only(302, "manager", "other_manager", "admin")),
    Row("monitoring:alert-acknowledge", "POST", only(302, "manager", "admin", other_manager=404), kwargs=pk("alert")),
    Row("monitoring:alert-resolve", "POST", only(302, "manager", "admin", other_manager=404), kwargs=pk("alert")),
]

ROWS = API_ROWS + PAGE_ROWS

# Patterns the matrix does not request, each with the reason. The completeness test fails on a
# pattern that is neither here nor in ROWS, and on an exclusion that matches no pattern.
# (Static files are served by WhiteNoise middleware, not by a URL pattern.)
EXCLUDED = {
    "login": "the sign-in page: open to everyone by design",
    "logout": "signing out: no object, nothing to authorize",
    "set_language": "django.conf.urls.i18n: stores the visitor's language choice only",
    "api:api-token": "exchanges a username and password for a token: authentication, not authorization "
    "(tested in presales/tests/test_api_conventions.py)",
    "api:api-schema": "the OpenAPI schema: public documentation (tested in presales/tests/test_schema.py)",
    "api:api-docs": "Swagger UI over the schema: public documentation",
    "api:api-redoc": "ReDoc over the schema: public documentation",
    "admin:*": "Django admin: staff only, guarded by the admin site itself",
}


# --- What each list shows ------------------------------------------------------------------------
# A list answers 200 to everyone it is for, so its status says nothing about a leak: these rows
# name which of the world's objects each persona finds in it (world attribute names; "budgets of
# <persona>" for the budgets, which the world opens per quarter).

RAPS = ("b_booked", "b_started", "b_completed", "b_rated")  # the rep's bookings of the engineer
ALL_BOOKINGS = (*RAPS, "other_booking")
REP_OPPORTUNITIES = ("opp", "opp_c", "opp_c_free")
GRAB_ORDERS = ("g_open", "g_grabbed")

# Work orders: each booking's own (a booking made without one opens it), each grab order's (one
# posted without a work order opens it) and the hotline request's.
RAPS_WORK = tuple(f"work order of {name}" for name in RAPS)
POOL_WORK = tuple(f"work order of {name}" for name in GRAB_ORDERS)
ALL_WORK = (*RAPS_WORK, *POOL_WORK, "work order of other_booking", "work order of hotline")

LISTS = {
    "api:work-order-list": {
        "rep": (*RAPS_WORK, *POOL_WORK, "work order of hotline"),
        "other_rep": ("work order of other_booking",),
        "engineer": RAPS_WORK,  # those they hold a booking on: not a grabbed order's, not the hotline's
        "other_engineer": ("work order of other_booking",),
        "manager": ALL_WORK,
        "other_manager": (),
        "lead": ALL_WORK,  # both opportunities are class A of the lead's solution
        "admin": ALL_WORK,
    },
    "api:booking-list": {
        "rep": RAPS,
        "other_rep": ("other_booking",),
        "engineer": RAPS,
        "other_engineer": ("other_booking",),
        "manager": ALL_BOOKINGS,
        "other_manager": (),
        "lead": ALL_BOOKINGS,  # both opportunities are class A of the lead's solution
        "admin": ALL_BOOKINGS,
    },
    "api:opportunity-list": {
        "rep": REP_OPPORTUNITIES,
        "other_rep": ("other_opp",),
        "engineer": ("opp",),  # worked on it
        "other_engineer": ("other_opp",),
        "manager": (*REP_OPPORTUNITIES, "other_opp"),
        "other_manager": (),
        "lead": ("opp", "other_opp"),  # class A of their solution, not the class C ones
        "admin": (*REP_OPPORTUNITIES, "other_opp"),
    },
    "api:budget-list": {
        "rep": ("budgets of rep",),
        "other_rep": ("budgets of other_rep",),
        "engineer": (),
        "other_engineer": (),
        "manager": ("budgets of rep", "budgets of other_rep"),
        "other_manager": (),
        "lead": (),
        "admin": ("budgets of rep", "budgets of other_rep"),
    },
    "api:grab-order-list": dict.fromkeys(SIGNED_IN, ())
    | dict.fromkeys(("rep", "engineer", "manager", "admin"), GRAB_ORDERS),
    "api:invitation-list": dict.fromkeys(SIGNED_IN, ()) | {"engineer": ("invitation g_open", "invitation g_grabbed")},
    "api:escalation-list": dict.fromkeys(SIGNED_IN, ())
    | dict.fromkeys(("rep", "manager", "lead", "admin"), ("escalation",)),
    "api:hotline-request-list": dict.fromkeys(SIGNED_IN, ())
    | dict.fromkeys(("rep", "engineer", "manager", "lead", "admin"), ("hotline",)),
    "api:alert-list": {"other_manager": (), "manager": ("alert",), "lead": ("alert",), "admin": ("alert",)},
}
