"""API fuzzing: Schemathesis generates requests from the schema the app serves at /api/v1/schema/
and checks every answer with all its default checks (no 5xx; status code, content type, headers
and body as documented; schema-violating data refused; schema-valid data accepted, unless the
refusal is one the contract names), once per role's token and once anonymously, against a small
but complete organisation.

Each role is one test module (``tests/fuzz/test_rep.py``, ``test_anonymous.py`` …), so xdist's
loadfile spreads the roles over workers; this module is the one implementation they call and
``conftest.py`` beside it builds the world. The schema is fetched from the app
in-process (WSGI, no server), every operation gets a bounded, derandomized Hypothesis run
(positive and negative data, random ids and the ids that exist, and probes: schema-valid requests
with one value replaced by input the contract says has no valid meaning), and every failure is
reported once per operation and cause, with a request that shows it. Nothing refused may write.
``schemathesis.pytest.from_fixture`` would do the looping, but with pytest 9.2 it fails on
``Node._nodeid``, which pytest no longer has.

Database: a transactional test, so each request commits as in production (on-commit tasks and
emails run). What one example writes stays for the next, which is fine as long as the checks
hold; deletes run last so a deleted region does not hide the rest of the API.
"""

import copy
import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass
from functools import partial

import schemathesis
from django.core.signals import got_request_exception
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.db.backends.signals import connection_created
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Each has its module test_<role>.py here (test_roles.py checks that none is missing).
ROLES = ["rep", "engineer_user", "manager", "lead", "admin_user", None]
# Reads first, then writes, then deletes.
METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
# Reproducible: the same requests on every run, within CI's few minutes per engine.
# FUZZ_EXAMPLES=200 for a deeper run by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 25))
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# Every default check runs. "Schema-valid data is accepted" runs strictly (2xx/3xx only) and a
# refusal passes it only when it is one the contract names for data a schema cannot judge: the
# state of the world (409 with its code), what exists and who may see or do it (404, 403, 401),
# and the rules OpenAPI cannot express (a 400 naming a field the client sent; see CONTRACT_400).
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "3xx"]}}}
CONFLICT_CODES = {
    "slot_unavailable",
    "budget_exceeded",
    "already_grabbed",
    "invalid_state",
    "nobody_in_scope",
    "not_eligible",
    "work_order_staffed",
    "in_use",
    "busy",
    "idempotency_key_reused",
    "idempotency_key_in_use",
}
# Fields whose valid values the schema cannot give: a reference to something that must exist (and
# be the caller's to use), and windows whose rules span fields or the clock (end <= start, in the
# past, longer than the maximum, shorter than the minimum).
REFERENCE_FIELDS = {
    "alert",
    "booking",
    "customer",
    "engineer",
    "grade",
    "grades",
    "opportunity",
    "region",
    "regions",
    "scope",
    "skill",
    "skills",
    "solution",
    "solutions",
    "work_order",
    "work_orders",
}
WINDOW_FIELDS = {"start", "end", "from", "to", "free_from", "free_to", "desired_start", "desired_end", "date"}
# Codes are unique (a second region "x" is a 400 on `code`).
UNIQUE_FIELDS = {"code"}
# Required only without a work order, whose stage and activity are the defaults (a grab order
# posted or previewed without ``work_order``): a rule across fields OpenAPI cannot express.
WORK_ORDER_DEFAULTED = {"stage", "activity"}
CONTRACT_400 = REFERENCE_FIELDS | WINDOW_FIELDS | UNIQUE_FIELDS | WORK_ORDER_DEFAULTED
# Where a 400 names no field: bad credentials (the contract's 400), a rate for a resource type and
# grade that already has one (unique together).
NON_FIELD_400 = {
    "POST /api/v1/auth/token/",
    "POST /api/v1/rates/",
    "PUT /api/v1/rates/{id}/",
    "PATCH /api/v1/rates/{id}/",
}
# The product's years (presales.api.fields); offsets a time zone can have.
YEARS = range(2000, 2100)
MAX_OFFSET = dt.timedelta(hours=14)


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _has_no_valid_meaning(value) -> bool:
    """A value the contract refuses whatever the schema says: a NUL, an offset beyond ±14:00, a
    year outside the product's range."""
    if isinstance(value, dict):
        return any(_has_no_valid_meaning(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_no_valid_meaning(item) for item in value)
    if not isinstance(value, str):
        return False
    if "\x00" in value:
        return True
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    offset = moment.utcoffset()
    return moment.year not in YEARS or (offset is not None and abs(offset) > MAX_OFFSET)


def _sent(case) -> dict:
    """What the client sent, by top-level name (query and body)."""
    sent = dict(case.query or {})
    if isinstance(case.body, dict):
        sent.update(case.body)
    return sent


def refused_before_reading(response, anonymous: bool) -> bool:
    """Refusals that do not depend on the data: who asks, what exists, the state of things."""
    body = _json(response) or {}
    code = body.get("code") if isinstance(body, dict) else None
    return (
        (response.status_code == 401 and anonymous and code == "not_authenticated")
        or (response.status_code == 403 and code == "permission_denied")
        or (response.status_code == 404 and code == "not_found")
        or (response.status_code == 409 and code in CONFLICT_CODES)
        or (response.status_code == 429 and code == "throttled")
    )


def contract_400(response, case, fields_declared: dict[tuple, dict]) -> bool:
    """A 400 on schema-valid data that the contract asks for: ``invalid``, naming only fields the
    operation declares, each a rule the schema cannot express or a value with no valid meaning.
    (A declared field not sent may be required only sometimes: the rep answering a question
    names the engineer. Money and hours are decimal strings, whose range JSON Schema cannot
    bound.)"""
    body = _json(response)
    if response.status_code != 400 or not isinstance(body, dict) or body.get("code") != "invalid":
        return False
    fields, sent = body.get("fields") or {}, _sent(case)
    names = {name.split(".")[0] for name in fields}
    if names == {"non_field_errors"}:
        return case.operation.label in NON_FIELD_400
    declared = {parameter.name for parameter in case.operation.query} | {path[0] for path in fields_declared if path}
    decimals = {path[0] for path, node in fields_declared.items() if len(path) == 1 and node.get("format") == "decimal"}
    return bool(names) and all(
        name in declared and (name in CONTRACT_400 | decimals or _has_no_valid_meaning(sent.get(name)))
        for name in names
    )


def positive_data_acceptance_or_contract_refusal(anonymous: bool, fields_declared: dict[tuple, dict]):
    def positive_data_acceptance_or_contract_refusal(ctx, response, case):
        """schemathesis's own check, strict; its failure stands unless the answer is a refusal the
        contract names (status and code)."""
        try:
            return positive_data_acceptance(ctx, response, case)
        except RejectedPositiveData:
            if refused_before_reading(response, anonymous) or contract_400(response, case, fields_declared):
                return None
            raise

    return positive_data_acceptance_or_contract_refusal


# Probes: a schema-valid request with one value replaced by input the contract says has no valid
# meaning, which must be a 400 naming that field (or refused before the input is read). Random
# generation meets these rarely or never (an offset of +16:00 in a filter, a NUL in a code, 1.9 as
# an id, a time without offset, a 300-character key, 1e400, deep nesting); each probe asks once.
@dataclass(frozen=True)
class Probe:
    where: str  # "query", "body", "header" or "raw" (the body sent as bytes)
    path: tuple
    value: object
    why: str
    also: tuple = ()  # other query parameters the probe needs, (name, value) pairs: the 400 may name them

    @property
    def field(self) -> str | None:
        if self.where == "header":
            return self.path[0]
        return ".".join(str(part) for part in self.path) or None


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _value_probes(where: str, path: tuple, value, keys: dict[str, list]) -> list[Probe]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        # An existing id plus a fraction: truncating it would silently act on that object.
        name = str(path[0]) if path else ""
        known = [key for key in keys.get(f"/api/v1/{name.replace('_', '-').removesuffix('s')}s/", []) if key]
        whole = known[0] if known and isinstance(known[0], int) else value
        fraction = f"{whole}.9" if where == "query" else whole + 0.9
        return [Probe(where, path, fraction, "an id or count that is not a whole number")]
    if not isinstance(value, str):
        return []
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or "T" not in value:
        return [Probe(where, path, f"{value[:8]}\x00x", "a NUL character")]
    moment = moment.replace(tzinfo=None, year=2026)
    return [
        Probe(where, path, moment.isoformat() + "+16:00", "an offset beyond ±14:00"),
        Probe(where, path, moment.replace(year=9999).isoformat() + "+08:00", "year 9999"),
        Probe(where, path, moment.isoformat(), "a time without an offset"),
    ]


def declared_fields(raw_schema: dict, operation) -> dict[tuple, dict]:
    """The body's declared property paths (``("scope", "regions", "*")``) and their schemas: a
    probe goes only into a field the operation reads, not into the extra properties schemathesis
    adds."""
    components = raw_schema.get("components", {}).get("schemas", {})

    def resolve(node):
        while isinstance(node, dict) and "$ref" in node:
            node = components[node["$ref"].split("/")[-1]]
        return node

    def walk(node, path):
        node = resolve(node)
        yield path, node
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key, []):
                yield from walk(part, path)
        for name, child in node.get("properties", {}).items():
            yield from walk(child, (*path, name))
        if "items" in node:
            yield from walk(node["items"], (*path, "*"))

    content = raw_schema["paths"][operation.path][operation.method.lower()].get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    return dict(walk(body, ())) if body else {}


def probes(case, keys: dict[str, list], fields: dict[tuple, dict]) -> list[Probe]:
    found = []
    for name, value in (case.query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            found += _value_probes("query", (name,), item, keys)
    if isinstance(case.body, (dict, list)):
        leaves = [
            (path, value)
            for path, value in _leaves(case.body)
            if path and tuple("*" if isinstance(part, int) else part for part in path) in fields
        ]
        for path, value in leaves:
            found += _value_probes("body", path, value, keys)
        numbers = [path for path, value in leaves if isinstance(value, (int, float)) and not isinstance(value, bool)]
        if numbers:
            found.append(Probe("raw", numbers[0], "1e400", "the number 1e400"))
        found.append(Probe("raw", (), "[" * 100_000 + "]" * 100_000, "a 100,000-deep nested array"))
    if isinstance(case.body, dict):
        for path, node in fields.items():
            value = _get(case.body, path) if path and "*" not in path and node.get("type") == "array" else None
            known = keys.get(f"/api/v1/{path[-1].replace('_', '-')}/") if path else None
            if isinstance(value, list) and (known or value):
                found.append(Probe("body", path, [(known or value)[0]] * 51, "a list of 51 items"))
    if {"free_from", "free_to"} <= {parameter.name for parameter in case.operation.query}:
        start = "2026-06-01T09:00:00+08:00"
        found.append(
            Probe(
                "query", ("free_to",), "2027-06-02T09:00:00+08:00", "a free window of a year", (("free_from", start),)
            )
        )
    if any(parameter.name.lower() == "idempotency-key" for parameter in case.operation.headers):
        found.append(Probe("header", ("Idempotency-Key",), "k" * 300, "an Idempotency-Key of 300 characters"))
    return found


def _get(container, path: tuple):
    for part in path:
        if not isinstance(container, dict) or part not in container:
            return None
        container = container[part]
    return container


def _set(container, path: tuple, value):
    container = copy.deepcopy(container)
    target = container
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return container


def apply(probe: Probe, case) -> dict:
    """Put the probe into the case; returns extra transport arguments (a raw body)."""
    if probe.where == "query":
        # Alone (with the required ones): a filter refusing another random value would hide
        # whether this one is read, and paging is read only once the filters pass.
        required = {parameter.name for parameter in case.operation.query if parameter.is_required}
        case.query = {name: value for name, value in case.query.items() if name in required} | {
            probe.path[0]: probe.value,
            **dict(probe.also),
        }
    elif probe.where == "body":
        case.body = _set(case.body, probe.path, probe.value)
    elif probe.where == "header":
        case.headers = {**(case.headers or {}), probe.path[0]: probe.value}
    elif probe.path:
        marker = "\x01number\x01"
        text = json.dumps(_set(case.body, probe.path, marker)).replace(json.dumps(marker), probe.value)
        return {"data": text.encode(), "headers": {"Content-Type": "application/json"}}
    else:
        return {"data": probe.value.encode(), "headers": {"Content-Type": "application/json"}}
    return {}


def input_with_no_valid_meaning_refused(probe: Probe, anonymous: bool):
    def input_with_no_valid_meaning_refused(ctx, response, case):
        """The contract: a 400 ``invalid`` naming the field (or refused before the input is read)."""
        if refused_before_reading(response, anonymous):
            return None
        body = _json(response)
        if response.status_code == 400 and isinstance(body, dict) and body.get("code") == "invalid":
            fields = body.get("fields") or {}
            if probe.where == "raw" or any(
                name in (probe.field, *(other for other, _value in probe.also))
                or name == probe.field
                or probe.field.startswith(f"{name}.")
                or name.startswith(f"{probe.field}.")
                or (probe.where == "header" and "idempotency" in name.lower())  # however it is named
                for name in fields
            ):
                return None
            raise AssertionError(f"{probe.why} in `{probe.field}`: 400 names {sorted(fields)}, not `{probe.field}`")
        raise AssertionError(
            f"{probe.why} in {probe.where} `{probe.field}` answered {response.status_code} "
            f"{(body or {}).get('code') if isinstance(body, dict) else ''}, not 400 invalid naming the field"
        )

    return input_with_no_valid_meaning_refused


def served_schema(headers: dict[str, str]):
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), headers=headers, config=config)


def operations(schema) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda operation: (METHOD_ORDER[operation.method.lower()], operation.path))


def known_keys(schema, admin_headers: dict[str, str]) -> dict[str, list]:
    """Ids (or codes) of what exists, per collection path as the admin lists it: fuzzing only
    random ids would meet nothing but 404s."""
    keys = {}
    for operation in operations(schema):
        if operation.method.lower() != "get" or "{" in operation.path:
            continue
        response = schema[operation.path]["GET"].Case(query={"page_size": 200}).call(headers=admin_headers)
        results = response.json().get("results", []) if response.status_code == 200 else []
        keys[operation.path] = [item.get("id", item.get("code")) for item in results if isinstance(item, dict)]
    return keys


def cases(operation, keys: dict[str, list], fields: dict[tuple, dict]):
    """(case, probe or None): random ids and the ids that exist, positive and negative data, and
    positive data with one probe put in (on an object that exists, so the input is read)."""
    names = [parameter.name for parameter in operation.path_parameters]
    collection = operation.path.split("{")[0]
    existing = len(names) == 1 and keys.get(collection)

    def generated(mode):
        if existing:
            return st.sampled_from(keys[collection]).flatmap(
                lambda key: operation.as_strategy(mode, path_parameters={names[0]: key})
            )
        return operation.as_strategy(mode)

    plain = [operation.as_strategy(mode) for mode in GenerationMode]
    if existing:
        plain += [generated(mode) for mode in GenerationMode]
    probed = generated(GenerationMode.POSITIVE).flatmap(
        lambda case: st.sampled_from(probes(case, keys, fields) or [None]).map(lambda probe: (case, probe))
    )
    # Probes are a third of the examples at least: they are what random data rarely reaches.
    return st.one_of(
        *(strategy.map(lambda case: (case, None)) for strategy in plain), *[probed] * max(1, len(plain) // 2)
    )


def token_headers(user) -> dict[str, str]:
    token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def _statement_timeout(sender, connection=None, **kwargs):
    connection = connection or sender
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '5s'")


def _spy_writes(writes: list, execute, sql, params, many, context):
    """Nothing refused writes anything: every statement that would is noted (cheaper than
    counting every table's rows around each of thousands of requests, and an UPDATE shows too)."""
    # The idempotency record of a refusal is kept on purpose: a retry with the key gets the
    # same answer again (the contract), without running the request a second time.
    if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and "presales_idempotencyrecord" not in sql:
        writes.append(sql.split("(")[0][:80])
    return execute(sql, params, many, context)


# The exception behind each 500, so that failures group by cause, not by symptom.
crashes: list[str] = []


def _remember_crash(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    crashes.append(f"{type(error).__name__}: {str(error)[:120]}".replace("\n", " "))


def _cause(failure, response, probe) -> str:
    body = _json(response)
    code = body.get("code") if isinstance(body, dict) else None
    fields = sorted((body.get("fields") or {}) if isinstance(body, dict) else {})
    answer = f"{response.status_code} {code or response.headers.get('content-type', [''])[0]}"
    if fields:
        answer += f" fields={fields}"
    if crashes:
        answer += f" ({crashes[0]})"
    what = f"probe: {probe.why} in {probe.where} `{probe.field}`" if probe else failure.title
    return f"{what} -> {answer}"[:240]


def fuzz_operation(operation, keys: dict[str, list], headers: dict[str, str], anonymous: bool, failures: dict) -> int:
    """Run the operation's examples; every (operation, cause) goes into ``failures`` once, with the
    first request that showed it: all of them at once, so one run lists everything left to fix
    (and nothing is shrunk, which keeps the run short)."""
    fields = declared_fields(operation.schema.raw_schema, operation)
    positive = positive_data_acceptance_or_contract_refusal(anonymous, fields)
    examples = 0

    def record(cause: str, case, extra: dict, call_headers: dict, probe) -> None:
        failures.setdefault((operation.label, cause), _reproduce(case, extra, call_headers, probe))

    @FUZZ_SETTINGS
    @given(drawn=cases(operation, keys, fields))
    def fuzz(drawn):
        nonlocal examples
        examples += 1
        case, probe = drawn
        extra = apply(probe, case) if probe else {}
        call_headers = {**headers, **extra.pop("headers", {})}
        check = input_with_no_valid_meaning_refused(probe, anonymous) if probe else positive
        crashes.clear()
        writes = []
        with connection.execute_wrapper(partial(_spy_writes, writes)):
            response = case.call(headers=call_headers, **extra)
        try:
            case.validate_response(
                response,
                headers=call_headers,
                transport_kwargs={"headers": call_headers, **extra},
                excluded_checks=[positive_data_acceptance],
                additional_checks=[check],
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                record(_cause(failure, response, probe), case, extra, call_headers, probe)
        if response.status_code >= 400 and writes:
            what = f"{probe.why} in `{probe.field}`" if probe else "request"
            record(
                f"{what} refused ({response.status_code}) but written: {writes[0]}", case, extra, call_headers, probe
            )

    fuzz()
    return examples


def every_operation_answers_as_documented(request, settings, admin_user, role: str | None) -> None:
    """The test each role's module runs (with the ``transactional_db`` and ``world`` fixtures)."""
    # Throttling has its own tests; here every request should reach the view.
    settings.API_THROTTLE_RATES = {"anon": "100000/min", "user": "100000/min", "auth": "100000/min"}
    headers = token_headers(request.getfixturevalue(role)) if role else {}
    schema = served_schema(headers)
    keys = known_keys(schema, token_headers(admin_user))
    assert all(keys[path] for path in ("/api/v1/bookings/", "/api/v1/grab-orders/", "/api/v1/alerts/"))
    failures: dict[tuple[str, str], str] = {}
    got_request_exception.connect(_remember_crash)
    request.addfinalizer(lambda: got_request_exception.disconnect(_remember_crash))
    # As the web's statement timeout does: a request that would run for minutes (a search over a
    # year) fails in seconds, so the run stays within its time whatever it finds.
    _statement_timeout(connection)
    connection_created.connect(_statement_timeout)
    request.addfinalizer(lambda: connection_created.disconnect(_statement_timeout))
    started = time.monotonic()
    examples = sum(fuzz_operation(operation, keys, headers, role is None, failures) for operation in operations(schema))
    # The run's size and time, for the README's figures (pytest -s shows it).
    print(f"\nfuzz {role or 'anonymous'}: {examples} examples, {time.monotonic() - started:.1f} s")
    report = "\n\n".join(f"{label}\n  {cause}\n  {curl}" for (label, cause), curl in sorted(failures.items()))
    assert not failures, f"{len(failures)} failures (operation, cause, a request showing it):\n\n{report}"


def _reproduce(case, extra: dict, headers: dict, probe) -> str:
    curl = case.as_curl_command(headers={key: value for key, value in headers.items() if key != "Authorization"})
    if "data" in extra:
        curl += f"  # body sent instead: {extra['data'][:80]!r}…"
    return curl + (f"  # probe: {probe.why} in {probe.where} `{probe.field}`" if probe else "")
