"""Recomputing cells and surge alerts: the reference week, idempotence, life cycle."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from monitoring.figures import WindowCounts
from monitoring.models import Alert, AlertKind, AlertStatus, CellSnapshot, ContingencyPlan, MonitoringPolicy
from monitoring.services.alerts import alert_acknowledge, alert_resolve
from monitoring.services.recompute import recompute, surge
from monitoring.tasks import HARD_LIMIT, SOFT_LIMIT, recompute_cells
from presales.exceptions import InvalidState, NotFound
from presales.models import User
from presales.tests.scenario_files import reference_data

AS_OF = dt.datetime.fromisoformat(reference_data()["as_of"])


@pytest.fixture
def reference(reference_scenario, db):
    """The reference organisation, imported once for the module (the race between real
    transactions is in test_recompute_races.py)."""


def alerts_by_cell() -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for alert in Alert.objects.select_related("region", "solution"):
        found.setdefault((alert.region.code, alert.solution.code), set()).add(alert.kind)
    return found


def state() -> tuple[list, list]:
    snapshots = list(CellSnapshot.objects.order_by("pk").values())
    alerts = list(Alert.objects.order_by("pk").values())
    return snapshots, alerts


def snapshot(region: str, solution: str) -> CellSnapshot:
    return CellSnapshot.objects.get(region__code=region, solution__code=solution, window_end=AS_OF)


@pytest.mark.django_db
def test_the_reference_week_in_north_china(reference):
    recompute(end=AS_OF)
    found = alerts_by_cell()
    assert found[("north", "A")] == {AlertKind.DELAY_SURGE, AlertKind.VOLUME_SURGE}
    assert found[("north", "B")] == {AlertKind.BAD_REVIEW_SURGE, AlertKind.VOLUME_SURGE}
    assert ("north", "C") not in found
    assert snapshot("north", "C").status == "normal"
    plans = {plan.kind: plan.code for plan in ContingencyPlan.objects.all()}
    assert plans == {"delay_surge": "plan1", "volume_surge": "plan2", "bad_review_surge": "plan3"}
    assert all(alert.status == AlertStatus.OPEN and alert.opened_at == AS_OF for alert in Alert.objects.all())


@pytest.mark.django_db
def test_cell_figures_follow_the_definitions(reference):
    recompute(end=AS_OF)
    cell = snapshot("north", "A")
    assert cell.window_start == AS_OF - dt.timedelta(days=7)
    assert cell.work_orders > 0
    assert cell.delayed_ratio == (Decimal(cell.delayed) / cell.work_orders).quantize(Decimal("0.0001"))
    assert 0 <= cell.timely_response_rate <= 1
    assert cell.utilisation == (cell.effective_hours / cell.available_hours).quantize(Decimal("0.0001"))


@pytest.mark.django_db
def test_recomputing_again_changes_nothing(reference):
    recompute(end=AS_OF)
    before = state()
    result = recompute(end=AS_OF, now=AS_OF + dt.timedelta(hours=1))
    assert (result.snapshots_changed, result.alerts_opened, result.alerts_cleared) == (0, 0, 0)
    assert state() == before


@pytest.mark.parametrize(
    "current, previous, surges",
    [
        (6, [1, 1, 1, 1], True),  # 6 ≥ 1.5 × 1 and ≥ 1 + 3
        (4, [1, 1, 1, 1], True),  # exactly + 3
        (3, [1, 1, 1, 1], False),  # only + 2
        (15, [10, 10, 10, 10], True),  # exactly 1.5 ×
        (14, [10, 10, 10, 10], False),
        (3, [0, 0, 0, 0], True),
        (0, [0, 0, 0, 0], False),
    ],
)
def test_the_surge_rule(current, previous, surges):
    policy = MonitoringPolicy(surge_factor=Decimal("1.5"), surge_min_increase=3)
    windows = [WindowCounts(work_orders=n) for n in [current, *previous]]
    assert (surge(windows, lambda counts: counts.work_orders, policy) is not None) is surges


@pytest.mark.django_db
def test_a_condition_that_clears_is_shown_as_cleared_and_the_alert_stays(reference):
    recompute(end=AS_OF)
    later = AS_OF + dt.timedelta(days=28)  # a quiet window: nothing was created after as_of
    recompute(end=later)
    alerts = list(Alert.objects.all())
    assert alerts and all(alert.cleared_at == later and alert.status == AlertStatus.OPEN for alert in alerts)
    recompute(end=AS_OF)  # an older window never un-clears a newer verdict
    assert all(alert.cleared_at == later for alert in Alert.objects.all())


@pytest.mark.django_db
def test_managers_acknowledge_and_resolve_their_regions_alerts(reference):
    recompute(end=AS_OF)
    alert = Alert.objects.filter(region__code="north").first()
    north, east = User.objects.get(username="mgr_north"), User.objects.get(username="mgr_east")
    with pytest.raises(NotFound):
        alert_acknowledge(alert=alert, by=east)
    alert = alert_acknowledge(alert=alert, by=north)
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, north)
    with pytest.raises(InvalidState):
        alert_acknowledge(alert=alert, by=north)
    alert = alert_resolve(alert=alert, by=north)
    assert (alert.status, alert.resolved_by) == (AlertStatus.RESOLVED, north)
    assert alert.resolved_at is not None
    with pytest.raises(InvalidState):
        alert_resolve(alert=alert, by=north)


@pytest.mark.django_db
def test_after_resolution_a_new_surge_opens_a_new_alert(reference):
    recompute(end=AS_OF)
    manager = User.objects.get(username="mgr_north")
    for alert in Alert.objects.all():
        alert_resolve(alert=alert, by=manager)
    recompute(end=AS_OF + dt.timedelta(minutes=5))
    assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 4
    assert Alert.objects.count() == 8


@pytest.mark.django_db
def test_the_region_managers_are_emailed_when_an_alert_opens(reference, django_capture_on_commit_callbacks):
    User.objects.filter(username="mgr_north").update(email="north@example.com")
    User.objects.filter(username="mgr_east").update(email="east@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        recompute(end=AS_OF)
    assert len(mail.outbox) == 4
    assert all(message.to == ["north@example.com"] for message in mail.outbox)
    assert any("plan1" in message.body or "预案一" in message.body for message in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        recompute(end=AS_OF)
    assert len(mail.outbox) == 4  # nothing new opened, nobody told twice


def test_task_time_limits_stay_below_the_brokers_visibility_timeout(settings):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert SOFT_LIMIT < HARD_LIMIT < visibility
    assert recompute_cells.acks_late and recompute_cells.reject_on_worker_lost
    assert (recompute_cells.soft_time_limit, recompute_cells.time_limit) == (SOFT_LIMIT, HARD_LIMIT)
    assert settings.CELERY_BEAT_SCHEDULE["recompute-cells"]["task"] == recompute_cells.name


@pytest.mark.django_db
def test_the_task_recomputes_in_process_without_a_broker(reference):
    result = recompute_cells.delay(AS_OF.isoformat()).get()
    assert result["alerts_opened"] == 4
    assert recompute_cells.delay(AS_OF.isoformat()).get()["alerts_opened"] == 0


@pytest.mark.django_db
def test_a_second_copy_is_skipped_but_the_same_task_redelivered_runs(reference):
    from django.core.cache import cache

    lock = f"monitoring:recompute:{AS_OF.isoformat()}"
    cache.set(lock, "another-task", timeout=60)  # a second beat's copy is running
    assert recompute_cells.apply(args=[AS_OF.isoformat()], task_id="mine").get()["skipped"] == "already running"
    cache.set(lock, "mine", timeout=60)  # this task's own lock, left by a worker that died
    assert recompute_cells.apply(args=[AS_OF.isoformat()], task_id="mine").get()["alerts_opened"] == 4
    assert cache.get(lock) is None
