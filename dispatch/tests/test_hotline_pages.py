"""The remote hotline pages: a rep asks, the engineer on duty answers in place; refusals are
messages that write nothing; each sees only their own."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from dispatch.models import HotlineRequest, HotlineStatus
from dispatch.tests.tiers import classed_opportunity
from dispatch.tiered.hotline import hotline_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_duty(centre, own):
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    return own


@pytest.fixture
def opportunity(rep, north, solution_a):
    return classed_opportunity(rep, "C", region=north, solution=solution_a)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_rep_asks_and_the_engineer_on_duty_answers_on_the_page(client, rep, opportunity, on_duty):
    client.force_login(rep)
    page = client.get(reverse("dispatch:hotline"))
    assert page.status_code == 200 and 'data-testid="hotline-ask"' in page.content.decode()
    asked = client.post(
        reverse("dispatch:hotline-ask"),
        {"opportunity": opportunity.pk, "question": "Can the platform run offline?", "urgency": "urgent"},
        follow=True,
    )
    hotline = HotlineRequest.objects.get()
    assert (hotline.engineer, hotline.urgency, hotline.requested_by) == (on_duty, "urgent", rep)
    assert any(on_duty.name in text for text in texts(asked))

    client.force_login(on_duty.user)
    inbox = client.get(reverse("dispatch:hotline")).content.decode()
    assert "Can the platform run offline?" in inbox and 'data-testid="answer-hotline"' in inbox
    assert 'data-testid="hotline-ask"' not in inbox  # engineers answer, reps ask
    client.post(reverse("dispatch:hotline-answer", args=[hotline.pk]), {"answer": "Yes, with a local cache."})
    hotline.refresh_from_db()
    assert (hotline.status, hotline.answer, hotline.answered_by) == (
        HotlineStatus.ANSWERED,
        "Yes, with a local cache.",
        on_duty.user,
    )
    client.force_login(rep)
    assert "Yes, with a local cache." in client.get(reverse("dispatch:hotline")).content.decode()


def test_nobody_on_duty_is_a_message_and_writes_nothing(client, rep, opportunity, centre):
    client.force_login(rep)
    response = client.post(
        reverse("dispatch:hotline-ask"), {"opportunity": opportunity.pk, "question": "Hello?", "urgency": "normal"}
    )
    assert response.status_code == 302
    assert not HotlineRequest.objects.exists()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = gettext("The solution's delivery centre has no engineer on duty for the hotline.")
    assert texts(response) == [expected]


def test_others_cannot_see_or_answer(client, rep, other_rep, opportunity, on_duty, local):
    hotline = hotline_request(by=rep, opportunity=opportunity, question="Only mine")
    client.force_login(other_rep)
    assert "Only mine" not in client.get(reverse("dispatch:hotline")).content.decode()
    client.force_login(local.user)  # an engineer, not the one on duty
    assert client.post(reverse("dispatch:hotline-answer", args=[hotline.pk]), {"answer": "Me!"}).status_code == 404
    hotline.refresh_from_db()
    assert hotline.status == HotlineStatus.OPEN
    client.force_login(rep)
    assert client.post(reverse("dispatch:hotline-answer", args=[hotline.pk]), {"answer": "Me!"}).status_code == 403


def test_an_empty_answer_is_refused_and_the_request_stays_open(client, rep, opportunity, on_duty):
    hotline = hotline_request(by=rep, opportunity=opportunity, question="Still there?")
    client.force_login(on_duty.user)
    response = client.post(reverse("dispatch:hotline-answer", args=[hotline.pk]), {"answer": ""})
    assert response.status_code == 302 and texts(response)
    hotline.refresh_from_db()
    assert hotline.status == HotlineStatus.OPEN
