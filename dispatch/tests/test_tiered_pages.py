"""Tiered support on the pages: the search explains eligibility for the chosen opportunity,
the booking page refuses with the reason, and the escalation page's request and decision."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from dispatch.models import Booking, Escalation, EscalationStatus
from dispatch.tests.test_tiered import MATRIX, set_state
from dispatch.tests.tiers import classed_opportunity, fund, slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def eligibility_on_page(response) -> dict[str, tuple[str, str]]:
    body = response.content.decode()
    rows = re.findall(r'<tr data-engineer="([^"]+)">(.*?)</tr>', body, flags=re.S)
    found = {}
    for username, row in rows:
        match = re.search(r'data-eligibility="([^"]+)" data-eligible="([^"]+)"', row)
        if match and username not in found:
            found[username] = (match.group(1), match.group(2))
    return found


@pytest.mark.parametrize(("project_class", "state", "own_reason"), MATRIX)
def test_eligibility_matrix_on_the_search_page(
    client, rep, manager, north, solution_a, team, project_class, state, own_reason
):
    opportunity = classed_opportunity(rep, project_class, region=north, solution=solution_a)
    set_state(state, opportunity, rep=rep, manager=manager)
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), {"opportunity": opportunity.pk}, **EN)
    own_eligible = "yes" if own_reason in ("delivery_centre", "escalated") else "no"
    assert eligibility_on_page(response) == {
        "local": ("local", "yes"),
        "own": (own_reason, own_eligible),
        "other": ("other_solution", "no"),
    }
    body = response.content.decode()
    assert "Local office engineer: eligible for every opportunity." in body
    assert "Delivery centre of another solution." in body


def test_without_an_opportunity_the_search_page_shows_no_eligibility(client, rep, team):
    client.force_login(rep)
    response = client.get(reverse("dispatch:find"), **EN)
    assert eligibility_on_page(response) == {}
    assert 'data-testid="delivery-centre"' in response.content.decode()


def test_the_booking_page_refuses_a_centre_engineer_on_class_d_and_links_the_escalation(
    client, rep, north, solution_a, own
):
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    start, _end = slot()
    fund(rep, start)
    client.force_login(rep)
    response = client.post(
        reverse("dispatch:book"),
        {
            "engineer": own.pk,
            "start": start.strftime("%Y-%m-%d %H:%M"),
            "hours": "2",
            "opportunity": opportunity.pk,
            "stage": "value_presentation",
            "activity": "workshop",
        },
        **EN,
    )
    body = response.content.decode()
    assert "class C/D/E needs an approved escalation" in body
    assert f"{reverse('dispatch:escalations')}?opportunity={opportunity.pk}" in body
    assert not Booking.objects.exists()


def test_a_rep_requests_and_the_regional_manager_approves_on_the_page(
    client, rep, manager, other_manager, north, solution_a
):
    d_class = classed_opportunity(rep, "D", region=north, solution=solution_a)
    a_class = classed_opportunity(rep, "A", region=north, solution=solution_a)
    client.force_login(rep)
    page = client.get(reverse("dispatch:escalations"), **EN).content.decode()
    assert f'<option value="{d_class.pk}"' in page and f'<option value="{a_class.pk}"' not in page
    client.post(reverse("dispatch:escalation-request"), {"opportunity": d_class.pk, "reason": "Pilot city"}, **EN)
    escalation = Escalation.objects.get()
    assert (escalation.opportunity, escalation.requested_by, escalation.status) == (d_class, rep, "requested")
    assert 'data-testid="approve-escalation"' not in client.get(reverse("dispatch:escalations"), **EN).content.decode()

    client.force_login(other_manager)  # another region: neither sees nor decides it
    assert 'data-testid="no-escalations"' in client.get(reverse("dispatch:escalations"), **EN).content.decode()
    refused = client.post(reverse("dispatch:escalation-approve", args=[escalation.pk]), {"days": "10"})
    assert refused.status_code == 404

    client.force_login(manager)
    assert 'data-testid="approve-escalation"' in client.get(reverse("dispatch:escalations"), **EN).content.decode()
    response = client.post(
        reverse("dispatch:escalation-approve", args=[escalation.pk]), {"days": "10", "note": "Go"}, follow=True, **EN
    )
    assert "Escalation approved." in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.APPROVED and escalation.decided_by == manager
    assert (escalation.valid_until - escalation.decided_at).days == 10


def test_a_refused_request_is_a_message_and_writes_nothing(client, rep, manager, north, solution_a):
    d_class = classed_opportunity(rep, "D", region=north, solution=solution_a)
    set_state("approved", d_class, rep=rep, manager=manager)
    client.force_login(rep)
    response = client.post(
        reverse("dispatch:escalation-request"), {"opportunity": d_class.pk, "reason": "Again"}, follow=True, **EN
    )
    assert "already in its period" in response.content.decode()
    assert Escalation.objects.count() == 1


def test_the_manager_declines_on_the_page(client, rep, manager, north, solution_a):
    d_class = classed_opportunity(rep, "E", region=north, solution=solution_a)
    set_state("requested", d_class, rep=rep, manager=manager)
    client.force_login(manager)
    response = client.post(
        reverse("dispatch:escalation-decline", args=[Escalation.objects.get().pk]), {"note": "No"}, follow=True, **EN
    )
    assert "Escalation declined." in response.content.decode()
    assert Escalation.objects.get().status == EscalationStatus.DECLINED


def test_the_earliest_free_offer_keeps_to_the_eligible(client, rep, north, solution_a, local, own):
    opportunity = classed_opportunity(rep, "D", region=north, solution=solution_a)
    saturday = slot()[0].date() + dt.timedelta(days=5)  # nobody works on Saturday
    client.force_login(rep)
    query = {"solution": "A", "free_date": saturday.isoformat(), "free_start": "10:00", "free_end": "12:00"}

    def offered(**extra) -> set[str]:
        body = client.get(reverse("dispatch:find"), query | extra, **EN).content.decode()
        section = body.split('data-testid="earliest-slots"', 1)[1]
        return set(re.findall(r'<tr data-engineer="([^"]+)">', section))

    assert offered() == {"local", "own"}
    assert offered(opportunity=opportunity.pk) == {"local"}
