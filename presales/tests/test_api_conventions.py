"""The API's conventions (api-v1.md): tokens, /me, the error format, throttling, pagination."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from presales.api.fields import AwareDateTimeField
from presales.choices import Role
from presales.tests.factories import OpportunityFactory, RegionFactory

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials_authenticates_later_requests(rep, password):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "rep", "password": password}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "rep"


def test_bad_credentials_are_a_400_with_the_error_format(rep):
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": "wrong"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert body["fields"]["non_field_errors"]


def test_missing_credentials_name_the_fields():
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


def test_me_describes_roles_regions_and_engineer(api, manager, north, east):
    manager.regions.add(east)
    body = api.as_user(manager).get("/api/v1/me/").json()
    assert body == {
        "id": manager.pk,
        "username": "manager",
        "display_name": "North Manager",
        "roles": [Role.MANAGER],
        "regions": ["east", "north"],
        "engineer": None,
    }


@pytest.mark.parametrize("header", [None, "Token not-a-real-token"])
def test_unauthenticated_requests_are_401(header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_writing_reference_data_without_the_admin_role_is_403(api, rep):
    response = api.as_user(rep).post("/api/v1/regions/", {"code": "west", "name": "West"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "detail": response.json()["detail"]}


def test_an_object_the_user_may_not_see_is_404_not_403(api, rep, other_rep):
    theirs = OpportunityFactory(owner=other_rep, region=rep.regions.first())
    response = api.as_user(rep).get(f"/api/v1/opportunities/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_json_is_a_400_invalid(api, rep):
    response = api.as_user(rep).post("/api/v1/opportunities/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_throttled_requests_are_429_with_retry_after(api, rep):
    client = api.as_user(rep)
    with override_settings(API_THROTTLE_RATES={"anon": "100/min", "user": "3/min", "auth": "100/min"}):
        statuses = [client.get("/api/v1/regions/").status_code for _ in range(4)]
        response = client.get("/api/v1/regions/")
    assert statuses == [200, 200, 200, 429]
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_sign_in_attempts_are_throttled_per_client():
    client = APIClient()
    with override_settings(API_THROTTLE_RATES={"anon": "100/min", "user": "100/min", "auth": "2/min"}):
        codes = [
            client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json").status_code
            for _ in range(3)
        ]
    assert codes == [400, 400, 429]


def test_lists_are_paginated_with_page_size_capped_at_200(api, rep):
    for index in range(3):
        RegionFactory(code=f"r{index}")
    client = api.as_user(rep)
    body = client.get("/api/v1/regions/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4  # the rep's own north plus three
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    assert client.get("/api/v1/regions/?page=2&page_size=2").json()["previous"] is not None
    for index in range(3, 210):
        RegionFactory(code=f"r{index}")
    assert len(client.get("/api/v1/regions/?page_size=1000").json()["results"]) == 200


def test_a_page_past_the_end_is_404(api, rep):
    response = api.as_user(rep).get("/api/v1/regions/?page=99")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("query", ["page_size=ten", "page_size=0", "page=", "page=-1", "page=1&page=2", "page=²"])
def test_a_page_or_page_size_that_is_not_a_whole_number_is_a_400(api, rep, query):
    response = api.as_user(rep).get(f"/api/v1/regions/?{query}")
    assert response.status_code == 400
    name = query.partition("=")[0]
    assert response.json()["code"] == "invalid" and list(response.json()["fields"]) == [name]


def test_a_url_under_the_api_that_matches_no_route_is_a_json_404(api, rep):
    for url in ("/api/v1/opportunities/abc/visibility/", "/api/v1/regions/a.b/", "/api/v1/nothing-here/"):
        response = api.as_user(rep).get(url)
        assert (response.status_code, response["Content-Type"]) == (404, "application/json"), url
        assert response.json()["code"] == "not_found"
    page = api.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_deleting_reference_data_still_in_use_is_a_409_in_use(api, admin_user, rep, north):
    OpportunityFactory(customer__region=north, owner=rep)
    response = api.as_user(admin_user).delete("/api/v1/regions/north/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert api.get("/api/v1/regions/north/").status_code == 200


def test_a_body_that_is_not_json_is_a_415(api, admin_user):
    response = api.as_user(admin_user).post("/api/v1/regions/", {"code": "west", "name": "West"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert api.get("/api/v1/regions/west/").status_code == 404


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-04-07T13:30:00+08:00", True),
        ("2026-04-07T05:30:00Z", True),
        ("2026-04-07T13:30:00-03:00", True),
        ("2026-04-07T13:30:00", False),
        ("2026-04-07 13:30", False),
    ],
)
def test_times_without_an_offset_are_refused(value, ok):
    from rest_framework import serializers

    field = AwareDateTimeField()
    if ok:
        assert field.to_internal_value(value).utcoffset() is not None
    else:
        with pytest.raises(serializers.ValidationError) as error:
            field.to_internal_value(value)
        assert "offset" in str(error.value.detail[0]).lower() or "UTC" in str(error.value.detail[0])


@pytest.mark.parametrize("value", ["1900-06-01T12:00:00+08:00", "2100-01-01T00:00:00Z", "0089-10-13T00:00:00Z"])
def test_times_outside_2000_to_2099_are_refused(value):
    # Shanghai's offset before 1901 was +08:05:43: no RFC 3339 time could answer with it.
    from rest_framework import serializers

    with pytest.raises(serializers.ValidationError) as error:
        AwareDateTimeField().to_internal_value(value)
    assert error.value.detail[0].code == "out_of_range"
