"""CSRF on every form: every page URL (taken from the URL resolver, so a new one is covered)
refuses a POST without the token and changes nothing; every rendered POST form carries the
token and every htmx request sends it; session-authenticated API writes need it too."""

import re
import secrets
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.services.bookings import booking_create
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import make_engineer
from dispatch.tests.tiers import centre_engineer, classed_opportunity, fund, make_centre, slot
from dispatch.tiered.escalations import escalation_request
from dispatch.tiered.hotline import hotline_request
from grabbing.tests.factories import post as post_grab_order
from monitoring.models import Alert, AlertKind

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("api/", "admin/")  # the API is tested below; the admin is Django's own
# Who may POST to each page: the control request, with the token, must get past the view's
# own access rule, so that the 403 without it is CSRF's. Unlisted: anyone (even signed out).
PERSONA = {
    "dispatch:book": "rep",
    "dispatch:booking-cancel": "rep",
    "dispatch:booking-rate": "rep",
    "dispatch:booking-rating-correct": "rep",
    "dispatch:booking-acknowledge": "engineer_user",
    "dispatch:booking-complete": "engineer_user",
    "dispatch:escalation-request": "rep",
    "dispatch:escalation-approve": "manager",
    "dispatch:escalation-decline": "manager",
    "dispatch:hotline-ask": "rep",
    "dispatch:hotline-answer": "own",
    "dispatch:lead-reassign": "lead",
    "dispatch:calendar-rotate": "engineer_user",
    "dispatch:work_order_new": "rep",
    "dispatch:work_order_cancel": "rep",
    "presales:opportunities": "rep",
    "budgeting:adjust": "manager",
    "grabbing:new": "rep",
    "grabbing:confirm": "rep",
    "grabbing:reject": "rep",
    "grabbing:cancel": "rep",
    "grabbing:ask": "rep",
    "grabbing:grab": "engineer_user",
    "monitoring:recompute": "manager",
    "monitoring:alert-acknowledge": "manager",
    "monitoring:alert-resolve": "manager",
}
# The object a URL with an argument is called with (a key of the ``world`` fixture).
ARGUMENT = {
    "dispatch:booking-cancel": "booking",
    "dispatch:booking-rate": "booking",
    "dispatch:booking-rating-correct": "booking",
    "dispatch:booking-acknowledge": "booking",
    "dispatch:booking-complete": "booking",
    "dispatch:escalation-approve": "escalation",
    "dispatch:escalation-decline": "escalation",
    "dispatch:hotline-answer": "hotline",
    "dispatch:lead-reassign": "centre_booking",
    "dispatch:calendar-feed": "calendar_token",
    "dispatch:opportunity": "opportunity",
    "dispatch:engineer-record": "engineer",
    "dispatch:work_order": "work_order",
    "dispatch:work_order_cancel": "work_order",
    "budgeting:detail": "budget",
    "budgeting:ledger-csv": "budget",
    "budgeting:adjust": "budget",
    "grabbing:grab": "grab_order",
    "grabbing:confirm": "grab_order",
    "grabbing:reject": "grab_order",
    "grabbing:cancel": "grab_order",
    "grabbing:ask": "grab_order",
    "monitoring:alert-acknowledge": "alert",
    "monitoring:alert-resolve": "alert",
}
PROJECT_APPS = ("presales", "budgeting", "dispatch", "grabbing", "monitoring")


def page_urls() -> list[tuple[str, list[str]]]:
    """(name, argument names) of every page URL: all routes but the API's and the admin's."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"page URL {route!r} has no name"
                found.append((namespace + pattern.name, list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def world(rep, engineer_user, manager, lead, north, solution_a):
    """One of each object a page form acts on."""
    centre = make_centre(solution_a, lead=lead)
    engineer = make_engineer(engineer_user, region=north, solutions=[solution_a])
    own = centre_engineer("own", centre=centre, region=north)
    centre_engineer("own_too", centre=centre, region=north)  # where the lead may reassign to
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    local_work = classed_opportunity(rep, "C", region=north, solution=solution_a)
    centre_work = classed_opportunity(rep, "A", region=north, solution=solution_a)
    start, end = slot(weeks_ahead=2)
    fund(rep, start)
    work = {"stage": "value_presentation", "activity": "workshop", "start": start, "end": end, "notify": False}
    now = timezone.now()
    return {
        "rep": rep,
        "engineer_user": engineer_user,
        "manager": manager,
        "lead": lead,
        "own": own.user,
        "engineer": engineer.pk,
        "calendar_token": engineer.calendar_token,
        "opportunity": local_work.pk,
        "budget": rep.budgets.first().pk,
        "booking": booking_create(by=rep, engineer=engineer, opportunity=local_work, **work).pk,
        "centre_booking": booking_create(by=rep, engineer=own, opportunity=centre_work, **work).pk,
        "escalation": escalation_request(by=rep, opportunity=local_work, reason="Need the centre").pk,
        "hotline": hotline_request(by=rep, opportunity=local_work, question="Offline?").pk,
        "grab_order": post_grab_order(rep, local_work).pk,
        # A work order of its own, nothing booked on it: cancelling it touches no booking above.
        "work_order": work_order_create(
            by=rep, opportunity=local_work, stage=work["stage"], activity=work["activity"], desired_start=start,
            desired_end=end,
        ).pk,
        "alert": Alert.objects.create(
            region=north, solution=solution_a, kind=AlertKind.DELAY_SURGE, current=8, baseline=2, window_end=now,
            opened_at=now,
        ).pk,
    }  # fmt: skip


def url_for(name: str, arguments: list[str], world: dict) -> str:
    if not arguments:
        return reverse(name)
    assert name in ARGUMENT, f"{name} takes {arguments}: add the object it acts on to ARGUMENT"
    return reverse(name, args=[world[ARGUMENT[name]]])


def database_rows() -> dict[str, list[tuple]]:
    """Every row of the project's tables (history included), to compare before and after."""
    models = [model for name in PROJECT_APPS for model in apps.get_app_config(name).get_models()]
    return {model._meta.label: list(model._base_manager.order_by("pk").values_list()) for model in models}


def signed_in(user, *, enforce_csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def with_csrf_cookie(client):
    """The client with a CSRF cookie, as a page it loaded would have set, and its token."""
    token = secrets.token_hex(16)  # 32 characters from CSRF's alphabet, like Django's secret
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, token


def test_a_post_without_the_token_to_any_page_url_is_refused_and_changes_nothing(world):
    urls = page_urls()
    assert len(urls) > 40  # the resolver was walked
    # Signing in writes last_login: do it before taking the rows.
    clients = {persona: signed_in(world.get(persona), enforce_csrf=True) for persona in {*PERSONA.values(), None}}
    before = database_rows()
    for name, arguments in urls:
        client = clients[PERSONA.get(name)]
        url = url_for(name, arguments, world)

        response = client.post(url, {"reason": "x", "answer": "x", "text": "x", "amount": "1"})

        assert response.status_code == 403, name
        assert "CSRF verification failed" in response.content.decode(), name
    # CSRF refuses before any view runs, so one comparison at the end names nothing less.
    assert database_rows() == before


def test_the_same_posts_with_the_token_reach_the_view(world):
    """The control: each persona gets past CSRF with a token, so the 403s above are CSRF's."""
    for name, arguments in page_urls():
        if name not in PERSONA:
            continue
        client, token = with_csrf_cookie(signed_in(world[PERSONA[name]], enforce_csrf=True))
        response = client.post(url_for(name, arguments, world), {"csrfmiddlewaretoken": token})
        assert response.status_code != 403, name


class FormAudit(HTMLParser):
    """Collects each POST form (with or without the token) and each htmx request attribute."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.htmx_writes: list[str] = []
        self.body_headers = ""
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body_headers = attrs.get("hx-headers") or ""
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action"), "token": False}
            self.forms.append(self._form)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self._form and attrs.get("value"):
            self._form["token"] = True
        for verb in ("hx-post", "hx-put", "hx-patch", "hx-delete"):
            if verb in attrs:
                self.htmx_writes.append(attrs[verb])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


# Pages to render, as whom; together they show the forms of FORMS_RENDERED.
PAGES = [
    (None, "login", []),
    ("rep", "presales:opportunities", []),
    ("rep", "dispatch:my-bookings", []),
    ("rep", "dispatch:escalations", []),
    ("rep", "dispatch:hotline", []),
    ("rep", "grabbing:mine", []),
    ("rep", "grabbing:new", []),
    ("rep", "budgeting:mine", []),
    ("rep", "dispatch:find", []),
    ("engineer_user", "dispatch:my-schedule", []),
    ("engineer_user", "grabbing:invitations", []),
    ("own", "dispatch:hotline", []),
    ("manager", "dispatch:escalations", []),
    ("manager", "budgeting:team", []),
    ("manager", "monitoring:dashboard", []),
    ("lead", "dispatch:lead-work", []),
    ("rep", "dispatch:opportunity", ["pk"]),
    ("rep", "dispatch:work_orders", []),
    ("manager", "dispatch:work_orders", []),
    ("rep", "dispatch:work_order_new", []),
    ("rep", "dispatch:work_order", ["pk"]),
]
FORMS_RENDERED = {
    "login",
    "logout",
    "set_language",
    "presales:opportunities",
    "dispatch:booking-cancel",
    "dispatch:booking-acknowledge",
    "dispatch:escalation-request",
    "dispatch:escalation-approve",
    "dispatch:escalation-decline",
    "dispatch:hotline-ask",
    "dispatch:hotline-answer",
    "dispatch:lead-reassign",
    "dispatch:calendar-rotate",
    "dispatch:work_order_new",
    "dispatch:work_order_cancel",
    "grabbing:new",
    "grabbing:cancel",
    "grabbing:ask",
    "grabbing:grab",
    "budgeting:adjust",
    "monitoring:recompute",
}


def test_every_rendered_post_form_carries_the_token_and_htmx_sends_it(world):
    seen = set()
    for persona, name, arguments in PAGES:
        url = url_for(name, arguments, world)
        response = signed_in(world.get(persona), enforce_csrf=True).get(url)
        assert response.status_code == 200, name
        audit = FormAudit()
        audit.feed(response.content.decode())
        for form in audit.forms:
            assert form["token"], f"a POST form to {form['action']} on {name} has no csrfmiddlewaretoken"
            seen.add(resolve((form["action"] or url).split("?")[0]).view_name)
        if audit.htmx_writes:
            token = re.fullmatch(r'\{"X-CSRFToken": "([^"]+)"\}', audit.body_headers)
            assert token, f"{name} makes htmx writes but <body> sends no X-CSRFToken"
            seen.update(resolve(target.split("?")[0]).view_name for target in audit.htmx_writes)
    assert seen >= FORMS_RENDERED, f"not rendered, so not checked: {FORMS_RENDERED - seen}"


def test_every_post_form_in_every_template_has_the_token_tag():
    """Forms that only appear with particular data (a rated booking, a grabbed order) too."""
    form = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL | re.IGNORECASE)
    checked = 0
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for match in form.finditer(template.read_text()):
            opening = match.group(0).split(">", 1)[0]
            if re.search(r'method=["\']post["\']', opening, re.IGNORECASE):
                checked += 1
                assert "{% csrf_token %}" in match.group(0), f"{template}: {opening}>"
    assert checked >= 25


def test_session_authenticated_api_writes_need_the_token(rep, world):
    """DRF's SessionAuthentication enforces CSRF (token auth needs none: no cookie to ride)."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(rep)
    body = {"opportunity": world["opportunity"], "reason": "By session"}

    refused = client.post("/api/v1/escalations/", body, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    client, token = with_csrf_cookie(client)
    assert client.get("/api/v1/me/").status_code == 200  # reads need no token
    accepted = client.post("/api/v1/hotline-requests/", {"opportunity": world["opportunity"], "question": "Q?"},
                           format="json", HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert accepted.status_code == 201
