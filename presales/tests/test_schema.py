"""The OpenAPI schema validates and describes every endpoint the server routes."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

NOT_IN_SCHEMA = {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"}


def _routes(patterns, prefix=""):
    """(path template, view callback) for every routed URL, regexes turned into {name}."""
    for entry in patterns:
        pattern = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + pattern)
        elif isinstance(entry, URLPattern):
            if "(?P<format>" in pattern:
                continue  # DRF's ".json" suffix twins
            template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", prefix + pattern)
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", template)
            # drf-spectacular names a primary key {id} (SCHEMA_COERCE_PATH_PK).
            yield "/" + template.replace("{pk}", "{id}"), entry.callback


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_schema_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Presales Dispatch API"


def test_schema_lists_every_api_endpoint_with_its_methods(schema):
    routed = {path: view for path, view in _routes(get_resolver().url_patterns) if path.startswith("/api/v1/")}
    assert set(schema["paths"]) == set(routed) - NOT_IN_SCHEMA
    for path, view in routed.items():
        if path in NOT_IN_SCHEMA:
            continue
        actions = getattr(view, "actions", None)
        methods = (
            set(actions) if actions else {m for m in view.view_class.http_method_names if hasattr(view.view_class, m)}
        )
        methods -= {"head", "options"}
        assert set(schema["paths"][path]) == methods, path


def test_schema_documents_the_error_format(schema):
    operation = schema["paths"]["/api/v1/opportunities/"]["post"]
    assert {"201", "400", "401", "403", "429"} <= set(operation["responses"])
    body = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ValidationError")
    assert "404" in schema["paths"]["/api/v1/opportunities/{id}/"]["get"]["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))


def test_schema_documents_what_the_server_answers(schema):
    """What the API fuzzing (tests/fuzz/) found the server answering beyond the schema."""
    paths = schema["paths"]
    assert "404" in paths["/api/v1/regions/"]["get"]["responses"]  # a page past the end
    assert "400" in paths["/api/v1/engineers/{id}/schedule/"]["get"]["responses"]  # from/to refused
    assert "415" in paths["/api/v1/bookings/"]["post"]["responses"]  # a body that is not JSON
    assert list(paths["/api/v1/bookings/"]["post"]["requestBody"]["content"]) == ["application/json"]
    page_size = next(p for p in paths["/api/v1/regions/"]["get"]["parameters"] if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1}
    assert schema["components"]["schemas"]["GrabOrder"]["properties"]["engineer"]["nullable"] is True


def test_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_schema_describes_ids_as_the_whole_numbers_the_server_takes(schema):
    """Issue 16: ids are whole numbers from 1 to a bigint's largest, in bodies and filters alike;
    a code lookup can be refused with a 400 (a NUL in it)."""
    paths, components = schema["paths"], schema["components"]["schemas"]
    whole = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    for path, name in [
        ("/api/v1/bookings/", "opportunity"),
        ("/api/v1/bookings/", "engineer"),
        ("/api/v1/opportunities/", "owner"),
        ("/api/v1/budgets/", "owner"),
        ("/api/v1/budgets/{id}/ledger/", "booking"),
        ("/api/v1/grab-orders/", "opportunity"),
        ("/api/v1/engineers/", "opportunity"),
        ("/api/v1/bookings/", "work_order"),
        ("/api/v1/work-orders/", "opportunity"),
    ]:
        parameter = next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)
        assert parameter["schema"] == whole, (path, name)
    for component, name in [
        ("BookingCreateRequest", "engineer"),
        ("BookingCreateRequest", "opportunity"),
        ("ReassignRequest", "engineer"),
        ("GrabOrderCreateRequest", "opportunity"),
        ("OpportunityCreateRequest", "customer"),
        ("BookingCreateRequest", "work_order"),
        ("WorkOrderCreateRequest", "opportunity"),
    ]:
        assert {key: components[component]["properties"][name].get(key) for key in whole} == whole
    for method in ("get", "put", "patch", "delete"):
        assert "400" in paths["/api/v1/regions/{code}/"][method]["responses"]


def _query_parameter(schema, path, name):
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query" and p["name"] == name)


def test_filter_parameters_state_the_bounds_the_filter_enforces(schema):
    """A filter's min_value/max_value reach the schema: without them a client (or schemathesis)
    sends min_level=4881 as valid and meets a 400."""
    assert _query_parameter(schema, "/api/v1/engineers/", "min_level")["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
    }
    min_rating = _query_parameter(schema, "/api/v1/engineers/", "min_rating")["schema"]
    assert (min_rating["minimum"], min_rating["maximum"]) == (1, 5)


def test_request_bodies_state_the_ranges_the_service_enforces(schema):
    days = schema["components"]["schemas"]["ApproveRequest"]["properties"]["days"]
    assert (days["minimum"], days["maximum"]) == (1, 180)
    components = schema["components"]["schemas"]
    work_order = components["WorkOrderCreateRequest"]["properties"]
    assert (work_order["engineers_needed"]["minimum"], work_order["engineers_needed"]["maximum"]) == (1, 20)
    assert work_order["skills"]["maxItems"] == 20 and work_order["note"]["maxLength"] == 2000
    level = components[work_order["skills"]["items"]["$ref"].split("/")[-1]]["properties"]["min_level"]
    assert (level["minimum"], level["maximum"]) == (1, 5)
    hours = re.compile(work_order["hours"]["pattern"])
    assert [bool(hours.match(value)) for value in ("0", "0.00", "8", "744", "7440", "-1")] == [
        False,
        False,
        True,
        True,
        False,
        False,
    ]


def test_work_order_filters_and_answers_document_their_values(schema):
    """Status and delay are enums in the list's filters and in the answer; the candidates are a
    page of engineers, as the search."""
    paths, components = schema["paths"], schema["components"]["schemas"]
    assert set(_query_parameter(schema, "/api/v1/work-orders/", "status")["schema"]["enum"]) == {
        "open",
        "partially_staffed",
        "staffed",
        "done",
        "cancelled",
        "unfilled",
    }
    assert set(_query_parameter(schema, "/api/v1/work-orders/", "delay")["schema"]["enum"]) == {
        "pending",
        "on_time",
        "slight",
        "severe",
    }
    candidates = paths["/api/v1/work-orders/{id}/candidates/"]["get"]
    page = candidates["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert page == "PaginatedEngineerList"
    assert {"page", "page_size"} <= {parameter["name"] for parameter in candidates["parameters"]}
    assert "404" in candidates["responses"]
    assert "409" in paths["/api/v1/work-orders/{id}/cancel/"]["post"]["responses"]
    assert components["WorkOrder"]["properties"]["lateness_hours"]["type"] == "number"


def test_decimal_patterns_need_a_digit_and_follow_min_value(schema):
    """drf-spectacular's decimal pattern matched "" (and "-1" for a rate that cannot be
    negative): schemathesis sent them as valid and met a 400."""
    components = schema["components"]["schemas"]
    rate = re.compile(components["RateRequest"]["properties"]["hourly_rate"]["pattern"])
    hours = re.compile(components["CompleteRequest"]["properties"]["actual_hours"]["pattern"])
    assert [bool(rate.match(value)) for value in ("", ".", "-1", "0", "1200.50", ".5")] == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
    assert [bool(hours.match(value)) for value in ("", "-", "2.5", "-2.5")] == [False, False, True, True]


def test_a_patch_action_that_reads_its_whole_body_documents_the_required_fields(schema):
    """PATCH …/rating/ needs a score (answers 400 without one); the schema said every field was
    optional, as for DRF's partial updates, which keep theirs."""
    body = schema["paths"]["/api/v1/bookings/{id}/rating/"]["patch"]["requestBody"]["content"]["application/json"]
    component = schema["components"]["schemas"][body["schema"]["$ref"].split("/")[-1]]
    assert component["required"] == ["score"]
    region = schema["paths"]["/api/v1/regions/{code}/"]["patch"]["requestBody"]["content"]["application/json"]
    assert "required" not in schema["components"]["schemas"][region["schema"]["$ref"].split("/")[-1]]


def test_the_budget_period_filter_documents_its_form(schema):
    pattern = re.compile(_query_parameter(schema, "/api/v1/budgets/", "period")["schema"]["pattern"])
    assert [bool(pattern.match(value)) for value in ("2026Q2", "2026Q5", "Solution", "")] == [True, False, False, False]


def test_optional_filters_document_that_an_empty_value_is_no_filter(schema):
    """``?owner=`` lists everything (django-filter, and the pages' search forms send it); the
    schema said nothing, so an empty value looked like invalid input accepted."""
    assert _query_parameter(schema, "/api/v1/opportunities/", "owner")["allowEmptyValue"] is True
    assert _query_parameter(schema, "/api/v1/alerts/", "region")["allowEmptyValue"] is True
    assert "allowEmptyValue" not in _query_parameter(schema, "/api/v1/bookings/", "status")  # ?status= is a 400
    schedule = schema["paths"]["/api/v1/engineers/{id}/schedule/"]["get"]["parameters"]
    assert all("allowEmptyValue" not in parameter for parameter in schedule if parameter.get("required"))
