"""The pages in a real browser: sign in, land on the role's page, switch language, sign out."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str) -> None:
    page.goto(reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('form.form button[type="submit"]')


def nav_labels(page) -> list[str]:
    return [label.strip() for label in page.locator("nav.nav a").all_inner_texts()]


def test_rep_signs_in_switches_to_english_and_signs_out(browser_page, rep, password):
    page = browser_page
    sign_in(page, "rep", password)

    page.wait_for_url(f"**{reverse('dispatch:find')}")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "查找工程师"
    rep_nav = ["查找工程师", "我的工单", "我的预约", "商机", "服务抢单", "升级申请", "我的经费", "远程热线"]
    assert nav_labels(page) == rep_nav
    assert page.locator('nav.nav a[aria-current="page"]').inner_text() == "查找工程师"
    assert page.get_by_test_id("user-name").inner_text() == "销售 Rep"
    # The vendored htmx and the stylesheet are served and loaded.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "block"

    page.click('.lang-switch button[value="en"]')
    page.wait_for_url(f"**{reverse('dispatch:find')}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Find engineers"
    english = [
        "Find engineers",
        "My work orders",
        "My bookings",
        "Opportunities",
        "Grab orders",
        "Escalations",
        "My budget",
        "Hotline",
    ]
    assert nav_labels(page) == english
    assert "Sales rep" in page.locator(".who").inner_text()

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(f"**{reverse('login')}")
    assert page.locator("h1").inner_text() == "Sign in"
    page.goto(reverse("dispatch:find"))
    assert reverse("login") in page.url


def test_wrong_password_stays_on_the_sign_in_page(browser_page, rep):
    page = browser_page
    sign_in(page, "rep", "not-the-password")
    assert page.locator('[role="alert"]').is_visible()
    assert reverse("login") in page.url


def test_manager_signs_in_and_lands_on_the_dashboard(browser_page, manager, password, solution_a):
    page = browser_page
    sign_in(page, "manager", password)
    page.wait_for_url(f"**{reverse('monitoring:dashboard')}")
    assert page.locator("h1").inner_text() == "区域看板"
    assert nav_labels(page) == ["查找工程师", "工单", "商机", "升级申请", "团队经费", "区域看板"]
    grid = page.get_by_test_id("dashboard-grid")
    assert grid.locator("tbody tr").count() == 1
    # Nothing is computed yet: the north row's cells show as normal (empty), and the page says so.
    assert grid.locator('tbody tr[data-region="north"] td').first.get_attribute("data-status") == "normal"
    assert page.get_by_test_id("not-computed").is_visible()
