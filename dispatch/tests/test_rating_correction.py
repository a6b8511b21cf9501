"""Rating corrections: the rep who rated a booking may correct it within 7 days; each correction
is audited and the engineer's running sum follows. Service, API and My bookings page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dispatch.models import Booking, BookingStatus, Engineer, Rating
from dispatch.services.bookings import booking_rating_correct
from presales.exceptions import InvalidState, PermissionDenied, ValidationFailed
from presales.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Service messages are matched in English; the default language is Chinese.
    with translation.override("en"):
        yield


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/api/v1/bookings/"


@pytest.fixture
def rated(reference_scenario):
    """One of Wang's bookings on o1, rated 4 by rep_a (as the reference file has it)."""
    return Booking.objects.filter(work_order__key="v3", status=BookingStatus.RATED).select_related("rating").first()


@pytest.fixture
def recent(rated):
    """The same booking, rated two days ago, so that the real clock is inside the window."""
    Rating.objects.filter(booking=rated).update(rated_at=timezone.now() - dt.timedelta(days=2))
    rated.refresh_from_db()
    return rated


def wang() -> Engineer:
    return Engineer.objects.get(user__username="wang")


def test_the_rep_corrects_within_7_days_and_the_history_keeps_who_and_when(rated):
    rep = rated.work_order.opportunity.owner
    before = wang()
    when = rated.rating.rated_at + dt.timedelta(days=6, hours=23)
    rating = booking_rating_correct(booking=rated, by=rep, score=2, comment=" Late report ", now=when)
    assert (rating.score, rating.comment, rating.updated_at, rating.rated_at) == (
        2,
        "Late report",
        when,
        rated.rating.rated_at,
    )
    after = wang()
    assert (after.rating_sum, after.rating_count) == (before.rating_sum - 2, before.rating_count)
    latest, previous = rating.history.order_by("-history_id")[:2]
    assert (latest.history_type, latest.history_user, latest.score, latest.history_change_reason) == (
        "~",
        rep,
        2,
        "correction",
    )
    assert previous.score == 4
    # Left out, the comment stays.
    booking_rating_correct(booking=rated, by=rep, score=3, now=when)
    assert Rating.objects.get(pk=rating.pk).comment == "Late report"
    assert wang().rating_sum == before.rating_sum - 1


def test_after_7_days_the_rating_stands(rated):
    rep = rated.work_order.opportunity.owner
    sum_before = wang().rating_sum
    late = rated.rating.rated_at + dt.timedelta(days=7, seconds=1)
    with pytest.raises(InvalidState, match="within 7 days"):
        booking_rating_correct(booking=rated, by=rep, score=1, now=late)
    assert Rating.objects.get(booking=rated).score == 4
    assert wang().rating_sum == sum_before


def test_only_the_rater_corrects_and_only_a_rated_booking(rated):
    when = rated.rating.rated_at + dt.timedelta(days=1)
    for other in ("rep_b", "mgr_north", "wang"):
        with pytest.raises(PermissionDenied):
            booking_rating_correct(booking=rated, by=User.objects.get(username=other), score=1, now=when)
    rep = rated.work_order.opportunity.owner
    with pytest.raises(ValidationFailed):
        booking_rating_correct(booking=rated, by=rep, score=6, now=when)
    Rating.objects.filter(booking=rated).delete()
    with pytest.raises(InvalidState, match="not been rated"):
        booking_rating_correct(booking=rated, by=rep, score=1, now=when)


# --- API -----------------------------------------------------------------------------------------


def test_the_api_corrects_with_patch_and_keeps_post_for_the_first_rating(api, recent):
    client = api.as_user(recent.work_order.opportunity.owner)
    response = client.patch(f"{URL}{recent.pk}/rating/", {"score": 2, "comment": "Changed my mind"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == {
        "score": 2,
        "comment": "Changed my mind",
        "rated_at": response.json()["rating"]["rated_at"],
    }
    assert Rating.objects.get(booking=recent).history.first().history_user == recent.work_order.opportunity.owner
    again = client.post(f"{URL}{recent.pk}/rating/", {"score": 5}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    bad = client.patch(f"{URL}{recent.pk}/rating/", {"score": 0}, format="json")
    assert bad.status_code == 400 and "score" in bad.json()["fields"]


def test_the_api_refuses_a_late_correction_and_strangers(api, rated):
    owner = rated.work_order.opportunity.owner
    response = api.as_user(owner).patch(f"{URL}{rated.pk}/rating/", {"score": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    response = api.as_user(User.objects.get(username="rep_b")).patch(
        f"{URL}{rated.pk}/rating/", {"score": 1}, format="json"
    )
    assert response.status_code == 404
    response = api.as_user(User.objects.get(username="wang")).patch(
        f"{URL}{rated.pk}/rating/", {"score": 1}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Rating.objects.get(booking=rated).score == 4


# --- My bookings page ----------------------------------------------------------------------------


def row_of(body: str, booking: Booking) -> str:
    return body.split(f'id="booking-{booking.pk}"', 1)[1].split("</tr>", 1)[0]


def test_my_bookings_offers_the_correction_within_7_days_only(client, recent):
    client.force_login(recent.work_order.opportunity.owner)
    body = client.get(reverse("dispatch:my-bookings"), **EN).content.decode()
    assert 'data-testid="correct-rating"' in row_of(body, recent)
    older = Booking.objects.filter(status=BookingStatus.RATED, work_order__opportunity__owner__username="rep_a")
    old = older.exclude(pk=recent.pk).first()
    assert 'data-testid="correct-rating"' not in row_of(body, old)


def test_the_rep_corrects_a_rating_in_place(client, recent):
    sum_before = wang().rating_sum
    client.force_login(recent.work_order.opportunity.owner)
    url = reverse("dispatch:booking-rating-correct", args=[recent.pk])
    response = client.post(url, {"score": "5", "comment": "Great after all"}, **EN, **HTMX)
    assert response.status_code == 200
    assert 'data-testid="rating">5 ★' in response.content.decode()
    assert Rating.objects.get(booking=recent).comment == "Great after all"
    assert wang().rating_sum == sum_before + 1
    assert Rating.objects.get(booking=recent).history.first().history_user == recent.work_order.opportunity.owner


def test_a_late_correction_is_refused_on_the_row(client, rated):
    client.force_login(rated.work_order.opportunity.owner)
    url = reverse("dispatch:booking-rating-correct", args=[rated.pk])
    body = client.post(url, {"score": "1"}, **EN, **HTMX).content.decode()
    assert 'data-testid="row-error"' in body and "within 7 days" in body
    assert Rating.objects.get(booking=rated).score == 4


def test_another_rep_cannot_correct(client, recent):
    client.force_login(User.objects.get(username="rep_b"))
    url = reverse("dispatch:booking-rating-correct", args=[recent.pk])
    assert client.post(url, {"score": "1"}).status_code == 404
    assert client.get(url).status_code == 405
    assert Rating.objects.get(booking=recent).score == 4
    assert wang().rating_avg >= Decimal("4")
