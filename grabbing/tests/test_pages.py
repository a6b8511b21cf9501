"""Grab-order pages: the rep's form and orders, the engineer's invitations, in English."""

import pytest
from django.urls import reverse

from dispatch.models import Booking
from grabbing.models import GrabOrder, GrabOrderStatus, Question
from grabbing.services.grab_orders import grab_order_grab
from grabbing.tests.factories import post, window

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in(client, user):
    client.force_login(user)
    return client


def form_data(opportunity, **changes):
    start, _end = window()
    data = {
        "opportunity": opportunity.pk,
        "stage": "value_presentation",
        "activity": "workshop",
        "solution": "",
        "date": start.strftime("%Y-%m-%d"),
        "start_time": "10:00",
        "end_time": "12:00",
        "uplift_percent": "50",
        "scope_regions": [],
    }
    return data | changes


def test_the_form_is_prefilled_from_the_search(client, rep, opportunity, north, east):
    query = "?solution=A&region=north&grade=P3&free_date=2030-01-07&free_start=10:00&free_end=12:00&uplift_percent=60"
    body = signed_in(client, rep).get(reverse("grabbing:new") + query, **EN).content.decode()
    assert 'value="A" selected' in body
    assert 'value="2030-01-07"' in body and 'value="10:00"' in body and 'value="12:00"' in body
    assert 'name="uplift_percent" value="60"' in body
    assert 'value="north" id="id_scope_regions_1" checked' in body
    assert 'value="east" id="id_scope_regions_0">' in body  # not ticked: only the searched region


def test_wide_ticks_every_region(client, rep, opportunity, north, east):
    body = signed_in(client, rep).get(reverse("grabbing:new") + "?solution=A&wide=1", **EN).content.decode()
    assert body.count("checked") == 2


def test_rep_posts_an_order_and_sees_it_with_its_status(client, rep, opportunity, wang, li):
    data = form_data(opportunity, scope_regions=["north", "east"])
    response = signed_in(client, rep).post(reverse("grabbing:new"), data, follow=True, **EN)
    assert response.redirect_chain[-1][0] == reverse("grabbing:mine")
    body = response.content.decode()
    assert "Grab order posted; 2 engineers invited." in body
    assert 'data-status="open"' in body and "+50%" in body
    assert GrabOrder.objects.get().uplift_percent == 50


def test_uplift_beyond_200_shows_the_field_error(client, rep, opportunity):
    response = signed_in(client, rep).post(reverse("grabbing:new"), form_data(opportunity, uplift_percent="250"), **EN)
    assert response.status_code == 400
    assert "The uplift is 0 to 200 percent." in response.content.decode()
    assert not GrabOrder.objects.exists()


def test_engineer_sees_credited_hours_and_grabs(client, rep, opportunity, wang, engineer_user):
    order = post(rep, opportunity, uplift_percent=50)
    page = signed_in(client, engineer_user).get(reverse("grabbing:invitations"), **EN).content.decode()
    assert 'data-figure="credited-hours">3.00<' in page
    response = client.post(reverse("grabbing:grab", args=[order.pk]), follow=True, **EN)
    assert "You grabbed it; the rep will confirm." in response.content.decode()
    order.refresh_from_db()
    assert order.status == GrabOrderStatus.GRABBED


def test_rep_confirms_and_the_booking_is_made(client, rep, opportunity, wang, engineer_user, budget):
    order = post(rep, opportunity)
    grab_order_grab(grab_order=order, by=engineer_user)
    page = signed_in(client, rep).get(reverse("grabbing:mine"), **EN).content.decode()
    assert 'data-testid="confirm-grab"' in page and "grabbed by" in page
    response = client.post(reverse("grabbing:confirm", args=[order.pk]), follow=True, **EN)
    assert f"Grab order #{order.pk} confirmed and booked." in response.content.decode()
    assert Booking.objects.get().uplift_percent == 50


def test_refusals_are_shown_as_messages(client, rep, opportunity, wang):
    order = post(rep, opportunity)
    response = signed_in(client, rep).post(reverse("grabbing:confirm", args=[order.pk]), follow=True, **EN)
    assert "this is not possible now" in response.content.decode()


def test_another_reps_order_is_404_and_pages_check_roles(client, rep, other_rep, engineer_user, opportunity, wang):
    order = post(rep, opportunity)
    signed_in(client, other_rep)
    for name in ("grabbing:confirm", "grabbing:reject", "grabbing:cancel"):
        assert client.post(reverse(name, args=[order.pk])).status_code == 404
    signed_in(client, engineer_user)
    assert client.get(reverse("grabbing:new")).status_code == 403
    assert client.post(reverse("grabbing:new"), form_data(opportunity)).status_code == 403
    assert client.get(reverse("grabbing:mine")).status_code == 403
    signed_in(client, rep)
    assert client.get(reverse("grabbing:invitations")).status_code == 403


def test_questions_from_the_invitation_and_answers_from_the_rep(client, rep, opportunity, wang, engineer_user):
    order = post(rep, opportunity)
    signed_in(client, engineer_user).post(reverse("grabbing:ask", args=[order.pk]), {"text": "Remote OK?"})
    signed_in(client, rep).post(reverse("grabbing:ask", args=[order.pk]), {"text": "On site.", "engineer": wang.pk})
    assert list(Question.objects.values_list("text", flat=True)) == ["Remote OK?", "On site."]
    assert "Remote OK?" in client.get(reverse("grabbing:mine"), **EN).content.decode()
    page = signed_in(client, engineer_user).get(reverse("grabbing:invitations"), **EN).content.decode()
    assert "On site." in page


def test_a_manager_from_plan_1_sees_the_prefilled_form_but_only_reps_post(client, manager, opportunity, north, east):
    signed_in(client, manager)
    body = client.get(reverse("grabbing:new") + "?solution=A&region=north&wide=1&uplift_percent=50", **EN)
    assert body.status_code == 200
    assert 'data-testid="rep-posts"' in body.content.decode()
    assert 'data-testid="post-grab-order"' not in body.content.decode()
    assert client.post(reverse("grabbing:new"), form_data(opportunity)).status_code == 403
    assert not GrabOrder.objects.exists()


def test_confirm_beyond_the_budget_tells_the_rep_and_keeps_it_grabbed(client, rep, opportunity, wang, engineer_user):
    from grabbing.tests.factories import budget_for

    budget_for(rep, window()[0], allocated="1000.00")
    order = post(rep, opportunity, uplift_percent=50)
    grab_order_grab(grab_order=order, by=engineer_user)
    response = signed_in(client, rep).post(reverse("grabbing:confirm", args=[order.pk]), follow=True, **EN)
    body = response.content.decode()
    assert "This costs 1500.00 but only 1000.00 remains" in body
    assert "Nothing was booked; the order stays grabbed." in body
    assert 'data-status="grabbed"' in body and not Booking.objects.exists()
