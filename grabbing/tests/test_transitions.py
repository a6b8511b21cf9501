"""The grab order's and the invitation's transition tables: every (status, action) pair — the
allowed ones succeed through the service and lead to the table's status, the others raise
InvalidState — and the rep's page shows an action's button exactly when the table allows it."""

import datetime as dt

import pytest
from django.urls import reverse

from grabbing.models import (
    GRAB_ORDER_TRANSITIONS,
    INVITATION_TRANSITIONS,
    WON_STATUSES,
    GrabOrder,
    GrabOrderStatus,
    Invitation,
)
from grabbing.services.grab_orders import (
    grab_order_cancel,
    grab_order_confirm,
    grab_order_grab,
    grab_order_reject,
    grab_orders_call_off,
    grab_orders_expire,
    question_ask,
)
from grabbing.tests.factories import post
from presales.exceptions import AlreadyGrabbed, InvalidState

pytestmark = pytest.mark.django_db


@pytest.fixture
def reach(rep, opportunity, wang, engineer_user, budget):
    """A grab order brought to ``status`` through the services."""

    def _reach(status: str) -> GrabOrder:
        order = post(rep, opportunity)
        if status in (GrabOrderStatus.GRABBED, GrabOrderStatus.CONFIRMED):
            grab_order_grab(grab_order=order, by=engineer_user)
        if status == GrabOrderStatus.CONFIRMED:
            grab_order_confirm(grab_order=order, by=rep)
        if status == GrabOrderStatus.CANCELLED:
            grab_order_cancel(grab_order=order, by=rep)
        if status == GrabOrderStatus.EXPIRED:
            grab_orders_expire(now=order.start)
        order.refresh_from_db()
        assert order.status == status
        return order

    return _reach


def _acts(rep, engineer_user):
    """Each action of the table, done through its service by whoever may do it."""
    return {
        "grab": lambda order: grab_order_grab(grab_order=order, by=engineer_user),
        "confirm": lambda order: grab_order_confirm(grab_order=order, by=rep),
        "reject": lambda order: grab_order_reject(grab_order=order, by=rep),
        "cancel": lambda order: grab_order_cancel(grab_order=order, by=rep),
        "ask": lambda order: question_ask(grab_order=order, by=engineer_user, text="Which site?"),
    }


# Batch actions pass over the orders they do not apply to instead of refusing them.
BATCH = {"expire", "call_off"}


def test_every_action_of_the_table_is_tried():
    assert set(GRAB_ORDER_TRANSITIONS.steps) == set(_acts(None, None)) | BATCH


@pytest.mark.parametrize("action", sorted(set(GRAB_ORDER_TRANSITIONS.steps) - BATCH))
@pytest.mark.parametrize("status", GrabOrderStatus.values)
def test_each_action_from_each_status(reach, rep, engineer_user, status, action):
    order = reach(status)
    act = _acts(rep, engineer_user)[action]
    if GRAB_ORDER_TRANSITIONS.allows(action, status):
        act(order)
        order.refresh_from_db()
        assert order.status == (GRAB_ORDER_TRANSITIONS.target(action) or status)
    else:
        # A grab of an order someone holds is told so (AlreadyGrabbed, 409 as well).
        with pytest.raises(AlreadyGrabbed if action == "grab" and status in WON_STATUSES else InvalidState):
            act(order)
        order.refresh_from_db()
        assert order.status == status


@pytest.mark.parametrize("status", GrabOrderStatus.values)
def test_expiry_changes_exactly_the_orders_the_table_allows(reach, status):
    order = reach(status)
    expired = grab_orders_expire(now=order.start + dt.timedelta(minutes=1))
    assert expired == int(GRAB_ORDER_TRANSITIONS.allows("expire", status))
    order.refresh_from_db()
    assert order.status == (GrabOrderStatus.EXPIRED if expired else status)


@pytest.mark.parametrize("status", GrabOrderStatus.values)
def test_calling_off_changes_exactly_the_orders_the_table_allows(reach, rep, status):
    order = reach(status)
    called_off = grab_orders_call_off(work_order=order.work_order, by=rep, now=order.start - dt.timedelta(days=1))
    assert called_off == int(GRAB_ORDER_TRANSITIONS.allows("call_off", status))
    order.refresh_from_db()
    assert order.status == (GrabOrderStatus.CANCELLED if called_off else status)


@pytest.mark.parametrize("status", GrabOrderStatus.values)
def test_the_invitations_follow_their_table(reach, wang, status):
    order = reach(status)
    for invitation in Invitation.objects.filter(grab_order=order):
        # What the order's step left each invitation in is a status the table reaches.
        reachable = {INVITATION_TRANSITIONS.target(action) for action in INVITATION_TRANSITIONS.steps}
        assert invitation.status in reachable | {"open"}
        assert invitation.allows("win") == (invitation.status == "open")


@pytest.mark.parametrize("status", GrabOrderStatus.values)
def test_the_rep_page_shows_a_button_exactly_when_the_table_allows_it(client, reach, rep, status):
    order = reach(status)
    client.force_login(rep)
    page = client.get(reverse("grabbing:mine")).content.decode()
    for action, testid in (("confirm", "confirm-grab"), ("reject", "reject-grab"), ("cancel", "cancel-grab-order")):
        assert (f'data-testid="{testid}"' in page) == order.allows(action), (status, action)
