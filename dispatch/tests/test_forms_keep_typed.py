"""No form clears what was typed after a refusal: each of the product's POST forms, sent input
its form or service refuses, answers with a page (after the redirect) or an htmx row that still
holds the typed values, so the user corrects rather than retypes."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from budgeting.tests.factories import open_budget
from dispatch.models import Escalation, HotlineRequest, Rating
from dispatch.services.bookings import booking_acknowledge, booking_complete, booking_rate
from dispatch.tests.engineers import make_engineer, make_opportunity
from dispatch.tests.test_pages import EN, HTMX, at, book, desk, monday  # noqa: F401 (fixtures)
from dispatch.tests.test_tiered import set_state
from dispatch.tests.tiers import classed_opportunity
from dispatch.tiered.hotline import hotline_request
from grabbing.models import Question
from grabbing.tests.factories import budget_for, post, window
from grabbing.tests.test_pages import form_data
from presales.periods import Quarter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

LONG = "x" * 9000  # longer than any of these text fields allows


def page_after(client, url: str, data: dict, *, htmx: bool = False) -> str:
    extra = HTMX if htmx else {}
    response = client.post(url, data, follow=not htmx, **EN, **extra)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


# --- Redirecting forms: the page they land on puts the input back ----------------------------


def test_hotline_question_refused_for_nobody_on_duty_keeps_the_question(client, rep, north, solution_a, centre):
    opportunity = classed_opportunity(rep, "C", region=north, solution=solution_a)
    client.force_login(rep)
    data = {"opportunity": opportunity.pk, "question": "Does it run offline?", "urgency": "urgent"}
    page = page_after(client, reverse("dispatch:hotline-ask"), data)
    assert "no engineer on duty" in page and not HotlineRequest.objects.exists()
    assert "Does it run offline?</textarea>" in page
    assert '<option value="urgent" selected>' in page
    # Read once: the next visit starts from an empty form.
    assert "Does it run offline?" not in client.get(reverse("dispatch:hotline"), **EN).content.decode()


def test_hotline_answer_refused_keeps_the_answer(client, rep, north, solution_a, centre, own):
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    opportunity = classed_opportunity(rep, "C", region=north, solution=solution_a)
    hotline = hotline_request(by=rep, opportunity=opportunity, question="Still there?")
    client.force_login(own.user)
    page = page_after(client, reverse("dispatch:hotline-answer", args=[hotline.pk]), {"answer": LONG})
    assert f">{LONG}</textarea>" in page


def test_escalation_request_refused_keeps_the_reason(client, rep, manager, north, solution_a):
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    set_state("approved", opportunity, rep=rep, manager=manager)
    client.force_login(rep)
    data = {"opportunity": opportunity.pk, "reason": "The customer asks for GIS depth"}
    page = page_after(client, reverse("dispatch:escalation-request"), data)
    assert "already in its period" in page and Escalation.objects.count() == 1
    assert "The customer asks for GIS depth</textarea>" in page
    assert f'<option value="{opportunity.pk}" selected>' in page


def test_escalation_decision_refused_keeps_period_and_note(client, rep, manager, north, solution_a):
    opportunity = classed_opportunity(rep, "E", region=north, solution=solution_a)
    set_state("requested", opportunity, rep=rep, manager=manager)
    escalation = Escalation.objects.get()
    client.force_login(manager)
    page = page_after(
        client, reverse("dispatch:escalation-approve", args=[escalation.pk]), {"days": "999", "note": "Two quarters"}
    )
    assert "The period is 1 to 180 days." in page
    assert 'name="days" min="1" max="180" value="999"' in page and 'value="Two quarters"' in page


def test_budget_adjustment_refused_keeps_amount_and_reason(client, rep, manager):
    budget = open_budget(rep, "2026Q2")
    client.force_login(manager)
    page = page_after(client, reverse("budgeting:adjust", args=[budget.pk]), {"amount": "10.00", "reason": " "})
    assert "Say why the budget is adjusted." in page
    assert 'value="10.00"' in page
    refused = page_after(client, reverse("budgeting:adjust", args=[budget.pk]), {"amount": "1e99", "reason": "Tender"})
    assert 'value="1e99"' in refused and 'value="Tender"' in refused


def test_grab_order_question_refused_keeps_the_text(client, rep, north, solution_a, engineer_user):
    make_engineer(engineer_user, region=north, solutions=[solution_a])
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    budget_for(rep, window()[0])
    order = post(rep, opportunity)
    client.force_login(engineer_user)
    text = "Remote OK? " + "x" * 2000
    page = page_after(client, reverse("grabbing:ask", args=[order.pk]), {"text": text})
    assert not Question.objects.exists()
    assert f">{text}</textarea>" in page


# --- Row forms (htmx and without script): the refused row still holds the input ---------------


@pytest.fixture
def finished(rep, desk):  # noqa: F811 (the fixture imported above)
    past_monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    open_budget(rep, str(Quarter.of(at(past_monday, 10))), allocated="100000.00")
    booking = book(rep, desk.wang, desk.deal, at(past_monday, 10), allow_past=True)
    booking_acknowledge(booking=booking, by=desk.wang.user)
    return booking


def test_rating_refused_keeps_score_and_comment(client, rep, desk, finished):  # noqa: F811
    booking_complete(booking=finished, by=desk.wang.user, actual_hours="1")
    client.force_login(rep)
    url = reverse("dispatch:booking-rate", args=[finished.pk])
    too_long = "Solid " + "x" * 2000
    row = page_after(client, url, {"score": "4", "comment": too_long}, htmx=True)
    assert 'data-testid="row-error"' in row and not Rating.objects.exists()
    assert '<option value="4" selected>' in row and f'value="{too_long}"' in row
    page = page_after(client, url, {"score": "4", "comment": too_long})  # without htmx: the redirect
    assert '<option value="4" selected>' in page and f'value="{too_long}"' in page


def test_rating_correction_refused_keeps_the_new_comment(client, rep, desk, finished):  # noqa: F811
    booking_complete(booking=finished, by=desk.wang.user, actual_hours="1")
    booking_rate(booking=finished, by=rep, score=3, comment="Fine")
    client.force_login(rep)
    url = reverse("dispatch:booking-rating-correct", args=[finished.pk])
    too_long = "Better " + "x" * 2000
    row = page_after(client, url, {"score": "5", "comment": too_long}, htmx=True)
    assert 'data-testid="row-error"' in row
    assert f'value="{too_long}"' in row and '<option value="5" selected>' in row
    assert Rating.objects.get().comment == "Fine"


def test_completion_refused_keeps_the_hours_typed(client, desk, finished):  # noqa: F811
    client.force_login(desk.wang.user)
    url = reverse("dispatch:booking-complete", args=[finished.pk])
    row = page_after(client, url, {"actual_hours": "800"}, htmx=True)
    assert 'data-testid="row-error"' in row and 'value="800"' in row
    page = page_after(client, url, {"actual_hours": "800"})
    assert 'value="800"' in page


# --- Forms that re-render themselves (bound forms) -----------------------------------------
# The work order form and the booking confirmation are walked in test_work_order_pages
# (test_a_refused_work_order_keeps_what_was_typed, test_a_refused_booking_keeps_the_desired_start).


def test_grab_order_form_refused_keeps_what_was_typed(client, rep, north, solution_a):
    opportunity = make_opportunity(rep, region=north, solution=solution_a)
    start, _end = window()
    client.force_login(rep)
    data = form_data(opportunity, start_time="10:15", end_time="12:45", uplift_percent="250")
    response = client.post(reverse("grabbing:new"), data, **EN)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="250"' in body and 'value="10:15"' in body and 'value="12:45"' in body
    assert f'value="{start:%Y-%m-%d}"' in body and '<option value="workshop" selected>' in body
