"""The grab-order rules, one test each, through the grab_order_services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from budgeting.models import LedgerEntry, LedgerKind
from dispatch.models import Booking, TimeOff
from dispatch.services.bookings import booking_create
from dispatch.tests.engineers import make_engineer
from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus
from grabbing.services import grab_orders as grab_order_services
from grabbing.tests.factories import budget_for, post, window
from presales.exceptions import (
    AlreadyGrabbed,
    BudgetExceeded,
    InvalidState,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
)
from presales.tests.factories import SkillFactory, SolutionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def invited(order) -> set[str]:
    return set(order.invitations.values_list("engineer__user__username", flat=True))


def test_posting_invites_every_free_matching_engineer_in_scope(rep, opportunity, wang, li, east, north):
    make_engineer("zhao", region=north, solutions=[SolutionFactory(code="B")])
    busy = make_engineer("qian", region=north, solutions=[opportunity.solution])
    start, end = window()
    TimeOff.objects.create(engineer=busy, start=start, end=end)

    order = post(rep, opportunity)

    assert order.status == GrabOrderStatus.OPEN and order.invited == 2
    assert invited(order) == {"engineer", "li"}  # not zhao (other solution) nor qian (on leave)
    assert (order.posted_by, order.uplift_percent) == (rep, 50)
    assert order.history.count() == 1 and order.history.first().history_user == rep


def test_scope_narrows_by_region_and_grade(rep, opportunity, wang, li, north):
    assert invited(post(rep, opportunity, scope_regions=[north])) == {"engineer"}
    assert invited(post(rep, opportunity, scope_grades=["P5"])) == {"li"}


def test_skills_with_minimum_level_decide_who_matches(rep, opportunity, north, solution_a):
    gis = SkillFactory(code="gis")
    make_engineer("expert", region=north, solutions=[solution_a], skills={gis: 4})
    make_engineer("novice", region=north, solutions=[solution_a], skills={gis: 2})
    assert invited(post(rep, opportunity, skills=[gis], min_level=3)) == {"expert"}


def test_invited_engineers_are_emailed_after_commit(rep, opportunity, wang, li, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(rep, opportunity)
    assert sorted(message.to[0] for message in mail.outbox) == ["engineer@example.com", "li@example.com"]
    assert "+50%" in mail.outbox[0].subject


@pytest.mark.parametrize("uplift", [-1, 201, 1000])
def test_uplift_is_0_to_200(rep, opportunity, uplift):
    with pytest.raises(ValidationFailed) as refused:
        post(rep, opportunity, uplift_percent=uplift)
    assert "uplift_percent" in refused.value.fields


@pytest.mark.parametrize("uplift", [0, 200])
def test_uplift_bounds_are_allowed(rep, opportunity, wang, uplift):
    assert post(rep, opportunity, uplift_percent=uplift).uplift_percent == uplift


def test_window_must_be_ahead_and_end_after_start(rep, opportunity):
    start, end = window()
    with pytest.raises(ValidationFailed) as refused:
        post(rep, opportunity, start=start - dt.timedelta(days=30), end=end - dt.timedelta(days=30))
    assert "start" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        post(rep, opportunity, start=end, end=start)
    assert "end" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        post(rep, opportunity, start=start.replace(tzinfo=None), end=end.replace(tzinfo=None))
    assert "start" in refused.value.fields


def test_another_reps_opportunity_is_not_found(other_rep, opportunity):
    with pytest.raises(NotFound):
        post(other_rep, opportunity)
    assert not GrabOrder.objects.exists()


def test_grab_claims_the_order_for_the_first_engineer(rep, opportunity, wang, li, engineer_user):
    order = post(rep, opportunity)
    grabbed = grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    assert (grabbed.status, grabbed.winner) == (GrabOrderStatus.GRABBED, wang)
    assert grabbed.grabbed_at is not None
    assert grabbed.history.first().history_user == engineer_user  # the claim is in the history
    assert Invitation.objects.get(engineer=wang).status == InvitationStatus.WON
    with pytest.raises(AlreadyGrabbed):
        grab_order_services.grab_order_grab(grab_order=order, by=li.user)


def test_an_engineer_not_invited_cannot_grab(rep, opportunity, north, solution_a, wang):
    order = post(rep, opportunity, scope_grades=["P3"])
    outsider = make_engineer("outsider", region=north, solutions=[solution_a], grade="P9")
    with pytest.raises(NotFound):
        grab_order_services.grab_order_grab(grab_order=order, by=outsider.user)
    with pytest.raises(NotFound):
        grab_order_services.grab_order_grab(grab_order=order, by=rep)


def test_an_engineer_who_became_busy_cannot_grab(rep, other_rep, opportunity, wang, engineer_user, north, solution_a):
    order = post(rep, opportunity)
    budget_for(rep, order.start)
    booking_create(
        by=rep,
        engineer=wang,
        opportunity=opportunity,
        stage="bidding",
        activity="bidding",
        start=order.start,
        end=order.start + dt.timedelta(hours=1),
    )
    with pytest.raises(SlotUnavailable):
        grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    order.refresh_from_db()
    assert order.status == GrabOrderStatus.OPEN and order.winner is None


def test_confirm_books_at_the_uplifted_cost(rep, opportunity, wang, li, engineer_user, budget):
    order = post(rep, opportunity, uplift_percent=50)
    grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    booking = grab_order_services.grab_order_confirm(grab_order=order, by=rep)
    assert (booking.engineer, booking.hours, booking.uplift_percent) == (wang, Decimal("2.00"), 50)
    assert booking.cost == Decimal("1500.00")  # 2 h × 500 × 1.5
    order.refresh_from_db()
    assert (order.status, order.booking, order.confirmed_by) == (GrabOrderStatus.CONFIRMED, booking, rep)
    assert order.credited_hours == Decimal("3.00")
    reserve = LedgerEntry.objects.get(kind=LedgerKind.RESERVE)
    assert (reserve.amount, reserve.booking_id) == (Decimal("1500.00"), booking.pk)
    budget.refresh_from_db()
    assert budget.reserved == Decimal("1500.00")
    assert Invitation.objects.get(engineer=li).status == InvitationStatus.CLOSED


def test_confirm_beyond_the_budget_books_nothing_and_stays_grabbed(rep, opportunity, wang, engineer_user):
    budget_for(rep, window()[0], allocated="1000.00")
    order = post(rep, opportunity, uplift_percent=50)
    grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    with pytest.raises(BudgetExceeded):
        grab_order_services.grab_order_confirm(grab_order=order, by=rep)
    order.refresh_from_db()
    assert (order.status, order.winner, order.booking) == (GrabOrderStatus.GRABBED, wang, None)
    assert not Booking.objects.exists()
    assert not LedgerEntry.objects.filter(kind=LedgerKind.RESERVE).exists()


def test_rejection_withdraws_the_invitation_and_reopens(rep, opportunity, wang, li, engineer_user):
    order = post(rep, opportunity)
    grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    reopened = grab_order_services.grab_order_reject(grab_order=order, by=rep)
    assert (reopened.status, reopened.winner, reopened.rejected_by) == (GrabOrderStatus.OPEN, None, rep)
    assert Invitation.objects.get(engineer=wang).status == InvitationStatus.WITHDRAWN
    with pytest.raises(NotFound):
        grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    assert grab_order_services.grab_order_grab(grab_order=order, by=li.user).winner == li


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_confirm_and_reject_need_a_grabbed_order(rep, opportunity, wang, action):
    order = post(rep, opportunity)
    with pytest.raises(InvalidState):
        getattr(grab_order_services, f"grab_order_{action}")(grab_order=order, by=rep)


def test_cancel_only_while_open(rep, opportunity, wang, engineer_user):
    order = post(rep, opportunity)
    grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    with pytest.raises(InvalidState):
        grab_order_services.grab_order_cancel(grab_order=order, by=rep)
    grab_order_services.grab_order_reject(grab_order=order, by=rep)
    cancelled = grab_order_services.grab_order_cancel(grab_order=order, by=rep)
    assert (cancelled.status, cancelled.cancelled_by) == (GrabOrderStatus.CANCELLED, rep)
    with pytest.raises(InvalidState):
        grab_order_services.grab_order_cancel(grab_order=order, by=rep)


def test_a_cancelled_order_cannot_be_grabbed(rep, opportunity, wang, engineer_user):
    order = post(rep, opportunity)
    grab_order_services.grab_order_cancel(grab_order=order, by=rep)
    with pytest.raises(InvalidState):
        grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)


def test_other_reps_cannot_act_on_an_order(rep, other_rep, opportunity, wang, engineer_user):
    order = post(rep, opportunity)
    with pytest.raises(NotFound):
        grab_order_services.grab_order_cancel(grab_order=order, by=other_rep)
    grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    for action in (grab_order_services.grab_order_confirm, grab_order_services.grab_order_reject):
        with pytest.raises(NotFound):
            action(grab_order=order, by=other_rep)


def test_expiry_expires_open_orders_at_their_start_and_is_idempotent(rep, opportunity, wang, li, engineer_user):
    open_one = post(rep, opportunity)
    grabbed = post(rep, opportunity)
    grab_order_services.grab_order_grab(grab_order=grabbed, by=engineer_user)
    before_start = open_one.start - dt.timedelta(minutes=1)
    assert grab_order_services.grab_orders_expire(now=before_start) == 0
    assert grab_order_services.grab_orders_expire(now=open_one.start) == 1
    assert grab_order_services.grab_orders_expire(now=open_one.start) == 0
    open_one.refresh_from_db()
    grabbed.refresh_from_db()
    assert (open_one.status, open_one.expired_at) == (GrabOrderStatus.EXPIRED, open_one.start)
    assert grabbed.status == GrabOrderStatus.GRABBED
    assert open_one.history.count() == 2
    assert not open_one.invitations.filter(status=InvitationStatus.OPEN).exists()


def test_the_expiry_task_runs_the_service(rep, opportunity, wang):
    from grabbing.tasks import expire_grab_orders

    order = post(rep, opportunity)
    GrabOrder.objects.filter(pk=order.pk).update(start=order.start - dt.timedelta(days=8))
    assert expire_grab_orders.delay().get() == 1
    assert expire_grab_orders.delay().get() == 0


def test_questions_thread_between_rep_and_one_engineer(rep, opportunity, wang, li, engineer_user):
    from grabbing.selectors.grab_orders import question_thread

    order = post(rep, opportunity)
    grab_order_services.question_ask(grab_order=order, by=engineer_user, text="Is remote OK?")
    grab_order_services.question_ask(grab_order=order, by=rep, engineer=wang, text="On site, please.")
    grab_order_services.question_ask(grab_order=order, by=li.user, text="Which city?")
    assert [q.text for q in question_thread(grab_order=order, user=engineer_user)] == [
        "Is remote OK?",
        "On site, please.",
    ]
    assert [q.text for q in question_thread(grab_order=order, user=li.user)] == ["Which city?"]
    assert question_thread(grab_order=order, user=rep).count() == 3
    with pytest.raises(ValidationFailed):
        grab_order_services.question_ask(grab_order=order, by=rep, text="To whom?")


def test_only_invited_engineers_ask(rep, opportunity, wang, north, solution_a):
    order = post(rep, opportunity, scope_grades=["P3"])
    outsider = make_engineer("outsider", region=north, solutions=[solution_a], grade="P9")
    with pytest.raises(NotFound):
        grab_order_services.question_ask(grab_order=order, by=outsider.user, text="Me too?")


def test_an_engineer_cannot_hold_two_overlapping_grabs(rep, opportunity, wang, engineer_user):
    first = post(rep, opportunity)
    second = post(rep, opportunity, hours=3)
    grab_order_services.grab_order_grab(grab_order=first, by=engineer_user)
    with pytest.raises(SlotUnavailable):
        grab_order_services.grab_order_grab(grab_order=second, by=engineer_user)


def test_every_change_is_timed_in_the_history(rep, opportunity, wang, engineer_user, budget):
    order = post(rep, opportunity)
    grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    grab_order_services.grab_order_reject(grab_order=order, by=rep)
    invitation = Invitation.objects.get(engineer=wang)
    assert (invitation.withdrawn_by, invitation.withdrawn_at is not None) == (rep, True)
    assert [(h.status, h.history_user) for h in invitation.history.order_by("history_id")] == [
        (InvitationStatus.OPEN, rep),
        (InvitationStatus.WON, engineer_user),
        (InvitationStatus.WITHDRAWN, rep),
    ]
    statuses = [(h.status, h.history_user) for h in order.history.order_by("history_id")]
    assert statuses == [
        (GrabOrderStatus.OPEN, rep),
        (GrabOrderStatus.GRABBED, engineer_user),
        (GrabOrderStatus.OPEN, rep),
    ]


def test_the_rep_is_emailed_when_an_engineer_grabs(
    rep, opportunity, wang, engineer_user, django_capture_on_commit_callbacks
):
    rep.email = "rep@example.com"
    rep.save(update_fields=["email"])
    order = post(rep, opportunity)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grab_order_services.grab_order_grab(grab_order=order, by=engineer_user)
    [message] = mail.outbox
    assert message.to == ["rep@example.com"] and opportunity.name in message.subject


def test_expiry_runs_on_the_beat_schedule(settings):
    from presales.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["expire-grab-orders"]
    assert entry["task"] == "grabbing.expire_grab_orders"
    assert "grabbing.expire_grab_orders" in app.tasks
