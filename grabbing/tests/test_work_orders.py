"""The pool fills work orders: a grab order is always the call of one work order.

Posted from an open work order (its requirements and window the defaults) or opening one; an
order that would invite nobody is 409 nobody_in_scope and writes nothing; the first grab is the
work order's first response; confirmation books the winner on that work order.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Booking, WorkOrder
from dispatch.services.bookings import booking_create, work_order_cancel
from dispatch.services.work_orders import work_order_create
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_api import client_for
from dispatch.work_order_status import WorkOrderStatus, with_status
from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus
from grabbing.services import grab_orders as grab_order_services
from grabbing.tests.factories import post, window
from presales.exceptions import InvalidState, NobodyInScope, ValidationFailed, WorkOrderStaffed
from presales.tests.factories import SkillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v1/grab-orders/"


def status_of(work_order: WorkOrder) -> str:
    return with_status(WorkOrder.objects.filter(pk=work_order.pk), at=timezone.now()).get().status


def open_work_order(rep, opportunity, *, skills=(), engineers_needed: int = 1, hours: int = 2) -> WorkOrder:
    start, end = window(hours)
    return work_order_create(
        by=rep,
        opportunity=opportunity,
        stage="value_presentation",
        activity="workshop",
        desired_start=start,
        desired_end=end,
        skills=skills,
        engineers_needed=engineers_needed,
        note="Needs a GIS expert",
    )


def invited(order) -> set[str]:
    return set(order.invitations.values_list("engineer__user__username", flat=True))


# --- acceptance ------------------------------------------------------------------------------------


def test_posted_from_a_work_order_the_first_grab_is_its_response_and_confirming_staffs_it(
    rep, opportunity, wang, li, budget
):
    work_order = open_work_order(rep, opportunity)
    response = client_for(rep).post(URL, {"work_order": work_order.pk, "uplift_percent": 50}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["work_order"], data["invited"], data["status"]) == (work_order.pk, 2, "open")
    assert (dt.datetime.fromisoformat(data["start"]), dt.datetime.fromisoformat(data["end"])) == (
        work_order.desired_start,
        work_order.desired_end,
    )
    order = GrabOrder.objects.get(pk=data["id"])
    assert (order.work_order, order.opportunity, order.note) == (work_order, opportunity, "Needs a GIS expert")
    assert WorkOrder.objects.count() == 1  # no second work order opened

    grabbed_at = timezone.now()
    grab_order_services.grab_order_grab(grab_order=order, by=wang.user, now=grabbed_at)
    work_order.refresh_from_db()
    assert work_order.first_response_at == grabbed_at

    response = client_for(rep).post(f"{URL}{order.pk}/confirm/", format="json")
    assert response.status_code == 201, response.json()
    booking = Booking.objects.get()
    assert (booking.work_order, booking.engineer, booking.uplift_percent) == (work_order, wang, 50)
    assert response.json()["work_order"] == work_order.pk
    assert status_of(work_order) == WorkOrderStatus.STAFFED
    order.refresh_from_db()
    assert (order.status, order.booking) == (GrabOrderStatus.CONFIRMED, booking)


def test_a_scope_matching_nobody_is_409_nobody_in_scope_and_writes_nothing(rep, opportunity, wang, east):
    start, end = window()
    body = {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "uplift_percent": 50,
        "scope": {"regions": ["east"]},  # wang is in the north; nobody in the east
    }
    response = client_for(rep).post(URL, body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "nobody_in_scope" and response.json()["detail"]
    assert (GrabOrder.objects.count(), WorkOrder.objects.count()) == (0, 0)

    work_order = open_work_order(rep, opportunity)
    response = client_for(rep).post(
        URL, {"work_order": work_order.pk, "uplift_percent": 50, "scope": {"regions": ["east"]}}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "nobody_in_scope")
    assert (GrabOrder.objects.count(), WorkOrder.objects.count()) == (0, 1)
    with pytest.raises(NobodyInScope):
        post(rep, opportunity, scope_grades=["P9"])
    assert (GrabOrder.objects.count(), WorkOrder.objects.count()) == (0, 1)


# --- posting ---------------------------------------------------------------------------------------


def test_posting_without_a_work_order_opens_one_with_the_orders_requirements(rep, opportunity, north, solution_a):
    gis = SkillFactory(code="gis")
    make_engineer("expert", region=north, solutions=[solution_a], skills={gis: 4})
    order = post(rep, opportunity, skills=[gis], min_level=3, note="Bring the demo kit")
    work_order = order.work_order
    assert (work_order.opportunity, work_order.stage, work_order.activity) == (
        opportunity,
        "value_presentation",
        "workshop",
    )
    assert (work_order.desired_start, work_order.desired_end) == (order.start, order.end)
    assert [(row.skill.code, row.min_level) for row in work_order.skills.all()] == [("gis", 3)]
    assert (work_order.solution, work_order.note, work_order.created_by) == (solution_a, "Bring the demo kit", rep)
    assert status_of(work_order) == WorkOrderStatus.OPEN


def test_the_work_orders_skills_each_at_its_own_level_decide_who_is_invited(rep, opportunity, north, solution_a):
    gis, iot = SkillFactory(code="gis"), SkillFactory(code="iot")
    make_engineer("both", region=north, solutions=[solution_a], skills={gis: 4, iot: 2})
    make_engineer("weak_gis", region=north, solutions=[solution_a], skills={gis: 3, iot: 5})
    make_engineer("no_iot", region=north, solutions=[solution_a], skills={gis: 5})
    work_order = open_work_order(rep, opportunity, skills=[(gis, 4), (iot, 2)])
    order = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=30)
    assert invited(order) == {"both"}
    assert sorted(order.skills.values_list("code", flat=True)) == ["gis", "iot"]
    # Terms given override the defaults: gis alone at level 3.
    order = grab_order_services.grab_order_post(
        by=rep, work_order=work_order, skills=[gis], min_level=3, uplift_percent=30
    )
    assert invited(order) == {"both", "weak_gis", "no_iot"}


def test_a_cancelled_or_staffed_work_order_cannot_go_to_the_pool(rep, opportunity, wang, li, budget):
    staffed = open_work_order(rep, opportunity)
    start, end = window()
    booking_create(by=rep, engineer=li, work_order=staffed, start=start, end=end)
    with pytest.raises(WorkOrderStaffed):
        grab_order_services.grab_order_post(by=rep, work_order=staffed, uplift_percent=50)
    cancelled = open_work_order(rep, opportunity)
    work_order_cancel(work_order=cancelled, by=rep)
    response = client_for(rep).post(URL, {"work_order": cancelled.pk, "uplift_percent": 50}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    assert GrabOrder.objects.count() == 0


def test_another_reps_work_order_is_unknown_and_another_opportunity_is_refused(
    rep, other_rep, opportunity, wang, north, solution_a
):
    work_order = open_work_order(rep, opportunity)
    response = client_for(other_rep).post(URL, {"work_order": work_order.pk, "uplift_percent": 50}, format="json")
    assert response.status_code == 400 and "work_order" in response.json()["fields"]
    other = make_opportunity(rep, region=north, solution=solution_a)
    with pytest.raises(ValidationFailed) as refused:
        grab_order_services.grab_order_post(by=rep, work_order=work_order, opportunity=other, uplift_percent=50)
    assert "opportunity" in refused.value.fields


def test_without_a_work_order_the_opportunity_and_window_are_required(rep, wang):
    response = client_for(rep).post(URL, {"uplift_percent": 50}, format="json")
    assert response.status_code == 400
    assert {"opportunity", "stage", "activity", "start", "end"} <= set(response.json()["fields"])


# --- grab and confirm ------------------------------------------------------------------------------


def test_a_later_grab_after_a_rejection_keeps_the_earlier_first_response(rep, opportunity, wang, li, budget):
    order = grab_order_services.grab_order_post(by=rep, work_order=open_work_order(rep, opportunity), uplift_percent=50)
    first = timezone.now()
    grab_order_services.grab_order_grab(grab_order=order, by=wang.user, now=first)
    grab_order_services.grab_order_reject(grab_order=order, by=rep)
    grab_order_services.grab_order_grab(grab_order=order, by=li.user, now=first + dt.timedelta(minutes=5))
    order.work_order.refresh_from_db()
    assert order.work_order.first_response_at == first


def test_a_grab_of_a_work_order_staffed_meanwhile_is_409_work_order_staffed(rep, opportunity, wang, li, budget):
    work_order = open_work_order(rep, opportunity)
    order = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=50)
    start, end = window()
    booking_create(by=rep, engineer=li, work_order=work_order, start=start, end=end)
    response = client_for(wang.user).post(f"{URL}{order.pk}/grab/", format="json")
    assert (response.status_code, response.json()["code"]) == (409, "work_order_staffed")
    order.refresh_from_db()
    work_order.refresh_from_db()
    assert (order.status, order.winner, work_order.first_response_at) == (GrabOrderStatus.OPEN, None, None)


def test_a_grab_of_a_cancelled_work_order_is_refused(rep, opportunity, wang, budget):
    work_order = open_work_order(rep, opportunity)
    order = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=50)
    work_order_cancel(work_order=work_order, by=rep)
    with pytest.raises(InvalidState):
        grab_order_services.grab_order_grab(grab_order=order, by=wang.user)


def test_cancelling_the_work_order_calls_off_its_grab_orders_open_or_grabbed(rep, opportunity, wang, li, budget):
    work_order = open_work_order(rep, opportunity)
    open_order = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=50)
    grabbed = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=20)
    grab_order_services.grab_order_grab(grab_order=grabbed, by=li.user)
    work_order_cancel(work_order=work_order, by=rep)
    for order in (open_order, grabbed):
        order.refresh_from_db()
        assert (order.status, order.cancelled_by, order.winner) == (GrabOrderStatus.CANCELLED, rep, None)
        assert set(order.invitations.values_list("status", flat=True)) == {InvitationStatus.CLOSED}
    assert grabbed.history.filter(winner=li).exists()  # who had grabbed it stays on record
    # Nobody is left holding an invitation to a request that no longer exists.
    assert not Invitation.objects.filter(engineer__in=[wang, li], status=InvitationStatus.OPEN).exists()


def test_a_confirmed_grab_order_stays_when_its_work_order_is_cancelled(rep, opportunity, wang, budget):
    work_order = open_work_order(rep, opportunity, engineers_needed=2)
    order = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=50)
    grab_order_services.grab_order_grab(grab_order=order, by=wang.user)
    booking = grab_order_services.grab_order_confirm(grab_order=order, by=rep)
    work_order_cancel(work_order=work_order, by=rep)
    order.refresh_from_db()
    booking.refresh_from_db()
    # The booking it made is cancelled (and released) with the work order; the order's record stays.
    assert (order.status, booking.status) == (GrabOrderStatus.CONFIRMED, "cancelled")


def test_confirming_fills_a_work_order_needing_two_next_to_a_direct_booking(rep, opportunity, wang, li, budget):
    work_order = open_work_order(rep, opportunity, engineers_needed=2)
    order = grab_order_services.grab_order_post(by=rep, work_order=work_order, uplift_percent=50)
    start, end = window()
    booking_create(by=rep, engineer=li, work_order=work_order, start=start, end=end)
    assert status_of(work_order) == WorkOrderStatus.PARTIALLY_STAFFED
    grab_order_services.grab_order_grab(grab_order=order, by=wang.user)
    booking = grab_order_services.grab_order_confirm(grab_order=order, by=rep)
    assert booking.work_order == work_order
    assert status_of(work_order) == WorkOrderStatus.STAFFED


# --- preview ---------------------------------------------------------------------------------------


def test_the_preview_counts_who_would_be_invited_and_writes_nothing(rep, opportunity, wang, li):
    work_order = open_work_order(rep, opportunity)
    client = client_for(rep)
    response = client.get(f"{URL}preview/", {"work_order": work_order.pk})
    assert response.status_code == 200, response.json()
    assert response.json() == {"invited": 2}
    assert client.get(f"{URL}preview/", {"work_order": work_order.pk, "region": "north"}).json() == {"invited": 1}
    start, end = window()
    query = {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "grade": ["P9"],
    }
    assert client.get(f"{URL}preview/", query).json() == {"invited": 0}
    assert (GrabOrder.objects.count(), WorkOrder.objects.count()) == (0, 1)
    response = client.get(f"{URL}preview/", query | {"start": end.isoformat(), "end": start.isoformat()})
    assert response.status_code == 400


# --- the posting page ------------------------------------------------------------------------------

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_page_is_prefilled_from_the_work_order_and_posts_for_it(client, rep, opportunity, li, north, solution_a):
    gis = SkillFactory(code="gis")
    make_engineer("expert", region=north, solutions=[solution_a], skills={gis: 4})
    work_order = open_work_order(rep, opportunity, skills=[(gis, 3)])
    client.force_login(rep)
    body = client.get(reverse("grabbing:new"), {"work_order": work_order.pk}, **EN).content.decode()
    start = timezone.localtime(work_order.desired_start)
    assert f'name="work_order" value="{work_order.pk}"' in body
    assert f'value="{start:%Y-%m-%d}"' in body and 'value="10:00"' in body and 'value="12:00"' in body
    assert 'value="gis"' in body and 'value="3" selected' in body
    assert "Needs a GIS expert" in body and 'data-testid="from-work-order"' in body

    data = {
        "work_order": work_order.pk,
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "skills": ["gis"],
        "min_level": "3",
        "date": f"{start:%Y-%m-%d}",
        "start_time": "10:00",
        "end_time": "12:00",
        "uplift_percent": "40",
    }
    preview = client.get(reverse("grabbing:preview"), data, **EN).content.decode()
    assert 'data-invited="1"' in preview and "Engineers who would be invited: 1" in preview
    response = client.post(reverse("grabbing:new"), data, follow=True, **EN)
    assert response.redirect_chain[-1][0] == reverse("grabbing:mine")
    order = GrabOrder.objects.get()
    assert (order.work_order, order.uplift_percent, invited(order)) == (work_order, 40, {"expert"})


def test_the_page_refuses_an_empty_scope_and_keeps_what_was_typed(client, rep, opportunity, wang, east):
    start, _end = window()
    data = {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "date": f"{start:%Y-%m-%d}",
        "start_time": "10:00",
        "end_time": "12:00",
        "uplift_percent": "70",
        "scope_grades": ["P3"],
        "note": "Typed by hand",
    }
    client.force_login(rep)
    preview = client.get(reverse("grabbing:preview"), data | {"scope_regions": ["east"]}, **EN).content.decode()
    assert 'data-invited="0"' in preview and "widen the scope" in preview
    response = client.post(reverse("grabbing:new"), data | {"scope_regions": ["east"]}, **EN)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nobody in this scope matches and is free then; widen the scope." in body
    assert 'name="uplift_percent" value="70"' in body and "Typed by hand" in body
    assert 'value="east" id="id_scope_regions_0" checked' in body
    assert (GrabOrder.objects.count(), WorkOrder.objects.count()) == (0, 0)


def test_the_preview_asks_for_the_window_first_and_another_reps_work_order_is_404(
    client, rep, other_rep, opportunity, wang
):
    client.force_login(rep)
    fragment = client.get(reverse("grabbing:preview"), {"uplift_percent": "50"}, **EN).content.decode()
    assert "Fill in the day and the times" in fragment
    work_order = open_work_order(rep, opportunity)
    client.force_login(other_rep)
    assert client.get(reverse("grabbing:new"), {"work_order": work_order.pk}).status_code == 404
    assert client.get(reverse("grabbing:new"), {"work_order": "1.5"}).status_code == 404
