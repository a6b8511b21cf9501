"""The regional dashboard: the grid of cells and its alerts per role, alert actions in place, the
window asked for, recompute buttons, the CSV, the polled fragment, and a fixed query count."""

import codecs
import csv
import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.models import Engineer
from monitoring import views
from monitoring.models import Alert, AlertKind, AlertStatus, CellSnapshot, CellStatus
from monitoring.selectors.dashboard import day_end
from monitoring.services import alerts as alert_services
from monitoring.services import recompute as monitoring_services
from monitoring.tasks import recompute_cells
from presales.choices import Role
from presales.models import OutboxTask, Solution
from presales.tests.factories import RegionFactory, SolutionFactory, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**EN, "HTTP_HX_REQUEST": "true"}
DAY = dt.date(2026, 6, 15)
END = day_end(DAY)


# --- The dashboard -----------------------------------------------------------------------------


def snap(region, solution, end=END, **figures) -> CellSnapshot:
    values = {"work_orders": 10, "available_hours": Decimal("80.00"), "effective_hours": Decimal("40.00"), **figures}
    return CellSnapshot.objects.create(
        region=region,
        solution=solution,
        window_start=end - dt.timedelta(days=7),
        window_end=end,
        computed_at=end,
        **values,
    )


def alert(region, solution, kind, **extra) -> Alert:
    values = {"current": 8, "baseline": Decimal("2.50"), "window_end": END, "opened_at": END, **extra}
    return Alert.objects.create(region=region, solution=solution, kind=kind, **values)


@pytest.fixture
def solutions(db):
    return {code: SolutionFactory(code=code, name=f"Solution {code}") for code in "ABC"}


@pytest.fixture
def cells(north, east, solutions):
    """North × A severe with two alerts and a two-day trend; north × B normal; north × C not
    computed; east × A with an alert of its own."""
    a, b = solutions["A"], solutions["B"]
    for days_before, orders in ((2, 3), (1, 5)):
        snap(north, a, END - dt.timedelta(days=days_before), work_orders=orders, delayed_severe=1)
    snap(
        north,
        a,
        work_orders=12,
        delayed_slight=2,
        delayed_severe=4,
        responded_in_time=9,
        ratings=4,
        rating_sum=14,
        bad_reviews=1,
        status=CellStatus.SEVERE,
    )
    snap(north, b, work_orders=4, responded_in_time=4)
    snap(east, a, work_orders=7)
    return {
        "delay": alert(north, a, AlertKind.DELAY_SURGE),
        "volume": alert(north, a, AlertKind.VOLUME_SURGE, cleared_at=END),
        "east": alert(east, a, AlertKind.DELAY_SURGE),
    }


def get(client, user, url_name="monitoring:dashboard", query=None, **headers):
    client.force_login(user)
    return client.get(reverse(url_name), query or {}, **(headers or EN))


def test_manager_sees_only_their_regions_cells_and_alerts(client, manager, cells):
    response = get(client, manager, query={"date": "2026-06-15"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-region="north"' in body and 'data-region="east"' not in body
    assert "Window: 7 days to 2026-06-15 00:00 (from 2026-06-08 00:00)" in body
    grid = response.context["dashboard"]
    statuses = {(r.code, c.solution.code): c.status for r, row in grid.rows for c in row}
    assert statuses == {("north", "A"): "severe", ("north", "B"): "normal", ("north", "C"): "normal"}
    assert 'class="cell cell-severe" data-solution="A" data-status="severe"' in body
    assert 'class="cell cell-normal cell-empty" data-solution="C"' in body
    assert f'data-alert="{cells["delay"].pk}"' in body and f'data-alert="{cells["volume"].pk}"' in body
    assert f'data-alert="{cells["east"].pk}"' not in body


def test_cell_figures_are_shown(client, manager, cells):
    body = get(client, manager, query={"date": "2026-06-15"}).content.decode()
    assert '<dd data-figure="delays">2 + 4 · 50%</dd>' in body  # 6 of 12 delayed
    assert '<dd data-figure="timely">75%</dd>' in body  # 9 of 12
    assert '<dd data-figure="satisfaction">3.50</dd>' in body  # 14 / 4
    assert '<dd data-figure="bad_reviews">1 · 25%</dd>' in body
    assert '<dd data-figure="utilisation">50%</dd>' in body  # 40 h of 80 h


def cell_links(body: str, cell: str) -> dict[str, dict[str, list[str]]]:
    """The waiting-figure links of one cell, each as its path and parsed query."""
    html = body.split(f'data-testid="cell-{cell}"', 1)[1].split("</td>", 1)[0]
    links = re.findall(r'<a href="([^"]+)" data-testid="(open|unfilled)-work-orders"', html)
    return {
        figure: {"path": [urlsplit(url).path], **parse_qs(urlsplit(url.replace("&amp;", "&")).query)}
        for url, figure in links
    }


def test_waiting_figures_link_to_the_work_orders_they_count(client, manager, north, solutions, cells):
    CellSnapshot.objects.filter(region=north, solution=solutions["A"], window_end=END).update(
        open_work_orders=3, unfilled_work_orders=2
    )
    CellSnapshot.objects.filter(region=north, solution=solutions["B"], window_end=END).update(open_work_orders=1)
    response = get(client, manager)  # the newest window
    body = response.content.decode()
    cell = {"path": [reverse("dispatch:work_orders")], "region": ["north"], "solution": ["A"]}
    since = {"desired_end_from": ["2026-06-08T00:00"]}  # the window's start
    assert cell_links(body, "north-A") == {
        "open": cell | {"status": ["open", "partially_staffed"]} | since,
        "unfilled": cell | {"status": ["unfilled"]} | since,
    }
    assert '<dd data-figure="open_work_orders"><a href=' in body
    # Nothing waiting is not a link.
    assert set(cell_links(body, "north-B")) == {"open"}
    assert '<dd data-figure="unfilled_work_orders">0</dd>' in body
    # The polled fragment keeps them.
    assert cell_links(get(client, manager, **HTMX).content.decode(), "north-A") == cell_links(body, "north-A")


def test_a_past_windows_waiting_figures_and_a_leads_are_not_links(client, manager, lead, north, solutions, cells):
    CellSnapshot.objects.filter(region=north, solution=solutions["A"], window_end=END).update(open_work_orders=3)
    # A date asked for is history the list, judged now, cannot show.
    body = get(client, manager, query={"date": "2026-06-15"}).content.decode()
    assert cell_links(body, "north-A") == {} and '<dd data-figure="open_work_orders">3</dd>' in body
    # A lead watches the cells but has no work-order list of the region.
    body = get(client, lead).content.decode()
    assert cell_links(body, "north-A") == {} and '<dd data-figure="open_work_orders">3</dd>' in body


def test_sparkline_draws_the_daily_trend(client, manager, cells):
    response = get(client, manager, query={"date": "2026-06-15"})
    north_a = response.context["dashboard"].rows[0][1][0]
    assert [s.work_orders for s in north_a.trend] == [3, 5, 12]
    assert north_a.sparkline["orders"] == "0.0,20.0 60.0,16.0 120.0,2.0"
    assert north_a.sparkline["delayed"] == "0.0,24.0 60.0,24.0 120.0,14.0"
    body = response.content.decode()
    assert body.count('data-testid="sparkline"') == 2  # north × A and B; C has no snapshot
    assert '<polyline class="spark-orders" points="0.0,20.0 60.0,16.0 120.0,2.0"' in body


def test_sparkline_of_nothing_is_none():
    assert views.sparkline([]) is None


def test_alerts_show_their_plan_and_state(client, manager, cells):
    body = get(client, manager).content.decode()
    assert "预案一：发布抢单 Plan 1: open a grab order" in body
    assert "<li>通知区域内空闲工程师 Tell the region&#x27;s free engineers</li>" in body
    assert "预案二：跨区域借调 Plan 2: borrow engineers" in body
    assert body.count('data-testid="alert-cleared"') == 1  # the volume surge is over
    assert "8 vs 2.5" in body
    # Plan 1 opens the grab form for the solution, every region in scope and a +50% incentive.
    assert body.count('data-testid="start-plan"') == 1
    plan_1 = f"{reverse('grabbing:new')}?solution=A&amp;region=north&amp;wide=1&amp;uplift_percent=50"
    assert f'href="{plan_1}"' in body
    assert body.count('data-testid="acknowledge-alert"') == 2


def test_the_newest_window_is_shown_by_default(client, manager, cells):
    later = END + dt.timedelta(hours=3)
    snap(manager.regions.get(), cells["delay"].solution, later, work_orders=1)
    response = get(client, manager)
    assert response.context["dashboard"].end == later
    assert "Window: 7 days to 2026-06-15 03:00" in response.content.decode()


def test_admin_sees_every_region(client, admin_user, cells):
    RegionFactory(code="west")
    body = get(client, admin_user).content.decode()
    assert all(f'data-region="{code}"' in body for code in ("north", "east", "west"))
    assert f'data-alert="{cells["east"].pk}"' in body


def test_lead_sees_the_dashboard_but_cannot_act(client, lead, cells):
    body = get(client, lead).content.decode()
    assert f'data-alert="{cells["delay"].pk}"' in body
    assert 'data-testid="acknowledge-alert"' not in body and 'data-testid="recompute-now"' not in body
    response = client.post(reverse("monitoring:alert-acknowledge", args=[cells["delay"].pk]), **HTMX)
    assert response.status_code == 403
    assert client.post(reverse("monitoring:recompute")).status_code == 403


@pytest.mark.parametrize("persona", ["rep", "engineer_user"])
def test_reps_and_engineers_are_refused(client, request, persona, cells):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("monitoring:dashboard")).status_code == 403
    assert client.get(reverse("monitoring:cells-csv")).status_code == 403
    assert client.post(reverse("monitoring:alert-acknowledge", args=[cells["delay"].pk])).status_code == 403
    assert client.post(reverse("monitoring:recompute")).status_code == 403


def test_nothing_computed_yet(client, manager, solutions):
    body = get(client, manager).content.decode()
    assert "No window has been computed yet." in body and 'data-testid="not-computed"' in body
    assert 'data-testid="dashboard-grid"' in body and "No data" in body
    assert 'data-testid="no-alerts"' in body


def test_a_date_not_computed_says_so_and_computes_nothing(client, manager, cells):
    before = CellSnapshot.objects.count()
    response = get(client, manager, query={"date": "2026-06-10"})
    body = response.content.decode()
    assert "The window ending 2026-06-10 00:00 is not computed yet." in body
    assert 'data-testid="recompute-date"' in body and 'value="2026-06-10"' in body
    assert CellSnapshot.objects.count() == before
    # The trend still shows the daily windows before it.
    assert response.context["dashboard"].end == day_end(dt.date(2026, 6, 10))


def test_a_future_date_offers_no_recompute(client, manager, cells):
    body = get(client, manager, query={"date": "2099-01-01"}).content.decode()
    assert "is not computed yet" in body and 'data-testid="recompute-date"' not in body


def test_a_bad_date_shows_the_newest_window_with_an_error(client, manager, cells):
    response = get(client, manager, query={"date": "15/06/2026"})
    assert response.status_code == 200
    assert response.context["dashboard"].end == END
    assert "Enter a valid date." in response.content.decode()


def test_the_utilisation_table_lists_the_regions_engineers(client, manager, engineer_user, east, cells):
    Engineer.objects.create(user=engineer_user, region=manager.regions.get(), resource_type="presales", grade="P3")
    easterner = make_user("east_eng", roles=[Role.ENGINEER], regions=[east], display_name="East Engineer")
    Engineer.objects.create(user=easterner, region=east, resource_type="presales", grade="P3")
    response = get(client, manager, query={"date": "2026-06-15"})
    rows = response.context["utilisation"]
    assert [row.engineer.user.username for row in rows] == ["engineer"]
    assert response.context["utilisation_window"] == (END - dt.timedelta(days=7), END)
    assert 'data-testid="utilisation"' in response.content.decode()


# --- The polled fragment ---------------------------------------------------------------------


def test_htmx_poll_gets_only_the_live_fragment(client, manager, cells):
    full = get(client, manager, query={"date": "2026-06-15"}).content.decode()
    assert "<html" in full and 'hx-trigger="every 30s"' in full and 'id="utilisation-title"' in full
    assert 'hx-get="/monitoring/?date=2026-06-15"' in full
    partial = get(client, manager, query={"date": "2026-06-15"}, **HTMX)
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body and "<h1>" not in body
    assert body.lstrip().startswith('<div id="live"') and 'hx-trigger="every 30s"' in body
    assert 'data-testid="dashboard-grid"' in body and f'data-alert="{cells["delay"].pk}"' in body
    assert "utilisation" not in partial.context


# --- Acknowledge and resolve -----------------------------------------------------------------


def post_action(client, user, name, target, **headers):
    client.force_login(user)
    return client.post(reverse(f"monitoring:alert-{name}", args=[target.pk]), **(headers or HTMX))


def test_acknowledge_in_place_records_who(client, manager, cells):
    response = post_action(client, manager, "acknowledge", cells["delay"])
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="alert-{cells["delay"].pk}"') and "<html" not in body
    assert 'data-status="acknowledged"' in body and "Acknowledged by North Manager" in body
    assert 'data-testid="acknowledge-alert"' not in body and 'data-testid="resolve-alert"' in body
    cells["delay"].refresh_from_db()
    assert cells["delay"].status == AlertStatus.ACKNOWLEDGED and cells["delay"].acknowledged_by == manager


def test_resolve_in_place_records_who(client, manager, cells):
    response = post_action(client, manager, "resolve", cells["volume"])
    body = response.content.decode()
    assert 'data-status="resolved"' in body and "Resolved by North Manager" in body
    assert 'data-testid="resolve-alert"' not in body and 'data-testid="start-plan"' not in body
    cells["volume"].refresh_from_db()
    assert cells["volume"].status == AlertStatus.RESOLVED and cells["volume"].resolved_by == manager
    # Gone from the dashboard's active list.
    assert f'data-alert="{cells["volume"].pk}"' not in get(client, manager).content.decode()


def test_a_refused_action_is_shown_on_the_row(client, manager, cells):
    alert_services.alert_resolve(alert=cells["delay"], by=manager)
    response = post_action(client, manager, "acknowledge", cells["delay"])
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="row-error"' in body and "Only an open alert can be acknowledged." in body
    cells["delay"].refresh_from_db()
    assert cells["delay"].status == AlertStatus.RESOLVED and cells["delay"].acknowledged_by is None


def test_another_regions_alert_is_not_found(client, manager, cells):
    assert post_action(client, manager, "acknowledge", cells["east"]).status_code == 404
    assert post_action(client, manager, "resolve", cells["east"]).status_code == 404
    cells["east"].refresh_from_db()
    assert cells["east"].status == AlertStatus.OPEN


def test_a_plain_form_post_redirects_with_a_message(client, manager, cells):
    response = post_action(client, manager, "acknowledge", cells["delay"], **EN)
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:dashboard")
    page = client.get(response["Location"], **EN).content.decode()
    assert "Acknowledged" in page and 'class="message message-success"' in page


def test_actions_are_posts(client, manager, cells):
    client.force_login(manager)
    assert client.get(reverse("monitoring:alert-acknowledge", args=[cells["delay"].pk])).status_code == 405


# --- Recompute -------------------------------------------------------------------------------


def test_recompute_a_date_computes_that_window(client, manager, cells, monkeypatch):
    asked = []
    monkeypatch.setattr(
        monitoring_services,
        "recompute",
        lambda *, end: asked.append(end) or monitoring_services.RecomputeResult(end, 3, 3, 0, 0),
    )
    client.force_login(manager)
    response = client.post(reverse("monitoring:recompute"), {"date": "2026-06-10"}, **EN)
    assert asked == [day_end(dt.date(2026, 6, 10))]
    assert response["Location"] == f"{reverse('monitoring:dashboard')}?date=2026-06-10"
    assert (
        "Computed 3 cells for the window ending 2026-06-10 00:00."
        in client.get(response["Location"], **EN).content.decode()
    )


def test_recompute_a_date_really_upserts(client, admin_user, solutions):
    client.force_login(admin_user)
    client.post(reverse("monitoring:recompute"), {"date": "2026-06-10"})
    client.post(reverse("monitoring:recompute"), {"date": "2026-06-10"})
    assert Alert.objects.count() == 0  # nothing happened in an empty database, twice, without error


def test_a_window_that_has_not_ended_cannot_be_computed(client, manager, monkeypatch):
    monkeypatch.setattr(monitoring_services, "recompute", lambda **kwargs: pytest.fail("must not run"))
    client.force_login(manager)
    response = client.post(reverse("monitoring:recompute"), {"date": "2099-01-01"}, **EN)
    assert response.status_code == 302
    assert (
        "A window that has not ended yet cannot be computed." in client.get(response["Location"], **EN).content.decode()
    )


def test_recompute_now_queues_the_task(client, manager):
    client.force_login(manager)
    response = client.post(reverse("monitoring:recompute"), **EN)
    # Queued in the outbox; the test's transaction never commits, so it is not published yet.
    assert list(OutboxTask.objects.values_list("task", "args")) == [(recompute_cells.name, [])]
    assert response["Location"] == reverse("monitoring:dashboard")
    assert "Recompute requested" in client.get(response["Location"], **EN).content.decode()


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_one_row_per_cell_with_its_figures(client, manager, cells):
    response = get(client, manager, "monitoring:cells-csv", {"date": "2026-06-15"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="cells-20260615-0000.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:8] == [
        "Region code",
        "Region",
        "Solution code",
        "Solution",
        "Window start",
        "Window end",
        "Status",
        "Work orders",
    ]
    assert [(row[0], row[2]) for row in body] == [("north", "A"), ("north", "B"), ("north", "C")]
    north_a = dict(zip(header, body[0], strict=True))
    assert north_a["Window start"] == "2026-06-08T00:00:00+08:00"
    assert north_a["Window end"] == "2026-06-15T00:00:00+08:00"
    assert (north_a["Status"], north_a["Work orders"], north_a["Slight delays"], north_a["Severe delays"]) == (
        "severe",
        "12",
        "2",
        "4",
    )
    assert (north_a["Delay ratio"], north_a["Timely response rate"], north_a["Satisfaction average"]) == (
        "0.5000",
        "0.7500",
        "3.50",
    )
    assert (north_a["Bad-review ratio"], north_a["UT"]) == ("0.2500", "0.5000")
    assert north_a["Active alerts"] == "delay_surge volume_surge"
    north_c = dict(zip(header, body[2], strict=True))
    assert north_c["Work orders"] == "" and north_c["Status"] == "normal"


def test_csv_neutralises_text_that_would_be_a_formula_and_starts_with_a_bom(client, manager, cells, solutions):
    Solution.objects.filter(pk=solutions["B"].pk).update(name='=cmd|" /C calc"!A0')
    response = get(client, manager, "monitoring:cells-csv", {"date": "2026-06-15"})
    assert response.content.startswith(codecs.BOM_UTF8)
    header, *body = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    north_b = dict(zip(header, body[1], strict=True))
    assert north_b["Solution"] == '\'=cmd|" /C calc"!A0'
    assert (north_b["Work orders"], north_b["UT"]) == ("4", "0.5000")  # figures stay numbers


# --- Queries ---------------------------------------------------------------------------------


def count_queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("monitoring:dashboard"), **EN)  # warm sessions and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("monitoring:dashboard"), **EN).status_code == 200
    return len(queries.captured_queries)


def test_dashboard_queries_do_not_grow_with_cells_or_alerts(client, admin_user, north, solutions, lead):
    snap(north, solutions["A"])
    alert(north, solutions["A"], AlertKind.DELAY_SURGE, acknowledged_by=lead, status=AlertStatus.ACKNOWLEDGED)
    few = count_queries(client, admin_user)
    for code in ("south", "west", "east"):
        region = RegionFactory(code=code)
        for solution in solutions.values():
            snap(region, solution, END - dt.timedelta(days=1))
            snap(region, solution)
            for kind in AlertKind.values:
                alert(region, solution, kind, acknowledged_by=lead, status=AlertStatus.ACKNOWLEDGED)
    assert count_queries(client, admin_user) == few


@pytest.mark.parametrize(
    "ratio, shown",
    [
        (None, '<span class="muted">—</span>'),
        (Decimal("0.5"), "50%"),
        (Decimal("0.1234"), "12%"),
        (Decimal("1.25"), "125%"),
    ],
)
def test_ratios_show_as_whole_percentages(ratio, shown):
    from monitoring.templatetags.monitoring_tags import percent

    assert str(percent(ratio)) == shown
