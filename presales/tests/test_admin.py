"""The Django admin: the thresholds and plans of real-time control are edited there, with their
history; what only services write (work orders, bookings, ratings, alerts) is read there."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgeting.tests.factories import open_budget
from dispatch.models import Booking
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_bookings import NOW, book
from monitoring.models import Alert, ContingencyPlan, MonitoringPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_admin(client, admin_user, password):
    client.login(username=admin_user.username, password=password)
    return client


@pytest.fixture
def booking(rep, north, solution_a, engineer_user):
    open_budget(rep, "2026Q2", allocated="100000.00")
    engineer = make_engineer(engineer_user, region=north)
    return book(rep, engineer, make_opportunity(rep, region=north, solution=solution_a))


def _policy_form(policy: MonitoringPolicy, **changes) -> dict:
    """The change form as the admin renders it: every threshold, then the changes."""
    fields = [field.name for field in MonitoringPolicy._meta.concrete_fields if not field.primary_key]
    return {name: getattr(policy, name) for name in fields} | changes


def test_the_monitoring_policy_is_edited_in_the_admin_and_keeps_who_changed_it(signed_in_admin, admin_user):
    policy = MonitoringPolicy.current()
    url = reverse("admin:monitoring_monitoringpolicy_change", args=[policy.pk])
    assert signed_in_admin.get(url).status_code == 200
    response = signed_in_admin.post(url, _policy_form(policy, surge_factor="2.00"))
    assert response.status_code == 302, response.content[:2000]
    assert MonitoringPolicy.current().surge_factor == Decimal("2.00")
    assert MonitoringPolicy.current().history.latest().history_user == admin_user
    # One row: neither a second nor deleting it.
    assert signed_in_admin.get(reverse("admin:monitoring_monitoringpolicy_add")).status_code == 403
    delete = reverse("admin:monitoring_monitoringpolicy_delete", args=[policy.pk])
    assert signed_in_admin.get(delete).status_code == 403


def test_a_contingency_plan_is_reworded_in_the_admin_but_keeps_its_kind(signed_in_admin):
    plan = ContingencyPlan.objects.get(code="plan1")
    url = reverse("admin:monitoring_contingencyplan_change", args=[plan.pk])
    form = {"code": plan.code, "title": "Plan 1: the pool", "steps": "Post a grab order\nFollow it", "kind": "x"}
    assert signed_in_admin.post(url, form).status_code == 302
    plan.refresh_from_db()
    assert (plan.kind, plan.title, plan.step_list) == (
        "delay_surge",
        "Plan 1: the pool",
        ["Post a grab order", "Follow it"],
    )
    assert signed_in_admin.get(reverse("admin:monitoring_contingencyplan_add")).status_code == 403


@pytest.mark.parametrize("model", ["workorder", "booking"])
def test_work_orders_and_bookings_are_read_with_their_history_and_never_written(signed_in_admin, booking, model):
    obj = booking.work_order if model == "workorder" else booking
    change = reverse(f"admin:dispatch_{model}_change", args=[obj.pk])
    assert signed_in_admin.get(reverse(f"admin:dispatch_{model}_changelist")).status_code == 200
    assert signed_in_admin.get(change).status_code == 200
    assert signed_in_admin.get(reverse(f"admin:dispatch_{model}_history", args=[obj.pk])).status_code == 200
    assert signed_in_admin.get(reverse(f"admin:dispatch_{model}_add")).status_code == 403
    assert signed_in_admin.get(reverse(f"admin:dispatch_{model}_delete", args=[obj.pk])).status_code == 403
    signed_in_admin.post(change, {"cost": "1.00", "note": "forged", "engineers_needed": 9})
    booking.refresh_from_db()
    assert (booking.cost, booking.note, booking.work_order.engineers_needed) != (Decimal("1.00"), "forged", 9)
    assert Booking.objects.count() == 1


def test_ratings_and_alerts_are_read_only(signed_in_admin, north, solution_a):
    alert = Alert.objects.create(
        region=north, solution=solution_a, kind="delay_surge", current=5, baseline=1, window_end=NOW, opened_at=NOW
    )
    for model in ("dispatch_rating", "monitoring_alert"):
        assert signed_in_admin.get(reverse(f"admin:{model}_changelist")).status_code == 200
        assert signed_in_admin.get(reverse(f"admin:{model}_add")).status_code == 403
    change = reverse("admin:monitoring_alert_change", args=[alert.pk])
    assert signed_in_admin.get(change).status_code == 200
    signed_in_admin.post(change, {"status": "resolved"})  # managers resolve on the dashboard
    alert.refresh_from_db()
    assert alert.status == "open"
