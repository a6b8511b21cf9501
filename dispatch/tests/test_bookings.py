"""Booking services: the life cycle, the money it moves, the rules it refuses, delay and mail."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from budgeting.models import Budget, LedgerEntry, LedgerKind
from budgeting.tests.factories import open_budget
from dispatch.delay import Delay, classify_delay
from dispatch.models import Booking, BookingStatus, Engineer, WorkOrder
from dispatch.selectors.bookings import booking_delay
from dispatch.services.bookings import (
    booking_acknowledge,
    booking_cancel,
    booking_complete,
    booking_create,
    booking_rate,
    booking_reschedule,
)
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from presales.choices import Activity, PresalesStage
from presales.exceptions import (
    BudgetExceeded,
    InvalidState,
    NotFound,
    PermissionDenied,
    SlotUnavailable,
    ValidationFailed,
)
from presales.models import Rate

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 6, 8, tzinfo=SHANGHAI)  # a Monday morning
START = dt.datetime(2026, 4, 7, 13, 30, tzinfo=SHANGHAI)  # Tuesday 13:30–14:30, as in the source
END = START + dt.timedelta(hours=1)


LEAVE = (dt.datetime(2026, 4, 8, tzinfo=SHANGHAI), dt.datetime(2026, 4, 9, tzinfo=SHANGHAI))  # all Wednesday


@pytest.fixture
def engineer(north, engineer_user):
    return make_engineer(engineer_user, region=north, time_off=[LEAVE])


@pytest.fixture
def opportunity(rep, north, solution_a):
    return make_opportunity(rep, region=north, solution=solution_a)


@pytest.fixture
def budget(rep):
    return open_budget(rep, "2026Q2", allocated="100000.00")


def book(rep, engineer, opportunity, start=START, end=END, **extra):
    return booking_create(
        by=rep,
        engineer=engineer,
        opportunity=opportunity,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity=Activity.WORKSHOP,
        start=start,
        end=end,
        now=extra.pop("now", NOW),
        **extra,
    )


def figures(budget: Budget) -> tuple[Decimal, Decimal, Decimal]:
    budget.refresh_from_db()
    return budget.reserved, budget.spent, budget.remaining


def movements(booking: Booking) -> list[tuple[str, Decimal]]:
    return [(e.kind, e.amount) for e in LedgerEntry.objects.filter(booking_id=booking.pk).order_by("at", "pk")]


# --- Life cycle -----------------------------------------------------------------------------


def test_booked_acknowledged_completed_rated_each_keep_time_and_who(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity)
    assert (booking.status, booking.booked_at, booking.booked_by) == (BookingStatus.BOOKED, NOW, rep)

    acknowledged_at = NOW + dt.timedelta(hours=1)
    booking = booking_acknowledge(booking=booking, by=engineer.user, now=acknowledged_at)
    assert (booking.status, booking.acknowledged_at, booking.acknowledged_by) == (
        BookingStatus.ACKNOWLEDGED,
        acknowledged_at,
        engineer.user,
    )

    booking = booking_complete(booking=booking, by=engineer.user, actual_hours="1", now=END)
    assert (booking.status, booking.completed_at, booking.completed_by) == (BookingStatus.COMPLETED, END, engineer.user)
    assert (booking.actual_hours, booking.charged) == (Decimal("1.00"), Decimal("500.00"))

    rated_at = END + dt.timedelta(days=1)
    rating = booking_rate(booking=booking, by=rep, score=5, comment=" great ", now=rated_at)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RATED
    assert (rating.score, rating.comment, rating.rated_at, rating.rated_by) == (5, "great", rated_at, rep)
    engineer.refresh_from_db()
    assert (engineer.rating_sum, engineer.rating_count) == (5, 1)


def test_cancel_keeps_time_who_and_why(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity)
    booking = booking_cancel(booking=booking, by=rep, reason="customer moved the meeting", now=NOW)
    assert (booking.status, booking.cancelled_at, booking.cancelled_by) == (BookingStatus.CANCELLED, NOW, rep)
    assert booking.cancel_reason == "customer moved the meeting"


WRONG_TRANSITIONS = {
    "acknowledge-twice": (["ack"], "ack"),
    "complete-unacknowledged": ([], "complete"),
    "rate-uncompleted": (["ack"], "rate"),
    "rate-twice": (["ack", "complete", "rate"], "rate"),
    "cancel-completed": (["ack", "complete"], "cancel"),
    "acknowledge-cancelled": (["cancel"], "ack"),
    "complete-cancelled": (["cancel"], "complete"),
    "reschedule-completed": (["ack", "complete"], "reschedule"),
    "cancel-started": (["ack"], "cancel-late"),
}


def _step(step: str, booking: Booking, rep, engineer: Engineer):
    actions = {
        "ack": lambda: booking_acknowledge(booking=booking, by=engineer.user, now=NOW),
        "complete": lambda: booking_complete(booking=booking, by=engineer.user, actual_hours=1, now=END),
        "rate": lambda: booking_rate(booking=booking, by=rep, score=4, now=END),
        "cancel": lambda: booking_cancel(booking=booking, by=rep, now=NOW),
        "cancel-late": lambda: booking_cancel(booking=booking, by=rep, now=START),
        "reschedule": lambda: booking_reschedule(
            booking=booking, by=rep, start=START + dt.timedelta(days=7), end=END + dt.timedelta(days=7), now=NOW
        ),
    }
    return actions[step]()


@pytest.mark.parametrize(("before", "action"), WRONG_TRANSITIONS.values(), ids=WRONG_TRANSITIONS.keys())
def test_a_wrong_transition_raises_invalid_state_and_changes_nothing(
    rep, engineer, opportunity, budget, before, action
):
    booking = book(rep, engineer, opportunity)
    for step in before:
        _step(step, booking, rep, engineer)
    booking.refresh_from_db()
    status, entries = booking.status, LedgerEntry.objects.count()
    with pytest.raises(InvalidState):
        _step(action, booking, rep, engineer)
    booking.refresh_from_db()
    assert (booking.status, LedgerEntry.objects.count()) == (status, entries)


def test_only_the_engineer_acknowledges_and_only_the_owner_cancels(rep, other_rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity)
    with pytest.raises(PermissionDenied):
        booking_acknowledge(booking=booking, by=rep, now=NOW)
    with pytest.raises(PermissionDenied):
        booking_cancel(booking=booking, by=other_rep, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


# --- Money ----------------------------------------------------------------------------------


def test_the_rate_is_frozen_on_the_booking(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity)
    Rate.objects.filter(resource_type="presales", grade="P3").update(hourly_rate=Decimal("900.00"))
    booking_acknowledge(booking=booking, by=engineer.user, now=NOW)
    booking = booking_complete(booking=booking, by=engineer.user, actual_hours=1, now=END)
    assert (booking.hourly_rate, booking.charged) == (Decimal("500.00"), Decimal("500.00"))
    assert figures(budget) == (Decimal("0.00"), Decimal("500.00"), Decimal("99500.00"))


def test_booking_reserves_and_cancelling_releases(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity, end=START + dt.timedelta(hours=2))
    assert (booking.hours, booking.cost) == (Decimal("2.00"), Decimal("1000.00"))
    assert figures(budget) == (Decimal("1000.00"), Decimal("0.00"), Decimal("99000.00"))
    booking_cancel(booking=booking, by=rep, now=NOW)
    assert figures(budget) == (Decimal("0.00"), Decimal("0.00"), Decimal("100000.00"))
    assert movements(booking) == [("reserve", Decimal("1000.00")), ("release", Decimal("1000.00"))]


def test_completion_charges_actual_hours_and_releases_the_rest(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity, end=START + dt.timedelta(hours=2))
    booking_acknowledge(booking=booking, by=engineer.user, now=NOW)
    booking_complete(booking=booking, by=engineer.user, actual_hours="1.5", now=END)
    assert figures(budget) == (Decimal("0.00"), Decimal("750.00"), Decimal("99250.00"))
    assert movements(booking) == [
        ("reserve", Decimal("1000.00")),
        ("release", Decimal("1000.00")),
        ("charge", Decimal("750.00")),
    ]


def test_an_overrun_is_charged_and_flagged(rep, engineer, opportunity):
    budget = open_budget(rep, "2026Q2", allocated="1000.00")
    booking = book(rep, engineer, opportunity, end=START + dt.timedelta(hours=2))
    booking_acknowledge(booking=booking, by=engineer.user, now=NOW)
    booking_complete(booking=booking, by=engineer.user, actual_hours=3, now=END)
    budget.refresh_from_db()
    assert (budget.spent, budget.overrun, budget.remaining) == (
        Decimal("1500.00"),
        Decimal("500.00"),
        Decimal("-500.00"),
    )
    charge = LedgerEntry.objects.get(booking_id=booking.pk, kind=LedgerKind.CHARGE)
    assert charge.overrun == Decimal("500.00")


def test_the_budget_is_the_owners_for_the_quarter_the_booking_starts_in_organisation_time(rep, north, opportunity):
    q1, q2 = open_budget(rep, "2026Q1"), open_budget(rep, "2026Q2")
    night_owl = make_engineer("owl", region=north, working_hours=[(3, dt.time(0), dt.time(6))])  # Wednesdays
    start = dt.datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)  # still 31 March in UTC
    assert start.astimezone(dt.UTC).month == 3
    booking = book(
        rep, night_owl, opportunity, start=start, end=start + dt.timedelta(hours=1), now=NOW - dt.timedelta(days=7)
    )
    assert booking.budget == q2
    assert figures(q2)[0] == Decimal("500.00")
    assert figures(q1)[0] == Decimal("0.00")


def test_a_night_across_a_dst_change_is_billed_for_its_real_hours(rep, north, opportunity):
    open_budget(rep, "2026Q1")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    nights = [(6, dt.time(22), dt.time(0)), (7, dt.time(0), dt.time(6))]
    engineer = make_engineer("nacht", region=north, time_zone="Europe/Berlin", working_hours=nights)
    start, end = dt.datetime(2026, 3, 28, 22, tzinfo=berlin), dt.datetime(2026, 3, 29, 6, tzinfo=berlin)
    booking = book(rep, engineer, opportunity, start=start, end=end, now=NOW - dt.timedelta(days=30))
    assert (booking.hours, booking.cost) == (Decimal("7.00"), Decimal("3500.00"))


# --- Refusals: the right error and nothing written ------------------------------------------


def _nothing_written():
    assert not Booking.objects.exists()
    assert not WorkOrder.objects.exists()
    assert not LedgerEntry.objects.exclude(kind=LedgerKind.ALLOCATE).exists()


def _refusals(rep, other_rep, engineer, opportunity, north, solution_a):
    def stranger():
        return make_opportunity(other_rep, region=north, solution=solution_a)

    def qualifying():
        return make_opportunity(rep, region=north, solution=solution_a, stage=PresalesStage.QUALIFICATION)

    def inactive():
        Engineer.objects.filter(pk=engineer.pk).update(is_active=False)
        return engineer

    return {
        "end-before-start": (ValidationFailed, {"start": END, "end": START}, "end"),
        "end-equals-start": (ValidationFailed, {"end": START}, "end"),
        "naive-start": (ValidationFailed, {"start": START.replace(tzinfo=None)}, "start"),
        "in-the-past": (ValidationFailed, {"now": START + dt.timedelta(minutes=1)}, "start"),
        "outside-working-hours": (
            SlotUnavailable,
            {"start": START.replace(hour=18), "end": START.replace(hour=19)},
            None,
        ),
        "on-time-off": (
            SlotUnavailable,
            {"start": START + dt.timedelta(days=1), "end": END + dt.timedelta(days=1)},
            None,
        ),
        "unknown-engineer": (NotFound, {"engineer": Engineer(pk=987654)}, None),
        "inactive-engineer": (ValidationFailed, {"engineer": inactive}, "engineer"),
        "another-reps-opportunity": (NotFound, {"opportunity": stranger}, None),
        "still-in-qualification": (ValidationFailed, {"opportunity": qualifying}, "opportunity"),
        "bad-stage": (ValidationFailed, {"stage": PresalesStage.QUALIFICATION}, "stage"),
    }


REFUSALS = [
    "end-before-start",
    "end-equals-start",
    "naive-start",
    "in-the-past",
    "outside-working-hours",
    "on-time-off",
    "unknown-engineer",
    "inactive-engineer",
    "another-reps-opportunity",
    "still-in-qualification",
    "bad-stage",
]


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_input_is_refused_with_the_right_error_and_nothing_written(
    rep, other_rep, engineer, opportunity, north, solution_a, budget, case
):
    error, changes, field = _refusals(rep, other_rep, engineer, opportunity, north, solution_a)[case]
    arguments = {"engineer": engineer, "opportunity": opportunity, "stage": PresalesStage.VALUE_PRESENTATION}
    arguments |= {key: value() if callable(value) else value for key, value in changes.items()}
    now = arguments.pop("now", NOW)
    with pytest.raises(error) as refused:
        booking_create(
            by=rep,
            activity=Activity.WORKSHOP,
            start=arguments.pop("start", START),
            end=arguments.pop("end", END),
            now=now,
            **arguments,
        )
    if field:
        assert field in refused.value.fields
    _nothing_written()
    assert not mail.outbox


def test_an_overlapping_booking_is_refused_and_nothing_more_is_written(rep, engineer, opportunity, budget):
    first = book(rep, engineer, opportunity)
    entries = LedgerEntry.objects.count()
    with pytest.raises(SlotUnavailable):
        book(rep, engineer, opportunity, start=START + dt.timedelta(minutes=30), end=END + dt.timedelta(minutes=30))
    assert list(Booking.objects.all()) == [first]
    assert WorkOrder.objects.count() == 1
    assert LedgerEntry.objects.count() == entries
    # Half-open: back to back is fine.
    book(rep, engineer, opportunity, start=END, end=END + dt.timedelta(hours=1))


def test_a_booking_over_budget_is_refused_and_nothing_written(
    rep, engineer, opportunity, django_capture_on_commit_callbacks
):
    open_budget(rep, "2026Q2", allocated="400.00")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BudgetExceeded):
        book(rep, engineer, opportunity)
    _nothing_written()
    assert not mail.outbox


# --- Rescheduling ---------------------------------------------------------------------------


def test_moving_onto_another_booking_is_refused(rep, engineer, opportunity, budget):
    first = book(rep, engineer, opportunity)
    second = book(rep, engineer, opportunity, start=END, end=END + dt.timedelta(hours=1))
    with pytest.raises(SlotUnavailable):
        booking_reschedule(booking=second, by=rep, start=START, end=END, now=NOW)
    second.refresh_from_db()
    assert (second.start, second.end) == (END, END + dt.timedelta(hours=1))
    assert first.pk != second.pk
    # Moving within its own slot is not a clash with itself.
    moved = booking_reschedule(booking=second, by=rep, start=END, end=END + dt.timedelta(minutes=30), now=NOW)
    assert moved.cost == Decimal("250.00")


def test_moving_outside_working_hours_or_into_the_past_is_refused(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity)
    with pytest.raises(SlotUnavailable):
        booking_reschedule(booking=booking, by=rep, start=START.replace(hour=7), end=START.replace(hour=8), now=NOW)
    with pytest.raises(ValidationFailed):
        booking_reschedule(booking=booking, by=rep, start=NOW - dt.timedelta(hours=1), end=NOW, now=NOW)


def test_moving_into_the_next_quarter_moves_the_reservation(
    rep, engineer, opportunity, budget, django_capture_on_commit_callbacks
):
    q3 = open_budget(rep, "2026Q3", allocated="100000.00")
    booking = book(rep, engineer, opportunity)
    booking_acknowledge(booking=booking, by=engineer.user, now=NOW)
    start = dt.datetime(2026, 7, 1, 10, tzinfo=SHANGHAI)  # a Wednesday
    with django_capture_on_commit_callbacks(execute=True):
        moved = booking_reschedule(booking=booking, by=rep, start=start, end=start + dt.timedelta(hours=2), now=NOW)
    assert (moved.budget, moved.status, moved.acknowledged_at) == (q3, BookingStatus.BOOKED, None)
    assert figures(budget)[0] == Decimal("0.00")
    assert figures(q3)[0] == Decimal("1000.00")
    assert [m.subject for m in mail.outbox] and "2026-07-01" in mail.outbox[-1].subject


# --- Delay ----------------------------------------------------------------------------------

DESIRED = dt.datetime(2026, 4, 7, 9, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("first_start", "now", "expected"),
    [
        (DESIRED - dt.timedelta(hours=1), DESIRED, Delay.ON_TIME),
        (DESIRED, DESIRED, Delay.ON_TIME),
        (DESIRED + dt.timedelta(minutes=1), DESIRED, Delay.SLIGHT),
        (DESIRED + dt.timedelta(hours=48), DESIRED, Delay.SLIGHT),
        (DESIRED + dt.timedelta(hours=48, seconds=1), DESIRED, Delay.SEVERE),
        (None, DESIRED - dt.timedelta(hours=1), Delay.PENDING),
        (None, DESIRED + dt.timedelta(hours=48), Delay.SLIGHT),
        (None, DESIRED + dt.timedelta(hours=49), Delay.SEVERE),
    ],
    ids=[
        "early",
        "exact",
        "a-minute-late",
        "at-the-limit",
        "past-the-limit",
        "unfilled-not-due",
        "unfilled-within",
        "unfilled-beyond",
    ],
)
def test_delay_classification(first_start, now, expected):
    assert classify_delay(desired_start=DESIRED, first_start=first_start, slight_limit_hours=48, at=now) == expected


@pytest.mark.parametrize(("slight_limit", "expected"), [(48, Delay.SLIGHT), (4, Delay.SEVERE)])
def test_the_slight_limit_is_the_solutions(rep, engineer, opportunity, budget, slight_limit, expected):
    opportunity.solution.slight_delay_hours = slight_limit
    opportunity.solution.save()
    booking = book(rep, engineer, opportunity, desired_start=START - dt.timedelta(hours=5))
    assert booking_delay(booking, now=NOW) == expected


def test_a_cancelled_booking_does_not_fill_its_work_order(rep, engineer, opportunity, budget):
    booking = book(rep, engineer, opportunity, desired_start=START)
    booking_cancel(booking=booking, by=rep, now=NOW)
    assert booking_delay(booking, now=START + dt.timedelta(hours=49)) == Delay.SEVERE


# --- Notifications --------------------------------------------------------------------------


def test_a_booking_mails_the_engineer_after_commit(
    rep, engineer, opportunity, budget, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book(rep, engineer, opportunity)
        assert not mail.outbox  # nothing before the commit
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [[engineer.user.email]]
    assert opportunity.name in mail.outbox[0].subject
    assert "2026-04-07 13:30" in mail.outbox[0].body
    assert booking.pk


def test_a_booking_rolled_back_by_an_outer_transaction_mails_nothing(
    rep, engineer, opportunity, budget, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        book(rep, engineer, opportunity)
        raise RuntimeError("the caller changed its mind")
    assert callbacks == []
    assert not mail.outbox
    _nothing_written()


def test_cancelling_mails_the_engineer(rep, engineer, opportunity, budget, django_capture_on_commit_callbacks):
    booking = book(rep, engineer, opportunity)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, by=rep, now=NOW)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [engineer.user.email]
    assert opportunity.name in mail.outbox[0].subject


def test_an_engineer_without_email_gets_no_mail(rep, north, opportunity, budget, django_capture_on_commit_callbacks):
    engineer = make_engineer("quiet", region=north)
    engineer.user.email = ""
    engineer.user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        book(rep, engineer, opportunity)
    assert not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_only_the_committed_booking_is_mailed(rep, engineer, opportunity, budget):
    committed = book(rep, engineer, opportunity)
    assert [m.to for m in mail.outbox] == [[engineer.user.email]]
    with pytest.raises(RuntimeError), transaction.atomic():
        book(rep, engineer, opportunity, start=END, end=END + dt.timedelta(hours=1))
        raise RuntimeError("rolled back")
    assert len(mail.outbox) == 1
    assert list(Booking.objects.all()) == [committed]
