"""The migration that makes every grab order the call of a work order, run on a database holding
grab orders in every status (grabbing 0001 → latest, with MigrationExecutor)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dispatch.models import WorkOrder
from dispatch.services.bookings import booking_create
from grabbing.tests.factories import window
from presales.tests.factories import SkillFactory

BEFORE = [("grabbing", "0001_initial")]


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "grabbing"]


@pytest.fixture
def before(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(_latest())


def test_every_grab_order_gets_its_work_order(before, rep, opportunity, wang, li, budget):
    OldGrabOrder = before.get_model("grabbing", "GrabOrder")
    gis = SkillFactory(code="gis")
    start, end = window()
    posted = start - dt.timedelta(days=3)
    common = {
        "opportunity_id": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "solution_id": opportunity.solution_id,
        "start": start,
        "end": end,
        "uplift_percent": 50,
        "posted_at": posted,
        "posted_by_id": rep.pk,
        "note": "old",
    }
    orders = {
        "open": OldGrabOrder.objects.create(**common, status="open", min_level=3),
        "grabbed": OldGrabOrder.objects.create(
            **common, status="grabbed", winner_id=wang.pk, grabbed_at=posted + dt.timedelta(hours=2)
        ),
        "cancelled": OldGrabOrder.objects.create(
            **common, status="cancelled", cancelled_at=posted + dt.timedelta(hours=1), cancelled_by_id=rep.pk
        ),
        "expired": OldGrabOrder.objects.create(**common, status="expired", expired_at=start),
    }
    orders["open"].skills.set([gis.pk])
    # A confirmed order's booking was booked as today: it opened its own work order, later.
    confirmed_at = posted + dt.timedelta(days=1)
    booking = booking_create(
        by=rep,
        engineer=li,
        opportunity=opportunity,
        stage="value_presentation",
        activity="workshop",
        start=start,
        end=end,
        uplift_percent=50,
        now=confirmed_at,
    )
    booked_work_order = booking.work_order
    orders["confirmed"] = OldGrabOrder.objects.create(
        **common,
        status="confirmed",
        winner_id=li.pk,
        booking_id=booking.pk,
        grabbed_at=posted + dt.timedelta(minutes=30),
        confirmed_at=confirmed_at,
        confirmed_by_id=rep.pk,
    )
    work_orders_before = WorkOrder.objects.count()

    executor = MigrationExecutor(connection)
    executor.migrate(_latest())

    from grabbing.models import GrabOrder  # the current model, now the table has the column

    by_status = {order.status: order for order in GrabOrder.objects.select_related("work_order")}
    assert set(by_status) == {"open", "grabbed", "cancelled", "expired", "confirmed"}
    # Four new work orders; the confirmed one joined its booking's.
    assert WorkOrder.objects.count() == work_orders_before + 4
    confirmed = by_status["confirmed"].work_order
    assert confirmed == booked_work_order
    assert (confirmed.created_at, confirmed.first_response_at) == (posted, posted + dt.timedelta(minutes=30))
    for status in ("open", "grabbed", "cancelled", "expired"):
        work_order = by_status[status].work_order
        assert (work_order.opportunity_id, work_order.stage, work_order.activity, work_order.solution_id) == (
            opportunity.pk,
            "value_presentation",
            "workshop",
            opportunity.solution_id,
        )
        assert (work_order.desired_start, work_order.desired_end, work_order.created_at) == (start, end, posted)
        assert (work_order.created_by, work_order.note, work_order.engineers_needed) == (rep, "old", 1)
        assert work_order.history.count() == 1
    assert [(row.skill.code, row.min_level) for row in by_status["open"].work_order.skills.all()] == [("gis", 3)]
    assert by_status["grabbed"].work_order.first_response_at == posted + dt.timedelta(hours=2)
    assert by_status["open"].work_order.first_response_at is None
    cancelled = by_status["cancelled"].work_order
    assert (cancelled.cancelled_at, cancelled.cancelled_by) == (posted + dt.timedelta(hours=1), rep)
    assert by_status["expired"].work_order.cancelled_at is None  # unfilled demand, not called off
    assert not GrabOrder._meta.get_field("work_order").null
