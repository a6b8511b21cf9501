"""restrict(user, action): the rows of each scoped model each persona reaches, on the
authorization matrix's world (tests/authorization_world.py), plus a user holding no role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from budgeting.models import Budget
from dispatch.models import Booking, Escalation, HotlineRequest, WorkOrder
from grabbing.models import GrabOrder, Invitation
from monitoring.models import Alert, CellSnapshot, UtilisationSnapshot
from presales.models import Opportunity
from presales.tests.factories import make_user
from tests.authorization_world import build_world

pytestmark = pytest.mark.django_db

ALL = ("rep", "other_rep", "engineer", "other_engineer", "manager", "other_manager", "lead", "admin", "outsider")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.users["outsider"] = make_user("outsider", roles=[], regions=[built.north])
        yield built
        transaction.set_rollback(True)


def _rep_bookings(w):
    return {w.b_booked, w.b_started, w.b_completed, w.b_rated}


def _groups(w) -> dict[str, dict[str, set]]:
    """Per model, named sets of the world's rows."""
    booked_work = {booking.work_order for booking in _rep_bookings(w)}
    return {
        "Opportunity": {
            "rep": {w.opp, w.opp_c, w.opp_c_free},
            "class_a": {w.opp},  # the class A one, the engineer's and the lead's
            "other": {w.other_opp},
        },
        "WorkOrder": {
            "booked": booked_work,  # the work orders the engineer holds a booking on
            "rep": booked_work | {w.hotline.work_order, w.g_open.work_order, w.g_grabbed.work_order},
            "other": {w.other_booking.work_order},
        },
        "Booking": {"rep": _rep_bookings(w), "other": {w.other_booking}},
        "Escalation": {"rep": {w.escalation}},
        "HotlineRequest": {"rep": {w.hotline}},
        "GrabOrder": {"rep": {w.g_open, w.g_grabbed}},
        "Invitation": {"engineer": set(Invitation.objects.filter(engineer=w.wang))},
        "Budget": {"rep": {w.budget}, "other": set(Budget.objects.filter(owner=w.users["other_rep"]))},
        "Alert": {"north": {w.alert}},
    }


# Per model, who reaches which of its groups; anyone unnamed reaches nothing.
EXPECTED = {
    Opportunity: {
        "rep": ["rep"],
        "other_rep": ["other"],
        "engineer": ["class_a"],  # the ones they are booked on
        "other_engineer": ["other"],
        "manager": ["rep", "other"],
        "lead": ["class_a", "other"],  # class A work of solution A, whose centre they lead
        "admin": ["rep", "other"],
    },
    WorkOrder: {
        "rep": ["rep"],
        "other_rep": ["other"],
        "engineer": ["booked"],  # the booked engineer; not the hotline's (it has no booking)
        "other_engineer": ["other"],
        "manager": ["rep", "other"],  # the north's
        "lead": ["rep", "other"],  # class A work of solution A, whose centre they lead
        "admin": ["rep", "other"],
    },
    Booking: {
        "rep": ["rep"],
        "other_rep": ["other"],
        "engineer": ["rep"],
        "other_engineer": ["other"],
        "manager": ["rep", "other"],
        "lead": ["rep", "other"],
        "admin": ["rep", "other"],
    },
    Escalation: {"rep": ["rep"], "manager": ["rep"], "lead": ["rep"], "admin": ["rep"]},
    # The on-duty engineer the request is addressed to sees it.
    HotlineRequest: {"rep": ["rep"], "engineer": ["rep"], "manager": ["rep"], "lead": ["rep"], "admin": ["rep"]},
    # The engineer was invited to both; a lead has no part in grab orders.
    GrabOrder: {"rep": ["rep"], "engineer": ["rep"], "manager": ["rep"], "admin": ["rep"]},
    Invitation: {"engineer": ["engineer"]},
    Budget: {"rep": ["rep"], "other_rep": ["other"], "manager": ["rep", "other"], "admin": ["rep", "other"]},
    # Region-scoped figures: whoever is in the north (the pages admit only watchers), an admin all.
    Alert: {name: ["north"] for name in ALL if name not in ("other_engineer", "other_manager")},
}


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda model: model.__name__)
@pytest.mark.parametrize("persona", ALL)
def test_restrict_view(world, model, persona):
    groups = _groups(world)[model.__name__]
    expected = set().union(*(groups[name] for name in EXPECTED[model].get(persona, [])))
    assert all(groups.values()), "every group of the world has rows"
    assert set(model.objects.restrict(world.users[persona])) == expected
    assert model.objects.restrict(world.users[persona]).count() == len(expected)  # each row once


@pytest.mark.parametrize("model", [*EXPECTED, CellSnapshot, UtilisationSnapshot], ids=lambda model: model.__name__)
def test_restrict_refuses_an_unknown_action_and_admits_no_anonymous_user(world, model):
    with pytest.raises(ValueError, match="no access rule"):
        model.objects.restrict(world.users["admin"], "fly")
    assert model.objects.restrict(AnonymousUser()).query.is_empty()
    assert model.objects.restrict(None).query.is_empty()


def test_restrict_is_the_default_action_and_chains(world):
    rep = world.users["rep"]
    assert set(Booking.objects.restrict(rep)) == set(Booking.objects.restrict(rep, "view"))
    booked = Booking.objects.filter(status="booked").restrict(rep)
    assert set(booked) == {world.b_booked}
