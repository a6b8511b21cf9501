"""The engineer's iCalendar feed: a secret URL, holding bookings and time off, parsed back."""

import datetime as dt
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse

from budgeting.tests.factories import open_budget
from dispatch.services.bookings import booking_acknowledge, booking_cancel, booking_create
from dispatch.services.engineers import engineer_rotate_calendar_token
from dispatch.tests.engineers import SHANGHAI, make_engineer, make_opportunity
from presales.choices import Activity, PresalesStage
from presales.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db

HOST = urlsplit(settings.SITE_URL).hostname
LEAVE = (dt.datetime(2099, 4, 8, tzinfo=SHANGHAI), dt.datetime(2099, 4, 9, tzinfo=SHANGHAI))


@pytest.fixture
def engineer(north, engineer_user):
    return make_engineer(engineer_user, region=north, time_off=[LEAVE])


@pytest.fixture
def bookings(rep, north, solution_a, engineer):
    """Three bookings on Tuesday 7 April 2099: one booked, one acknowledged, one cancelled."""
    open_budget(rep, "2099Q2")
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    made = []
    for hour, activity in ((9, Activity.WORKSHOP), (11, Activity.POC), (14, Activity.CASE_VISIT)):
        start = dt.datetime(2099, 4, 7, hour, 30, tzinfo=SHANGHAI)
        made.append(
            booking_create(
                by=rep,
                engineer=engineer,
                opportunity=opportunity,
                stage=PresalesStage.VALUE_PRESENTATION,
                activity=activity,
                start=start,
                end=start + dt.timedelta(hours=1),
            )
        )
    booking_acknowledge(booking=made[1], by=engineer.user)
    booking_cancel(booking=made[2], by=rep)
    return made


def feed_url(engineer) -> str:
    return reverse("dispatch:calendar-feed", kwargs={"token": engineer.calendar_token})


def fetch(client, engineer) -> icalendar.Calendar:
    response = client.get(feed_url(engineer))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_the_feed_lists_holding_bookings_and_time_off_in_utc(client, engineer, bookings):
    feed = fetch(client, engineer)  # no sign-in: the token is the credential
    events = {str(event["uid"]): event for event in feed.walk("VEVENT")}
    booked, acknowledged, _cancelled = bookings
    assert set(events) == {
        f"booking-{booked.pk}@{HOST}",
        f"booking-{acknowledged.pk}@{HOST}",
        f"time-off-{engineer.time_off.get().pk}@{HOST}",
    }
    first = events[f"booking-{booked.pk}@{HOST}"]
    assert first.decoded("dtstart") == dt.datetime(2099, 4, 7, 1, 30, tzinfo=dt.UTC)
    assert first.decoded("dtend") == dt.datetime(2099, 4, 7, 2, 30, tzinfo=dt.UTC)
    assert b"DTSTART:20990407T013000Z" in client.get(feed_url(engineer)).content  # UTC, not a local zone
    assert booked.work_order.opportunity.name in str(first["summary"])
    assert str(first["status"]) == "TENTATIVE"
    assert str(events[f"booking-{acknowledged.pk}@{HOST}"]["status"]) == "CONFIRMED"
    leave = events[f"time-off-{engineer.time_off.get().pk}@{HOST}"]
    assert (leave.decoded("dtstart"), leave.decoded("dtend")) == tuple(moment.astimezone(dt.UTC) for moment in LEAVE)


def test_a_cancelled_booking_is_not_in_the_feed(client, engineer, bookings):
    uids = [str(event["uid"]) for event in fetch(client, engineer).walk("VEVENT")]
    assert f"booking-{bookings[2].pk}@{HOST}" not in uids


def test_an_unknown_token_is_404(client, engineer):
    assert client.get(reverse("dispatch:calendar-feed", kwargs={"token": "not-a-token"})).status_code == 404


def test_an_inactive_engineers_feed_is_404(client, engineer):
    engineer.is_active = False
    engineer.save()
    assert client.get(feed_url(engineer)).status_code == 404


def test_another_engineers_bookings_are_not_in_the_feed(client, north, engineer, bookings):
    other = make_engineer("other_engineer", region=north)
    assert fetch(client, other).walk("VEVENT") == []


def test_rotating_the_token_revokes_the_old_url(client, engineer, bookings):
    old_url = feed_url(engineer)
    rotated = engineer_rotate_calendar_token(engineer=engineer, by=engineer.user)
    assert rotated.calendar_token != engineer.calendar_token
    assert client.get(old_url).status_code == 404
    assert len(fetch(client, rotated).walk("VEVENT")) == 3


def test_only_the_engineer_or_an_admin_rotates_the_token(rep, admin_user, engineer):
    token = engineer.calendar_token
    with pytest.raises(PermissionDenied):
        engineer_rotate_calendar_token(engineer=engineer, by=rep)
    engineer.refresh_from_db()
    assert engineer.calendar_token == token
    assert engineer_rotate_calendar_token(engineer=engineer, by=admin_user).calendar_token != token
