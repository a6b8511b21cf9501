"""Budgets through the API: visibility per role, figures, ledger, adjustments."""

from decimal import Decimal

import pytest

from budgeting.models import LedgerKind
from budgeting.services.ledger import budget_reserve
from budgeting.tests.factories import open_budget
from presales.choices import Role
from presales.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def budgets(rep, other_rep, east):
    east_rep = make_user("east_rep", roles=[Role.SALES], regions=[east])
    return {
        "rep": open_budget(rep, "2026Q2", allocated="100000.00"),
        "other_rep": open_budget(other_rep, "2026Q2", allocated="50000.00"),
        "east_rep": open_budget(east_rep, "2026Q2", allocated="70000.00"),
        "rep_q3": open_budget(rep, "2026Q3", allocated="10000.00"),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("rep", {"rep"}),
        ("other_rep", {"other_rep"}),
        ("manager", {"rep", "other_rep"}),
        ("other_manager", {"east_rep"}),
        ("admin_user", {"rep", "other_rep", "east_rep"}),
        ("engineer_user", set()),
        ("lead", set()),
    ],
)
def test_budgets_visible_per_role(request, api, budgets, persona, visible):
    client = api.as_user(request.getfixturevalue(persona))
    assert _ids(client.get("/api/v1/budgets/?period=2026Q2")) == {budgets[key].pk for key in visible}


def test_a_budget_shows_its_figures_as_exact_strings_and_its_basis(api, rep, budgets):
    budget_reserve(budget=budgets["rep"], amount="12345.67", booking_id=3, by=rep)
    body = api.as_user(rep).get(f"/api/v1/budgets/{budgets['rep'].pk}/").json()
    assert body["period"] == "2026Q2"
    assert body["owner"] == rep.pk
    assert (body["allocated"], body["adjustments"], body["reserved"], body["spent"], body["remaining"]) == (
        "100000.00",
        "0.00",
        "12345.67",
        "0.00",
        "87654.33",
    )
    assert body["basis"]["tiers"]["A"]["ratio"] == "0.0150"
    assert body["basis"]["attainment_factor"] == "1"


def test_another_reps_budget_is_404(api, rep, budgets):
    client = api.as_user(rep)
    assert client.get(f"/api/v1/budgets/{budgets['other_rep'].pk}/").status_code == 404
    assert client.get(f"/api/v1/budgets/{budgets['other_rep'].pk}/ledger/").status_code == 404
    response = client.post(
        f"/api/v1/budgets/{budgets['other_rep'].pk}/adjust/", {"amount": "1", "reason": "x"}, format="json"
    )
    assert response.status_code == 404


def test_a_bad_period_is_a_400(api, rep, budgets):
    response = api.as_user(rep).get("/api/v1/budgets/?period=2026-2")
    assert response.status_code == 400
    assert "period" in response.json()["fields"]


def test_the_ledger_lists_lines_with_who_and_why(api, rep, budgets):
    budget_reserve(budget=budgets["rep"], amount="100", booking_id=42, by=rep, reason="workshop")
    body = api.as_user(rep).get(f"/api/v1/budgets/{budgets['rep'].pk}/ledger/").json()
    assert body["count"] == 2
    allocate, reserve = body["results"]
    assert allocate["kind"] == "allocate" and allocate["amount"] == "100000.00" and allocate["booking"] is None
    assert reserve == {
        **reserve,
        "kind": "reserve",
        "amount": "100.00",
        "booking": 42,
        "by": rep.pk,
        "by_name": rep.name,
        "reason": "workshop",
        "flagged": False,
    }
    filtered = api.as_user(rep).get(f"/api/v1/budgets/{budgets['rep'].pk}/ledger/?kind=reserve").json()
    assert [line["kind"] for line in filtered["results"]] == ["reserve"]


def test_a_manager_adjusts_a_budget_of_their_region(api, manager, budgets):
    response = api.as_user(manager).post(
        f"/api/v1/budgets/{budgets['rep'].pk}/adjust/", {"amount": "5000.50", "reason": "Big tender"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["entry"]["kind"] == LedgerKind.ADJUST
    assert body["entry"]["by"] == manager.pk
    assert body["budget"]["adjustments"] == "5000.50"
    assert body["budget"]["remaining"] == "105000.50"


def test_an_adjustment_without_a_reason_is_a_400(api, manager, budgets):
    response = api.as_user(manager).post(f"/api/v1/budgets/{budgets['rep'].pk}/adjust/", {"amount": "5"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "reason" in response.json()["fields"]
    assert not budgets["rep"].entries.filter(kind=LedgerKind.ADJUST).exists()


def test_reps_cannot_adjust_their_own_budget(api, rep, budgets):
    response = api.as_user(rep).post(
        f"/api/v1/budgets/{budgets['rep'].pk}/adjust/", {"amount": "5", "reason": "please"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_managers_cut_beyond_remaining_is_409(api, manager, budgets):
    response = api.as_user(manager).post(
        f"/api/v1/budgets/{budgets['rep'].pk}/adjust/", {"amount": "-100000.01", "reason": "cut"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "budget_exceeded"
    budgets["rep"].refresh_from_db()
    assert budgets["rep"].remaining == Decimal("100000.00")


def test_adjust_honours_idempotency_keys(api, manager, budgets):
    client = api.as_user(manager)
    url = f"/api/v1/budgets/{budgets['rep'].pk}/adjust/"
    for _ in range(2):
        response = client.post(url, {"amount": "10", "reason": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="adj-1")
        assert response.status_code == 201
    assert budgets["rep"].entries.filter(kind=LedgerKind.ADJUST).count() == 1
