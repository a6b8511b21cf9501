"""The "My budget" placeholder: a rep's own sales targets and attainment per quarter."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgeting.models import Attainment
from budgeting.selectors import sales_targets_by_quarter
from budgeting.tests.factories import give_targets

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_targets_by_quarter_are_the_reps_own_newest_first(rep, other_rep):
    give_targets(rep, "2026Q1", A="1000000.00", C="250000.50")
    give_targets(rep, "2026Q2", B="300000.00")
    give_targets(other_rep, "2026Q2", A="9999999.00")
    Attainment.objects.create(rep=rep, period="2026Q1", attainment=Decimal("0.9500"))
    rows = sales_targets_by_quarter(rep=rep)
    assert [row["period"] for row in rows] == ["2026Q2", "2026Q1"]
    assert rows[0]["targets"] == [None, Decimal("300000.00"), None, None]
    assert rows[0]["total"] == Decimal("300000.00") and rows[0]["attainment"] is None
    assert rows[1]["total"] == Decimal("1250000.50") and rows[1]["attainment"] == Decimal("0.9500")


def test_attainment_without_targets_still_shows_its_quarter(rep):
    Attainment.objects.create(rep=rep, period="2025Q4", attainment=Decimal("1.1000"))
    assert [(row["period"], row["total"]) for row in sales_targets_by_quarter(rep=rep)] == [("2025Q4", Decimal("0.00"))]


def test_my_budget_page_shows_targets_attainment_and_what_comes_later(client, rep, other_rep):
    give_targets(rep, "2026Q1", A="1000000.00")
    give_targets(other_rep, "2026Q1", A="7777777.00")
    Attainment.objects.create(rep=rep, period="2026Q1", attainment=Decimal("0.9500"))
    client.force_login(rep)
    response = client.get(reverse("budgeting:mine"), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-period="2026Q1"' in body
    assert "1,000,000.00" in body and "95%" in body
    assert "7,777,777.00" not in body
    assert "ledger" in body and "later release" in body


def test_my_budget_page_without_targets(client, rep):
    client.force_login(rep)
    body = client.get(reverse("budgeting:mine"), **EN).content.decode()
    assert "No sales targets have been recorded for you yet." in body
