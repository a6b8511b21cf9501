"""The authorization matrix (issue 9): every API endpoint and page × every persona, the exact
status from one table (authorization_table.py), and nothing written by a refused request.

The world is built once for the module inside a transaction that is rolled back at the end;
each case runs in its own savepoint (pytest-django's ``db``), so an allowed write never leaks
into the next case.
"""

import re
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budgeting.models import Budget
from grabbing.models import Invitation
from tests.authorization_table import EXCLUDED, LISTS, PERSONAS, ROWS, Refused
from tests.authorization_world import build_world

API_PREFIX = "api/v1/"
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)"?', re.IGNORECASE)
NOT_STATE = {"django_session"}  # a signed-in page visit may save its session (messages, CSRF)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# HEAD answers as GET does and OPTIONS describes the endpoint: neither is a row of its own.
HANDLERS = ("get", "post", "put", "patch", "delete")


# --- The URL patterns the project serves ---------------------------------------------------------


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, namespace, pattern


def _api_methods(callback) -> set[str]:
    """The methods a DRF view answers: a viewset route's mapped actions, an APIView's handlers."""
    actions = getattr(callback, "actions", None)
    if actions is not None:
        # DRF adds "head" to a route's actions on its first GET: filter by HANDLERS.
        return {method.upper() for method in actions if method in HANDLERS}
    return {method.upper() for method in HANDLERS if hasattr(callback.cls, method)}


def served() -> tuple[set[tuple[str, str]], set[str]]:
    """(API key, method) pairs and page keys of every URL pattern, by the table's naming."""
    api, pages = set(), set()
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        name = f"{namespace}{pattern.name or route}"
        if route.startswith(API_PREFIX):
            api |= {(f"api:{name}", method) for method in _api_methods(pattern.callback)}
        else:
            pages.add(name)
    return api, pages


def _excluded(key: str) -> bool:
    return key in EXCLUDED or any(rule.endswith(":*") and key.startswith(rule.removesuffix("*")) for rule in EXCLUDED)


def test_every_endpoint_has_a_row():
    api, pages = served()
    rows = {(row.key, row.method) for row in ROWS}
    missing_api = sorted(pair for pair in api if pair not in rows and not _excluded(pair[0]))
    missing_pages = sorted(key for key in pages if key not in {row.key for row in ROWS} and not _excluded(key))
    assert missing_api == [], f"API endpoints without a row in authorization_table.py: {missing_api}"
    assert missing_pages == [], f"pages without a row in authorization_table.py: {missing_pages}"


def test_every_row_and_exclusion_matches_a_served_endpoint():
    api, pages = served()
    keys = {key for key, _method in api} | pages
    stale = sorted(
        f"{row.method} {row.key}"
        for row in ROWS
        if ((row.key, row.method) not in api if row.is_api else row.key not in pages)
    )
    assert stale == [], f"rows for endpoints that are not served: {stale}"
    unused = sorted(rule for rule in EXCLUDED if not any(_excluded(key) and _matches(rule, key) for key in keys))
    assert unused == [], f"exclusions that match no URL pattern: {unused}"
    duplicated = sorted(
        {f"{r.method} {r.key}" for r in ROWS if sum(1 for o in ROWS if (o.key, o.method) == (r.key, r.method)) > 1}
    )
    assert duplicated == []


def _matches(rule: str, key: str) -> bool:
    return key == rule or (rule.endswith(":*") and key.startswith(rule.removesuffix("*")))


# --- The world and the requests ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        _sign_in_once(built)
        yield built
        transaction.set_rollback(True)


@contextmanager
def writes():
    """The tables written while inside: every INSERT, UPDATE and DELETE the connection runs.

    No write statement means nothing changed; cheaper and stricter than comparing table
    contents (a write that happens to leave a row as it was still counts)."""
    tables: list[str] = []

    def watch(execute, sql, params, many, context):
        written = WRITE.match(sql)
        if written and written["table"] not in NOT_STATE:
            tables.append(written["table"])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield tables


def _sign_in_once(world) -> None:
    """A session per persona for pages and a token per persona for the API, made with the world.

    The two clients live as long as the module: a new client builds the middleware chain again
    (WhiteNoise scans the static files), which cost more than the request itself.
    """
    world.sessions, world.tokens = {}, {}
    for persona, user in world.users.items():
        browser = Client()
        browser.force_login(user)
        world.sessions[persona] = browser.cookies[settings.SESSION_COOKIE_NAME].value
        world.tokens[persona] = Token.objects.get_or_create(user=user)[0].key
    world.page_client, world.api_client = Client(), APIClient()


def _client(row, persona: str, world):
    if row.is_api:
        http = world.api_client
        token = world.tokens.get(persona)
        http.credentials(**({"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}))
        return http
    http = world.page_client
    http.cookies.clear()  # no session nor messages left from the case before
    if persona in world.sessions:
        http.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return http


def _request(row, http, world):
    url = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else None)
    body = row.body(world) if row.body else None
    if row.method == "GET":
        return http.get(url, row.query(world) if row.query else None)
    if row.is_api:
        return getattr(http, row.method.lower())(url, body, format="json")
    return getattr(http, row.method.lower())(url, body or {})


CASES = [pytest.param(row, persona, id=f"{row.method} {row.key}[{persona}]") for row in ROWS for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "persona"), CASES)
def test_status(row, persona, world):
    http = _client(row, persona, world)
    expected = row.status_for(persona)
    refused = isinstance(expected, Refused) or expected >= 400 or (persona == "anonymous" and not row.anonymous)
    status = expected.status if isinstance(expected, Refused) else expected

    with writes() as written:
        response = _request(row, http, world)

    body = getattr(response, "data", None) or response.content[:300]
    assert response.status_code == status, f"{row.method} {row.key} as {persona}: {response.status_code} {body}"
    if persona == "anonymous" and status == 302:
        assert response["Location"].startswith(reverse("login")), response["Location"]
    if refused:
        assert written == [], f"a refused request wrote to {written}"
    elif row.method in UNSAFE:
        assert written, "an allowed request wrote nothing"


def _ids(world, name: str) -> set[int]:
    if name.startswith("budgets of "):
        owner = world.users[name.removeprefix("budgets of ")]
        return set(Budget.objects.filter(owner=owner).values_list("pk", flat=True))
    if name.startswith("work order of "):
        return {getattr(world, name.removeprefix("work order of ")).work_order_id}
    if name.startswith("invitation "):
        order = getattr(world, name.removeprefix("invitation "))
        return {Invitation.objects.get(grab_order=order, engineer=world.wang).pk}
    return {getattr(world, name).pk}


LIST_CASES = [
    pytest.param(key, persona, names, id=f"GET {key}[{persona}]")
    for key, seen in LISTS.items()
    for persona, names in seen.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "persona", "names"), LIST_CASES)
def test_list_shows_what_the_persona_may_see(key, persona, names, world):
    http = world.api_client
    http.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[persona]}")
    response = http.get(reverse(key.removeprefix("api:")), {"page_size": 200})
    assert response.status_code == 200
    shown = {item["id"] for item in response.json()["results"]}
    expected = set().union(*(_ids(world, name) for name in names)) if names else set()
    assert shown == expected
