"""Password guessing is throttled (presales/core/signin.py): 5 failures per username and per client
address within 15 minutes refuse further sign-ins until the window ends, on the page, the
admin and the API token endpoint alike."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOKEN_URL = "/api/v1/auth/token/"
# The per-address API throttle (10/min) is tested elsewhere; here it must not interfere.
LOOSE_API_THROTTLE = {"anon": "1000/min", "user": "1000/min", "auth": "1000/min"}


def page_sign_in(client, username, password, address="127.0.0.1", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def api_sign_in(username, password, address="127.0.0.1", **extra):
    client = APIClient()
    return client.post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def test_page_refuses_even_the_right_password_after_five_failures(client, rep, password):
    statuses = [page_sign_in(client, "rep", "wrong", **EN).status_code for _ in range(5)]
    response = page_sign_in(client, "rep", password, **EN)

    assert statuses == [200] * 5
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900
    assert "Too many failed sign-in attempts. Please try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_count_per_address_whoever_they_claim_to_be(client, rep, other_rep, password):
    for index in range(5):
        page_sign_in(client, f"nobody{index}", "wrong", address="10.0.0.1")

    assert page_sign_in(client, "rep", password, address="10.0.0.1").status_code == 429
    assert page_sign_in(client, "rep", password, address="10.0.0.2").status_code == 302


def test_failures_count_per_username_from_any_address(client, rep, other_rep, password):
    for index in range(5):
        page_sign_in(client, "rep", "wrong", address=f"10.0.1.{index}")

    assert page_sign_in(client, "rep", password, address="10.0.2.1").status_code == 429
    assert page_sign_in(client, "other_rep", password, address="10.0.1.0").status_code == 302


def test_a_forged_forwarded_for_header_does_not_make_a_new_address(client, rep, password):
    for index in range(5):
        page_sign_in(client, f"nobody{index}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{index}")

    assert page_sign_in(client, "rep", password, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_successful_sign_ins_are_not_counted(client, rep, password):
    for _ in range(4):
        page_sign_in(client, "rep", "wrong")
    for _ in range(3):
        assert page_sign_in(client, "rep", password).status_code == 302
        client.logout()

    # Four failures from this address, none left for the username (it got in): one more
    # failure is still let through to be checked, and only then the address is refused.
    assert page_sign_in(client, "rep", "wrong").status_code == 200
    assert page_sign_in(client, "rep", password).status_code == 429


def test_the_refusal_ends_with_the_window(client, rep, password):
    with override_settings(SIGNIN_FAILURE_WINDOW_SECONDS=1):
        for _ in range(5):
            page_sign_in(client, "rep", "wrong")
        assert page_sign_in(client, "rep", password).status_code == 429
        time.sleep(1.2)
        assert page_sign_in(client, "rep", password).status_code == 302


@override_settings(API_THROTTLE_RATES=LOOSE_API_THROTTLE)
def test_api_token_endpoint_answers_429_throttled_with_retry_after(rep, password):
    statuses = [api_sign_in("rep", "wrong").status_code for _ in range(5)]
    response = api_sign_in("rep", password, **EN)

    assert statuses == [400] * 5
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert "Too many failed sign-in attempts" in body["detail"]
    assert 0 < int(response["Retry-After"]) <= 900
    assert "token" not in body


@override_settings(API_THROTTLE_RATES=LOOSE_API_THROTTLE)
def test_page_and_api_failures_add_up(client, rep, password):
    for _ in range(3):
        page_sign_in(client, "rep", "wrong")
    for _ in range(2):
        assert api_sign_in("rep", "wrong", address="10.0.3.1").status_code == 400

    assert api_sign_in("rep", password, address="10.0.3.2").status_code == 429
    assert page_sign_in(client, "rep", password, address="10.0.3.3").status_code == 429


def test_the_admin_sign_in_is_throttled_too(client, admin_user, password):
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "admin", "password": "wrong"}, **EN)
    response = client.post(url, {"username": "admin", "password": password}, **EN)

    assert response.status_code == 200  # the admin's own form page, with the message
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
