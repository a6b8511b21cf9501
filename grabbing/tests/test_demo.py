"""The demo's grab orders: posted through the services after seed_demo, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_the_demo_has_an_open_and_a_grabbed_order_once():
    run("seed_demo")
    printed = run("seed_demo_grab_orders")
    open_order = GrabOrder.objects.get(status=GrabOrderStatus.OPEN)
    grabbed = GrabOrder.objects.get(status=GrabOrderStatus.GRABBED)
    assert Invitation.objects.filter(grab_order=open_order, status=InvitationStatus.OPEN).count() > 0
    assert grabbed.winner is not None and grabbed.uplift_percent == 50
    assert Invitation.objects.get(grab_order=grabbed, engineer=grabbed.winner).status == InvitationStatus.WON
    assert f"grabbed by {grabbed.winner.user.username}" in printed
    assert "nothing changed" in run("seed_demo_grab_orders")
    assert GrabOrder.objects.count() == 2


def test_without_the_demo_nothing_is_posted():
    assert "run seed_demo first" in run("seed_demo_grab_orders")
    assert not GrabOrder.objects.exists()
