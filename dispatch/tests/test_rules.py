"""Each rule of ``dispatch.rules`` gives the same answer in Python and in SQL, row by row, on a
small world: bookings in every status (finished ones with actual hours other than booked),
uplifts 0, 50 and 200, scores 1 to 5, utilisation with and without capacity. The CHECK
constraints are built on the same bounds and refuse what the Python rule refuses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from budgeting.tests.factories import open_budget
from dispatch.models import DONE_STATUSES, HOLDING_STATUSES, Booking, BookingStatus, Rating, WorkOrder
from dispatch.rules.hours import (
    HOURS,
    booked_hours,
    credited_hours,
    credited_hours_expression,
    effective_hours,
    effective_hours_by_engineer,
    effective_hours_expression,
)
from dispatch.rules.ratings import SCORES, bad_review_q, is_bad_review, valid_score, valid_score_q
from dispatch.rules.uplift import MAX_UPLIFT, Uplifted, uplift_bounds_q, valid_uplift
from dispatch.rules.utilisation import utilisation, utilisation_expression
from dispatch.services.bookings import booking_cost
from dispatch.tests.engineers import make_engineer, make_opportunity
from grabbing.models import GrabOrder
from monitoring.models import UtilisationSnapshot
from presales.choices import Activity, PresalesStage
from presales.money import money

T0 = dt.datetime(2026, 5, 4, 1, tzinfo=dt.UTC)
UPLIFTS = (0, 50, MAX_UPLIFT)
# Window lengths in minutes (whole and fractional hours) and, for finished work, the hours
# actually worked — fewer, more, and a third of an hour that rounds.
LENGTHS = (60, 75, 200)
ACTUAL = {60: Decimal("1.25"), 75: Decimal("0.75"), 200: Decimal("3.33")}


@pytest.fixture
def world(north, solution_a, rep):
    budget = open_budget(rep, "2026Q2")
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    order = WorkOrder.objects.create(
        opportunity=opportunity,
        stage=PresalesStage.VALUE_PRESENTATION,
        activity=Activity.WORKSHOP,
        solution=solution_a,
        desired_start=T0,
        desired_end=T0 + dt.timedelta(days=30),
    )
    engineers = [make_engineer(f"rule{n}", region=north) for n in range(2)]
    start, scores = T0, iter(SCORES)
    for n, (status, uplift, minutes) in enumerate(
        (status, uplift, minutes) for status in BookingStatus for uplift in UPLIFTS for minutes in LENGTHS
    ):
        end = start + dt.timedelta(minutes=minutes)
        hours = booked_hours(start, end)
        done = status in DONE_STATUSES
        booking = Booking.objects.create(
            work_order=order,
            engineer=engineers[n % 2],
            budget=budget,
            stage=order.stage,
            activity=order.activity,
            start=start,
            end=end,
            status=status,
            hours=hours,
            hourly_rate=Decimal(500),
            uplift_percent=uplift,
            cost=booking_cost(hours=hours, hourly_rate=Decimal(500), uplift_percent=uplift),
            actual_hours=ACTUAL[minutes] if done else None,
        )
        if status == BookingStatus.RATED:
            score = next(scores, 3)
            Rating.objects.create(booking=booking, score=score, rated_by=rep)
        start = end + dt.timedelta(hours=1)
    return {"engineers": engineers, "order": order}


@pytest.mark.django_db
def test_booked_effective_and_credited_hours_agree(world):
    rows = Booking.objects.annotate(effective=effective_hours_expression(), credited=credited_hours_expression())
    assert rows.count() == len(BookingStatus) * len(UPLIFTS) * len(LENGTHS)
    for booking in rows:
        assert booking.effective == effective_hours(booking), booking.pk
        assert Decimal(booking.credited).quantize(HOURS) == credited_hours(booking) == booking.credited_hours
        assert booking.hours == booked_hours(booking.start, booking.end)
    # Finished work counts at its actual hours, the rest as booked.
    done = rows.filter(status__in=DONE_STATUSES, uplift_percent=50, hours=Decimal("3.33")).first()
    assert (done.effective, done.credited_hours) == (Decimal("3.33"), Decimal("5.00"))


@pytest.mark.django_db
def test_the_engineers_effective_hours_sum_the_rule_over_the_bookings_holding_their_time(world):
    summed = effective_hours_by_engineer(start=T0, end=T0 + dt.timedelta(days=30))
    holding = Booking.objects.filter(status__in=HOLDING_STATUSES)
    expected = {
        engineer.pk: money(sum(effective_hours(b) for b in holding if b.engineer_id == engineer.pk))
        for engineer in world["engineers"]
    }
    assert summed == expected
    only = effective_hours_by_engineer(
        start=T0, end=T0 + dt.timedelta(days=30), engineer_ids=[world["engineers"][0].pk]
    )
    assert only == {world["engineers"][0].pk: expected[world["engineers"][0].pk]}


@pytest.mark.django_db
def test_cost_is_the_uplifted_price_in_python_and_sql(world):
    for booking in Booking.objects.annotate(priced=Uplifted(F("hours") * F("hourly_rate"))):
        assert money(booking.priced) == booking.cost, booking.pk


@pytest.mark.django_db
def test_a_grab_order_credits_its_window_as_the_booking_confirming_it(world):
    for booking in Booking.objects.filter(status=BookingStatus.BOOKED):
        order = GrabOrder(start=booking.start, end=booking.end, uplift_percent=booking.uplift_percent)
        assert (order.hours, order.credited_hours) == (booking.hours, booking.credited_hours)


@pytest.mark.django_db
def test_bad_review_in_python_and_sql(world):
    ratings = list(Rating.objects.all())
    assert {r.score for r in ratings} == set(SCORES)
    assert set(Rating.objects.filter(bad_review_q()).values_list("pk", flat=True)) == {
        r.pk for r in ratings if is_bad_review(r.score)
    }
    assert set(Booking.objects.filter(bad_review_q("rating__")).values_list("pk", flat=True)) == {
        r.booking_id for r in ratings if is_bad_review(r.score)
    }
    assert [score for score in SCORES if is_bad_review(score)] == [1, 2]


@pytest.mark.django_db
def test_score_bounds_in_python_sql_and_the_constraint(world):
    assert set(Rating.objects.filter(valid_score_q()).values_list("score", flat=True)) == set(SCORES)
    assert [valid_score(score) for score in (0, 1, 5, 6, "3", 2.0, None)] == [False, True, True, False] + [False] * 3
    (constraint,) = (c for c in Rating._meta.constraints if c.name == "dispatch_rating_score_1_5")
    assert constraint.condition == valid_score_q()
    rating = Rating.objects.first()
    for score in (0, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            Rating.objects.filter(pk=rating.pk).update(score=score)


@pytest.mark.django_db
def test_uplift_bounds_in_python_sql_and_both_constraints(world):
    assert set(Booking.objects.filter(uplift_bounds_q()).values_list("uplift_percent", flat=True)) == set(UPLIFTS)
    assert [valid_uplift(u) for u in (-1, 0, 50, 200, 201, 50.0, "50")] == [False, True, True, True] + [False] * 3
    for model, name in ((Booking, "dispatch_booking_uplift_0_200"), (GrabOrder, "grabbing_graborder_uplift_0_200")):
        (constraint,) = (c for c in model._meta.constraints if c.name == name)
        assert constraint.condition == uplift_bounds_q()
    booking = Booking.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(uplift_percent=MAX_UPLIFT + 1)


# (effective, available): none without capacity, idle, over-booked, ratios that round.
LOADS = [("0", "0"), ("5", "0"), ("0", "40"), ("7.25", "36"), ("40", "45"), ("12.5", "8"), ("1", "3"), ("33.33", "72")]


@pytest.mark.django_db
def test_utilisation_in_python_and_sql(world, north):
    engineer = world["engineers"][0]
    for n, (effective, available) in enumerate(LOADS):
        UtilisationSnapshot.objects.create(
            engineer=engineer,
            region=north,
            window_start=T0,
            window_end=T0 + dt.timedelta(days=n + 1),
            effective_hours=Decimal(effective),
            available_hours=Decimal(available),
        )
    for snap in UtilisationSnapshot.objects.annotate(ratio=utilisation_expression()):
        in_sql = None if snap.ratio is None else Decimal(str(snap.ratio))
        assert in_sql == utilisation(snap.effective_hours, snap.available_hours) == snap.utilisation, snap.window_end
    assert utilisation(Decimal(0), Decimal(0)) is None
    assert utilisation(Decimal(1), Decimal(3), places=Decimal("0.001")) == Decimal("0.333")
