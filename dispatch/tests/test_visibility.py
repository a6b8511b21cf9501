"""Full-process visibility of an opportunity, on the reference file's opportunity o1."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Booking
from dispatch.selectors.visibility import opportunity_visibility
from presales.models import Opportunity, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def o1(reference_scenario):
    return Opportunity.objects.get(key="o1")


def hours(visibility) -> dict[str, dict[str, Decimal]]:
    return {r.engineer.user.username: dict(r.hours_by_stage) for r in visibility.engineers}


def test_the_owner_sees_hours_by_engineer_and_stage_delays_ratings_and_money(o1):
    seen = opportunity_visibility(opportunity=o1, viewer=o1.owner)
    assert hours(seen) == {
        "zhang": {"value_presentation": 16, "bid_preparation": 32, "bidding": 32},
        "li": {"value_presentation": 32},
        "wang": {"value_presentation": 40},
    }
    assert {r.engineer.user.username: r.total_hours for r in seen.engineers} == {"zhang": 80, "li": 32, "wang": 40}
    assert seen.delay_counts == {"total": 4, "pending": 0, "on_time": 1, "slight": 1, "severe": 2}
    ratings = {r.engineer.user.username: r.rating_avg for r in seen.engineers}
    assert ratings["zhang"] >= 4 and ratings["wang"] >= 4 and ratings["li"] == 3  # satisfied / neutral
    charged = sum(b.charged for b in Booking.objects.filter(work_order__opportunity=o1))
    assert seen.spent == charged
    assert seen.reserved == 0


def test_the_region_manager_sees_everything_an_engineer_only_their_part(o1):
    manager = opportunity_visibility(opportunity=o1, viewer=User.objects.get(username="mgr_north"))
    assert set(hours(manager)) == {"zhang", "li", "wang"}
    li = opportunity_visibility(opportunity=o1, viewer=User.objects.get(username="li"))
    assert hours(li) == {"li": {"value_presentation": 32}}
    assert li.spent is None and li.reserved is None
    assert li.delay_counts["total"] == 1


def test_queries_do_not_grow_with_the_bookings(o1):
    with CaptureQueriesContext(connection) as few:
        opportunity_visibility(opportunity=o1, viewer=o1.owner)
    o2 = Opportunity.objects.get(key="o2")
    assert (
        Booking.objects.filter(work_order__opportunity=o2).count()
        != Booking.objects.filter(work_order__opportunity=o1).count()
    )
    with CaptureQueriesContext(connection) as other:
        opportunity_visibility(opportunity=o2, viewer=o2.owner)
    assert len(few) == len(other)


def test_an_engineers_record_over_a_period(o1):
    import datetime as dt
    import zoneinfo

    from dispatch.models import Engineer
    from dispatch.selectors.visibility import engineer_report

    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    li = Engineer.objects.get(user__username="li")
    first_half = engineer_report(
        engineer=li, start=dt.datetime(2026, 1, 1, tzinfo=tz), end=dt.datetime(2026, 4, 1, tzinfo=tz)
    )
    assert first_half.hours_by_stage == {"value_presentation": 32}
    assert first_half.hours_by_solution == {"A": 32}
    assert (first_half.rating_avg, first_half.rating_count) == (Decimal("3.00"), 5)
    assert [(d.work_order.key, d.delay) for d in first_half.delayed] == [("v2", "slight")]
    # Q1 2026 in Shanghai: every weekday 09:00–18:00, no leave, nothing still booked.
    weekdays = sum(1 for n in range(90) if (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoweekday() <= 5)
    assert first_half.available_hours == weekdays * 9
    assert first_half.utilisation == (Decimal(32) / (weekdays * 9)).quantize(Decimal("0.001"))
    nothing = engineer_report(
        engineer=li, start=dt.datetime(2025, 1, 1, tzinfo=tz), end=dt.datetime(2025, 1, 2, tzinfo=tz)
    )
    assert nothing.total_hours == 0 and nothing.rating_avg is None and nothing.delayed == []


def test_the_visibility_api_follows_the_contract(o1, api):
    response = api.as_user(o1.owner).get(f"/api/v1/opportunities/{o1.pk}/visibility/")
    assert response.status_code == 200
    body = response.json()
    assert body["opportunity"] == o1.pk
    engineers = {e["name"].split()[-1]: e for e in body["engineers"]}
    assert engineers["Zhang"]["hours_by_stage"] == {
        "value_presentation": "16.00",
        "bid_preparation": "32.00",
        "bidding": "32.00",
    }
    assert (engineers["Zhang"]["total_hours"], engineers["Li"]["total_hours"], engineers["Wang"]["total_hours"]) == (
        "80.00",
        "32.00",
        "40.00",
    )
    assert body["dispatches"] == {"total": 4, "pending": 0, "on_time": 1, "slight": 1, "severe": 2}
    assert [d["delay"] for d in body["dispatch_list"]].count("severe") == 2
    assert body["spent"] == str(sum(b.charged for b in Booking.objects.filter(work_order__opportunity=o1)))
    assert body["reserved"] == "0.00"


def test_the_visibility_api_hides_what_the_viewer_may_not_see(o1, api):
    other_rep = User.objects.get(username="rep_b")
    assert api.as_user(other_rep).get(f"/api/v1/opportunities/{o1.pk}/visibility/").status_code == 404
    east = User.objects.get(username="mgr_east")
    assert api.as_user(east).get(f"/api/v1/opportunities/{o1.pk}/visibility/").status_code == 404
    li = api.as_user(User.objects.get(username="li")).get(f"/api/v1/opportunities/{o1.pk}/visibility/").json()
    assert [e["total_hours"] for e in li["engineers"]] == ["32.00"]
    assert li["spent"] is None and li["reserved"] is None


def test_the_visibility_api_runs_a_fixed_number_of_queries(o1, api):
    client = api.as_user(o1.owner)
    o2 = Opportunity.objects.get(key="o2")
    client.get(f"/api/v1/opportunities/{o2.pk}/visibility/")
    with CaptureQueriesContext(connection) as first:
        client.get(f"/api/v1/opportunities/{o1.pk}/visibility/")
    with CaptureQueriesContext(connection) as second:
        client.get(f"/api/v1/opportunities/{o2.pk}/visibility/")
    assert len(first) == len(second)
