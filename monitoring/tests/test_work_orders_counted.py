"""Real-time control counts work orders — live ones, imported ones nobody filled — while history
imported before work orders became the request keeps every figure it had."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.delay import Delay
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.visibility import opportunity_visibility
from dispatch.work_orders import work_order_create
from monitoring.models import Alert, AlertKind, CellSnapshot
from monitoring.selectors import with_plans
from monitoring.services import recompute
from monitoring.tests.figure_record import DEMO_TODAY, DEMO_TZ, demo_end, recorded_figures
from presales.choices import Activity, PresalesStage
from presales.demo import demo_scenario
from presales.models import Opportunity
from presales.scenario import load_scenario
from presales.tests.scenario_files import reference_data

RECORDED = json.loads((Path(__file__).parent / "figures_before_work_orders.json").read_text(encoding="utf-8"))
HOUR = dt.timedelta(hours=1)


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
    assert 'data-figure="open_work_orders">5<' in page
    assert 'data-figure="unfilled_work_orders">0<' in page
