"""Full-process visibility in a real browser: with the reference file loaded, rep A opens o1 from
the opportunities list and sees each engineer's hours by stage, the dispatch delays and ratings."""

import pytest
from django.urls import reverse

from dispatch.tests.test_browser import sign_in
from presales.models import Opportunity
from presales.tests.factories import PASSWORD
from presales.tests.scenario_files import load, reference_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_opens_o1_and_sees_hours_delays_and_ratings(browser_page):
    load(reference_path())
    o1 = Opportunity.objects.get(key="o1")
    page = browser_page

    sign_in(page, "rep_a", PASSWORD)
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    page.goto(reverse("presales:opportunities"))
    page.get_by_role("link", name=o1.name).click()
    page.wait_for_url(f"**{reverse('dispatch:opportunity', args=[o1.pk])}")
    assert page.get_by_test_id("opportunity-name").inner_text() == o1.name

    table = page.get_by_test_id("engineer-hours")

    def cell(engineer: str, key: str) -> str:
        row = table.locator(f'tr[data-engineer="{engineer}"]')
        return row.locator(f'[data-stage="{key}"], [data-figure="{key}"]').inner_text().strip()

    assert cell("zhang", "total-hours") == "80"
    assert [cell("zhang", stage) for stage in ("value_presentation", "bid_preparation", "bidding")] == [
        "16",
        "32",
        "32",
    ]
    assert (cell("li", "total-hours"), cell("li", "value_presentation")) == ("32", "32")
    assert (cell("wang", "total-hours"), cell("wang", "value_presentation")) == ("40", "40")

    # The stacked chart and the timeline draw the same engineers.
    chart = page.locator('[data-testid="hours-by-engineer"] .hours-row')
    assert chart.count() == 3
    assert page.locator('[data-testid="hours-by-engineer"] .hours-row[data-engineer="zhang"] .hours-seg').count() == 3
    assert page.locator('[data-testid="timeline"] .gantt-row[data-engineer]').count() == 3

    badges = page.locator('[data-testid="dispatch-list"] [data-delay]')
    delays = [badges.nth(i).get_attribute("data-delay") for i in range(badges.count())]
    assert sorted(delays) == ["on_time", "severe", "severe", "slight"]
    summary = page.get_by_test_id("visibility-summary")
    assert [summary.locator(f'[data-figure="{name}"]').inner_text() for name in ("on_time", "slight", "severe")] == [
        "1",
        "1",
        "2",
    ]

    def satisfaction(engineer: str) -> str:
        return table.locator(f'tr[data-engineer="{engineer}"] [data-satisfaction]').get_attribute("data-satisfaction")

    assert [satisfaction(name) for name in ("zhang", "li", "wang")] == ["satisfied", "neutral", "satisfied"]
    assert summary.locator('[data-figure="spent"]').is_visible()
