"""Real-time control counts work orders — live ones, imported ones nobody filled — while history
imported before work orders became the request keeps every figure it had."""

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.tests.factories import open_budget
from dispatch.delay import Delay
from dispatch.selectors.visibility import opportunity_visibility
from dispatch.services.bookings import work_order_cancel
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_pages import at, book, next_monday
from monitoring.models import Alert, AlertKind, CellSnapshot
from monitoring.selectors.dashboard import with_plans
from monitoring.services.recompute import recompute
from monitoring.tests.figure_record import DEMO_TODAY, DEMO_TZ, demo_end, recorded_figures
from presales.choices import Activity, PresalesStage, Role
from presales.demo import demo_scenario
from presales.models import Opportunity
from presales.periods import Quarter
from presales.scenario import load_scenario
from presales.tests.factories import SolutionFactory, make_user
from presales.tests.scenario_files import reference_data

RECORDED = json.loads((Path(__file__).parent / "figures_before_work_orders.json").read_text(encoding="utf-8"))
HOUR = dt.timedelta(hours=1)
# Late and waiting work orders are placed around now; no threads, workers or browser here.
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["reference", "demo"])
def test_history_keeps_the_figures_it_had_before_work_orders(name):
    if name == "reference":
        data, end = reference_data(), dt.datetime.fromisoformat(reference_data()["as_of"])
    else:
        data, end = demo_scenario(DEMO_TODAY, DEMO_TZ), demo_end()
    load_scenario(data, name=name, password=None)
    assert recorded_figures(end) == RECORDED[name]


def _with_requests_nobody_filled(as_of: dt.datetime) -> dict:
    """The reference file plus two work orders on o1 (north × A) without bookings: one wanted
    72 h before ``as_of``, one wanted the day after it."""
    data = copy.deepcopy(reference_data())
    for key, desired in (("late", as_of - 72 * HOUR), ("ahead", as_of + 24 * HOUR)):
        data["work_orders"].append(
            {
                "key": f"unfilled-{key}",
                "opportunity": "o1",
                "created_at": (as_of - 96 * HOUR).isoformat(),
                "desired_start": desired.isoformat(),
                "desired_end": (desired + 8 * HOUR).isoformat(),
                "engineers_needed": 2,
                "skills": [{"code": data["skills"][0]["code"], "min_level": 3}],
                "stage": "bidding",
                "activity": "bid_writing",
                "bookings": [],
            }
        )
    return data


@pytest.mark.django_db
def test_an_imported_request_nobody_filled_is_late_on_its_opportunity_and_in_its_cell():
    as_of = dt.datetime.fromisoformat(reference_data()["as_of"])
    load_scenario(_with_requests_nobody_filled(as_of), name="unfilled", password=None)
    opportunity = Opportunity.objects.get(key="o1")
    seen = opportunity_visibility(opportunity=opportunity, viewer=opportunity.owner, now=as_of)
    by_key = {dispatch.work_order.key: dispatch for dispatch in seen.dispatches}
    assert by_key["unfilled-late"].delay == Delay.SEVERE
    assert by_key["unfilled-late"].lateness_hours == 72
    assert by_key["unfilled-ahead"].delay == Delay.PENDING
    assert by_key["unfilled-ahead"].lateness_hours == -24  # wanted in a day: not late
    assert by_key["unfilled-late"].work_order.skills.get().min_level == 3

    recompute(end=as_of, now=as_of)
    before = RECORDED["reference"]["cells"]["north/A"]
    cell = CellSnapshot.objects.get(region__code="north", solution__code="A", window_end=as_of)
    assert cell.work_orders == before["work_orders"] + 2
    assert cell.delayed_severe == before["delayed_severe"] + 1
    assert cell.delayed_slight == before["delayed_slight"]
    assert (cell.open_work_orders, cell.unfilled_work_orders) == (1, 1)


@pytest.fixture
def five_late(rep, north, solution_a):
    """Five work orders opened ten minutes ago in north × A (before the recompute's window end,
    which is now floored to five minutes), each wanted since yesterday, nobody booked."""
    make_engineer("idle", region=north, solutions=[solution_a])
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    now = timezone.now() - dt.timedelta(minutes=10)
    return [
        work_order_create(
            by=rep,
            opportunity=opportunity,
            stage=PresalesStage.VALUE_PRESENTATION,
            activity=Activity.WORKSHOP,
            desired_start=now - 24 * HOUR,
            desired_end=now + 24 * HOUR,
            now=now,
        )
        for _ in range(5)
    ]


@pytest.mark.django_db
def test_five_late_work_orders_in_one_cell_raise_a_delay_surge_with_plan_1(five_late, north, solution_a):
    result = recompute()
    cell = CellSnapshot.objects.get(region=north, solution=solution_a, window_end=result.end)
    assert (cell.work_orders, cell.delayed_slight, cell.open_work_orders) == (5, 5, 5)
    alert = Alert.objects.get(region=north, solution=solution_a, kind=AlertKind.DELAY_SURGE)
    assert alert.current == 5
    [shown] = with_plans([alert])
    assert shown.plan.code == "plan1"


@pytest.mark.django_db
def test_the_dashboard_shows_each_cells_waiting_work_orders(client, manager, five_late):
    recompute()
    client.force_login(manager)
    page = client.get(reverse("monitoring:dashboard")).content.decode()
    assert re.search(r'data-figure="open_work_orders"><a href="[^"]+" data-testid="open-work-orders"[^>]*>5</a>', page)
    assert 'data-figure="unfilled_work_orders">0<' in page  # nothing to link to


def _waiting(rep, opportunity, *, start, end, created, needed=1):
    return work_order_create(
        by=rep,
        opportunity=opportunity,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity=Activity.WORKSHOP,
        desired_start=start,
        desired_end=end,
        engineers_needed=needed,
        now=created,
        allow_past=True,
    )


def _linked(client, page: str, cell: str, figure: str) -> set[int]:
    """The work orders listed behind ``figure``'s link in ``cell`` of the dashboard ``page``."""
    html = page.split(f'data-testid="cell-{cell}"', 1)[1].split("</td>", 1)[0]
    url = re.search(rf'<a href="([^"]+)" data-testid="{figure}"', html).group(1).replace("&amp;", "&")
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return {int(pk) for pk in re.findall(r'<tr id="work-order-(\d+)"', body)}


@pytest.mark.django_db
def test_each_waiting_figure_links_to_exactly_the_work_orders_it_counts(client, rep, manager, north, east, solution_a):
    """North × A: waiting now (open, two needed with one booked) and unfilled in the window are
    counted and listed; one unfilled since before the window, a staffed one, a cancelled one,
    north × B's and east × A's are neither."""
    now, monday = timezone.now(), next_monday()
    wang = make_engineer("wang", region=north, solutions=[solution_a])
    open_budget(rep, str(Quarter.of(at(monday, 10))))
    cell = make_opportunity(rep, region=north, solution=solution_a)
    other_solution = make_opportunity(rep, region=north, solution=SolutionFactory(code="B"))
    east_rep = make_user("east_rep", roles=[Role.SALES], regions=[east])
    elsewhere = make_opportunity(east_rep, region=east, solution=solution_a)
    day = dt.timedelta(days=1)
    ahead = {"start": at(monday, 10), "end": at(monday, 12), "created": now - HOUR}
    waiting = _waiting(rep, cell, **ahead)
    unfilled = _waiting(rep, cell, start=now - 3 * day, end=now - 3 * day + HOUR, created=now - 4 * day)
    history = _waiting(rep, cell, start=now - 9 * day, end=now - 9 * day + HOUR, created=now - 10 * day)
    cancelled = _waiting(rep, cell, **ahead)
    work_order_cancel(work_order=cancelled, by=rep, reason="")
    _waiting(rep, other_solution, **ahead)
    _waiting(east_rep, elsewhere, **ahead)
    staffed, partial = _waiting(rep, cell, **ahead), _waiting(rep, cell, **ahead, needed=2)
    book(rep, wang, cell, at(monday, 10), hours=2, work_order=staffed)
    book(rep, wang, cell, at(monday, 14), hours=2, work_order=partial)
    result = recompute()
    snapshot = CellSnapshot.objects.get(region=north, solution=solution_a, window_end=result.end)
    assert (snapshot.open_work_orders, snapshot.unfilled_work_orders) == (2, 1)
    client.force_login(manager)
    page = client.get(reverse("monitoring:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _linked(client, page, "north-A", "open-work-orders") == {waiting.pk, partial.pk}
    assert _linked(client, page, "north-A", "unfilled-work-orders") == {unfilled.pk}
    # Unfilled since before the window, it is still unfilled: the link's desired-end bound leaves it out.
    everything = client.get(reverse("dispatch:work_orders"), {"status": "unfilled"}).content.decode()
    assert f'id="work-order-{history.pk}"' in everything
