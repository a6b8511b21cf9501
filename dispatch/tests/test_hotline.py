"""Remote hotline support: a rep asks, the on-duty engineer answers once; each request is a work
order whose answer time is its response time in monitoring."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import HotlineStatus, WorkOrder
from dispatch.tests.test_api import client_for
from dispatch.tests.tiers import classed_opportunity
from dispatch.tiered.hotline import hotline_answer, hotline_request
from monitoring.figures import cell_figures
from monitoring.models import MonitoringPolicy
from presales.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/api/v1/hotline-requests/"


@pytest.fixture
def on_duty(centre, own):
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    return own


@pytest.fixture
def opportunity(rep, north, solution_a):
    return classed_opportunity(rep, "D", region=north, solution=solution_a)  # any class may ask


def test_a_request_is_a_work_order_assigned_to_the_on_duty_engineer(
    rep, opportunity, on_duty, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hotline = hotline_request(by=rep, opportunity=opportunity, question=" Does it scale? ", urgency="urgent")
    assert (hotline.engineer, hotline.status, hotline.question, hotline.solution) == (
        on_duty,
        HotlineStatus.OPEN,
        "Does it scale?",
        opportunity.solution,
    )
    work_order = WorkOrder.objects.get()
    assert (work_order, work_order.opportunity, work_order.activity) == (hotline.work_order, opportunity, "other")
    assert [message.to for message in mail.outbox] == [["own@example.com"]]


def test_request_rules(rep, other_rep, opportunity, centre, own):
    with pytest.raises(InvalidState):  # nobody on duty
        hotline_request(by=rep, opportunity=opportunity, question="Anyone?")
    centre.on_duty = own
    centre.save(update_fields=["on_duty"])
    with pytest.raises(NotFound):
        hotline_request(by=other_rep, opportunity=opportunity, question="Mine?")
    with pytest.raises(ValidationFailed) as refused:
        hotline_request(by=rep, opportunity=opportunity, question=" ", urgency="panic")
    assert set(refused.value.fields) == {"question", "urgency"}
    assert not WorkOrder.objects.exists()


def test_only_the_assigned_engineer_answers_and_only_once(rep, opportunity, on_duty, local):
    hotline = hotline_request(by=rep, opportunity=opportunity, question="Licences?")
    for outsider in (rep, local.user):
        with pytest.raises(PermissionDenied):
            hotline_answer(hotline=hotline, by=outsider, answer="No idea")
    answered = hotline_answer(hotline=hotline, by=on_duty.user, answer="Per node")
    assert (answered.status, answered.answer) == (HotlineStatus.ANSWERED, "Per node")
    assert answered.answered_by == on_duty.user
    with pytest.raises(InvalidState):
        hotline_answer(hotline=hotline, by=on_duty.user, answer="Again")
    assert list(answered.history.order_by("history_date").values_list("status", flat=True)) == ["open", "answered"]


def test_the_answer_time_is_the_response_time_in_monitoring(rep, opportunity, on_duty):
    limit = MonitoringPolicy.current()
    asked = timezone.now() - dt.timedelta(days=1)
    quick = hotline_request(by=rep, opportunity=opportunity, question="Quick", now=asked)
    slow = hotline_request(by=rep, opportunity=opportunity, question="Slow", now=asked)
    hotline_request(by=rep, opportunity=opportunity, question="Open", now=asked)
    hotline_answer(hotline=quick, by=on_duty.user, answer="Yes", now=asked + dt.timedelta(minutes=30))
    late = asked + dt.timedelta(hours=limit.response_limit_hours + 1)
    hotline_answer(hotline=slow, by=on_duty.user, answer="Yes", now=late)
    figures = cell_figures(end=timezone.now(), policy=limit)
    counts = figures.cells[opportunity.region_id, opportunity.solution_id].windows[0]
    assert (counts.work_orders, counts.responded_in_time) == (3, 1)


def test_the_hotline_api(rep, other_rep, opportunity, on_duty, lead, manager):
    created = client_for(rep).post(
        URL,
        {"opportunity": opportunity.pk, "question": "Offline mode?", "urgency": "urgent"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="hl-1",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["engineer"], body["solution"], body["response_seconds"]) == (
        "open",
        on_duty.pk,
        "A",
        None,
    )
    url = f"{URL}{body['id']}/"
    for viewer in (rep, on_duty.user, lead, manager):
        assert client_for(viewer).get(url).status_code == 200
    assert client_for(other_rep).get(url).status_code == 404
    refused = client_for(rep).post(f"{url}answer/", {"answer": "Me"}, format="json")
    assert refused.status_code == 403
    answered = client_for(on_duty.user).post(f"{url}answer/", {"answer": "Yes"}, format="json")
    assert answered.status_code == 200 and answered.json()["response_seconds"] >= 0
    again = client_for(on_duty.user).post(f"{url}answer/", {"answer": "Yes"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert [row["id"] for row in client_for(on_duty.user).get(URL).json()["results"]] == [body["id"]]


def test_the_hotline_list_runs_a_constant_number_of_queries(rep, opportunity, on_duty):
    for index in range(4):
        hotline = hotline_request(by=rep, opportunity=opportunity, question=f"Question {index}")
        if index % 2:
            hotline_answer(hotline=hotline, by=on_duty.user, answer="Yes")
    api = client_for(rep)
    assert api.get(URL).json()["count"] == 4

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    assert queries(f"{URL}?page_size=1") == queries(f"{URL}?page_size=4")
