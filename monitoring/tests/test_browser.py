"""The regional dashboard in a real browser: North China on the reference day (domain §4)."""

import datetime as dt
import importlib

import pytest
from django.urls import reverse

from monitoring.models import ContingencyPlan
from monitoring.services.recompute import recompute
from presales.tests.scenario_files import load, reference_data, reference_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AS_OF = dt.datetime.fromisoformat(reference_data()["as_of"])


@pytest.fixture
def reference_day():
    """The reference scenario recomputed at its as-of. The default plans come from a data
    migration, which an earlier transactional test may have flushed: put them back."""
    defaults = importlib.import_module("monitoring.migrations.0002_default_plans")
    for kind, code, title, steps in defaults.PLANS:
        ContingencyPlan.objects.get_or_create(kind=kind, defaults={"code": code, "title": title, "steps": steps})
    load(reference_path())
    recompute(end=AS_OF)


def sign_in(page, username: str, password: str) -> None:
    page.goto(reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('form.form button[type="submit"]')


def alert_kinds(cell) -> set[str]:
    return set(cell.locator("[data-alert-kind]").evaluate_all("links => links.map(a => a.dataset.alertKind)"))


def test_north_china_on_the_reference_day(reference_day, browser_page, password):
    page = browser_page
    sign_in(page, "mgr_north", password)
    page.wait_for_url(f"**{reverse('monitoring:dashboard')}")
    page.goto(f"{reverse('monitoring:dashboard')}?date={AS_OF.date().isoformat()}")

    grid = page.get_by_test_id("dashboard-grid")
    assert grid.locator("tbody tr[data-region]").evaluate_all("rows => rows.map(r => r.dataset.region)") == ["north"]
    north_a, north_b, north_c = (page.get_by_test_id(f"cell-north-{code}") for code in "ABC")
    assert alert_kinds(north_a) == {"delay_surge", "volume_surge"}
    assert alert_kinds(north_b) == {"bad_review_surge", "volume_surge"}
    assert alert_kinds(north_c) == set()
    assert north_c.get_attribute("data-status") == "normal"
    assert north_a.locator('[data-figure="work_orders"]').inner_text() != "0"
    assert north_a.get_by_test_id("sparkline").is_visible()

    alerts = page.get_by_test_id("alerts").locator("tbody tr")
    assert alerts.count() == 4
    titles = {plan.kind: plan.title for plan in ContingencyPlan.objects.all()}
    for row in alerts.all():
        kind = row.get_attribute("data-kind")
        assert row.get_attribute("data-cell") in {"north-A", "north-B"}
        assert row.get_attribute("data-status") == "open"
        assert titles[kind] in row.get_by_test_id("alert-plan").inner_text()
        assert row.locator(".plan-steps li").count() == 3
    delay = page.locator('[data-testid="alerts"] tr[data-kind="delay_surge"]')
    assert "solution=A" in delay.get_by_test_id("start-plan").get_attribute("href")

    delay.get_by_test_id("acknowledge-alert").click()
    acknowledged = page.locator('[data-testid="alerts"] tr[data-kind="delay_surge"][data-status="acknowledged"]')
    acknowledged.wait_for()
    assert acknowledged.get_by_test_id("acknowledge-alert").count() == 0
    assert acknowledged.get_by_test_id("resolve-alert").is_visible()
    assert page.locator('[data-testid="alerts"] tr[data-status="open"]').count() == 3
