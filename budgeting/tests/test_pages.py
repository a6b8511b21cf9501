"""The budget pages: "My budget" for reps, "Team budgets" and adjustments for managers."""

import codecs
import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.models import Attainment, LedgerEntry, LedgerKind
from budgeting.selectors.budgets import sales_targets_by_quarter
from budgeting.services.ledger import budget_adjust, budget_reserve
from budgeting.tests.factories import give_targets, open_budget
from presales.choices import Role
from presales.periods import Quarter
from presales.tests.factories import make_user

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


def test_my_budget_page_shows_targets_and_attainment(client, rep, other_rep):
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
    assert "later release" not in body


def test_my_budget_page_without_targets(client, rep):
    client.force_login(rep)
    body = client.get(reverse("budgeting:mine"), **EN).content.decode()
    assert "No sales targets have been recorded for you yet." in body


@pytest.mark.parametrize("name", ["budgeting:mine", "budgeting:team"])
def test_a_period_that_is_not_a_quarter_is_said_and_the_current_quarter_shown(client, rep, manager, name):
    client.force_login(rep if name == "budgeting:mine" else manager)
    response = client.get(reverse(name), {"period": "2026Q9"}, **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026Q9 is not a quarter; use the form 2026Q2." in body
    assert response.context["period"] == str(Quarter.of(timezone.now()))
    quiet = client.get(reverse(name), **EN).content.decode()
    assert "is not a quarter" not in quiet


def test_my_budget_shows_figures_bar_basis_and_ledger(client, rep):
    budget = open_budget(rep, "2026Q2", allocated="100000.00", attainment="1.0000")
    budget_reserve(budget=budget, amount="25000.00", booking_id=7, by=rep, reason="Demo")
    client.force_login(rep)
    body = client.get(reverse("budgeting:mine"), {"period": "2026Q2"}, **EN).content.decode()
    assert 'data-figure="allocated">100,000.00' in body
    assert 'data-figure="reserved">25,000.00' in body
    assert 'data-figure="remaining">75,000.00' in body
    assert 'data-figure="overrun"' not in body
    assert 'class="budget-bar-reserved" style="width: 25.00%"' in body
    assert 'class="budget-bar-remaining" style="width: 75.00%"' in body
    assert 'data-tier="A"' in body and "6,666,666.67" in body and "2026Q1" in body
    assert 'data-kind="allocate"' in body and 'data-kind="reserve"' in body and "Demo" in body
    assert reverse("budgeting:ledger-csv", args=[budget.pk]) in body


def test_quarter_switcher_and_missing_budget(client, rep):
    open_budget(rep, "2026Q1", allocated="1000.00")
    open_budget(rep, "2026Q2", allocated="2000.00")
    client.force_login(rep)
    body = client.get(reverse("budgeting:mine"), {"period": "2026Q1"}, **EN).content.decode()
    assert '<option value="2026Q1" selected>' in body and '<option value="2026Q2">' in body
    assert 'data-figure="allocated">1,000.00' in body
    body = client.get(reverse("budgeting:mine"), {"period": "2025Q3"}, **EN).content.decode()
    assert "You have no budget for 2025Q3." in body and 'data-testid="figures"' not in body


def test_ledger_kind_filter(client, rep):
    budget = open_budget(rep, "2026Q2")
    budget_reserve(budget=budget, amount="10.00", booking_id=1, by=rep)
    client.force_login(rep)
    body = client.get(reverse("budgeting:mine"), {"period": "2026Q2", "kind": "reserve"}, **EN).content.decode()
    assert 'data-kind="reserve"' in body and 'data-kind="allocate"' not in body
    assert "kind=reserve" in body  # the CSV link keeps the filter


def test_ledger_csv_and_others_get_404(client, rep, other_rep):
    budget = open_budget(rep, "2026Q2", allocated="500.00")
    budget_reserve(budget=budget, amount="12.50", booking_id=3, by=rep, reason="Trip")
    client.force_login(rep)
    url = reverse("budgeting:ledger-csv", args=[budget.pk])
    response = client.get(url, **EN)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("At,Kind,Amount,Booking,By,Reason")
    assert len(lines) == 3 and "reserve,12.50,3," in lines[2] and "Trip" in lines[2]
    only = client.get(url, {"kind": "allocate"}, **EN).content.decode("utf-8-sig").strip().splitlines()
    assert len(only) == 2 and "allocate,500.00" in only[1]
    client.force_login(other_rep)
    assert client.get(url).status_code == 404
    assert client.get(reverse("budgeting:detail", args=[budget.pk])).status_code == 404


def test_ledger_csv_neutralises_formulas_keeps_negative_amounts_numbers_and_starts_with_a_bom(client, rep, manager):
    budget = open_budget(rep, "2026Q2", allocated="5000.00")
    budget_adjust(budget=budget, amount="-1200.00", reason='=HYPERLINK("http://x","click")', by=manager)
    budget_reserve(budget=budget, amount="12.50", booking_id=3, by=rep, reason="@SUM(A1:A9)")
    budget_reserve(budget=budget, amount="7.00", booking_id=4, by=rep, reason="-2+3")
    client.force_login(rep)
    response = client.get(reverse("budgeting:ledger-csv", args=[budget.pk]), **EN)
    assert response.content.startswith(codecs.BOM_UTF8)  # Excel in a Chinese locale reads it as UTF-8
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert header[0] == "At"
    by_kind = {row[1]: row for row in rows if row[1] != LedgerKind.RESERVE}
    adjust = dict(zip(header, by_kind[LedgerKind.ADJUST], strict=True))
    assert adjust["Reason"] == '\'=HYPERLINK("http://x","click")'
    assert adjust["Amount"] == "-1200.00"  # a number the product wrote, not text: left a number
    assert sorted(row[5] for row in rows if row[1] == LedgerKind.RESERVE) == ["'-2+3", "'@SUM(A1:A9)"]


def test_rep_gets_403_on_team_page(client, rep):
    client.force_login(rep)
    assert client.get(reverse("budgeting:team")).status_code == 403


def test_manager_sees_only_their_regions_reps(client, rep, manager, east):
    far = make_user("far_rep", roles=[Role.SALES], regions=[east], display_name="Far Rep")
    mine = open_budget(rep, "2026Q2")
    theirs = open_budget(far, "2026Q2")
    client.force_login(manager)
    body = client.get(reverse("budgeting:team"), {"period": "2026Q2"}, **EN).content.decode()
    assert f'data-budget="{mine.pk}"' in body and f'data-budget="{theirs.pk}"' not in body
    assert 'data-nav="budgeting:team"' in body
    assert client.get(reverse("budgeting:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("budgeting:detail", args=[theirs.pk])).status_code == 404


def test_manager_adjusts_with_a_reason(client, rep, manager):
    budget = open_budget(rep, "2026Q2", allocated="1000.00")
    client.force_login(manager)
    response = client.post(
        reverse("budgeting:adjust", args=[budget.pk]), {"amount": "250.00", "reason": "Big tender"}, **EN
    )
    assert response.status_code == 302 and response["Location"].endswith("?period=2026Q2")
    entry = LedgerEntry.objects.get(budget=budget, kind=LedgerKind.ADJUST)
    assert entry.amount == Decimal("250.00") and entry.by == manager and entry.reason == "Big tender"
    budget.refresh_from_db()
    assert budget.adjustments == Decimal("250.00")


def test_adjust_without_reason_shows_the_error_and_writes_nothing(client, rep, manager):
    budget = open_budget(rep, "2026Q2")
    client.force_login(manager)
    response = client.post(
        reverse("budgeting:adjust", args=[budget.pk]), {"amount": "10.00", "reason": " "}, follow=True, **EN
    )
    assert "Say why the budget is adjusted." in response.content.decode()
    assert not LedgerEntry.objects.filter(budget=budget, kind=LedgerKind.ADJUST).exists()


def test_other_manager_cannot_adjust_a_north_budget(client, rep, other_manager):
    budget = open_budget(rep, "2026Q2")
    client.force_login(other_manager)
    response = client.post(reverse("budgeting:adjust", args=[budget.pk]), {"amount": "10.00", "reason": "x"})
    assert response.status_code == 404
    assert not LedgerEntry.objects.filter(budget=budget, kind=LedgerKind.ADJUST).exists()
