"""Remote hotline support (远程热线): a rep asks a question about an opportunity; the on-duty
engineer of the solution's delivery centre answers. Each request is a work order of its own
(activity "other", no booking), so monitoring counts it and its response time."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.delay import record_response
from dispatch.models import (
    HOTLINE_TRANSITIONS,
    DeliveryCentre,
    HotlineRequest,
    HotlineStatus,
    HotlineUrgency,
    WorkOrder,
)
from dispatch.tasks import notify_hotline
from presales.choices import Activity
from presales.core.db import lock
from presales.core.outbox import enqueue
from presales.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from presales.models import Opportunity, Solution, User

# The hotline answers within hours: its work order wants an answer in this window.
HOTLINE_WINDOW = dt.timedelta(hours=4)


@transaction.atomic
def hotline_request(
    *,
    by: User,
    opportunity: Opportunity,
    question: str,
    urgency: str = HotlineUrgency.NORMAL,
    solution: Solution | None = None,
    now: dt.datetime | None = None,
) -> HotlineRequest:
    """Ask the solution's delivery centre (the opportunity's solution unless given); the
    on-duty engineer is assigned and emailed on commit. Open to every opportunity class."""
    now = now or timezone.now()
    if opportunity.owner_id != by.pk:
        raise NotFound(_("Opportunity not found."))
    errors = {}
    question = (question or "").strip()
    if not question:
        errors["question"] = [_("Write the question.")]
    if urgency not in HotlineUrgency.values:
        errors["urgency"] = [_("Choose normal or urgent.")]
    if errors:
        raise ValidationFailed(fields=errors)
    solution = solution or opportunity.solution
    centre = DeliveryCentre.objects.filter(solution=solution).select_related("on_duty").first()
    if centre is None or centre.on_duty is None or not centre.on_duty.is_active:
        raise InvalidState(_("The solution's delivery centre has no engineer on duty for the hotline."))
    work_order = WorkOrder.objects.create(
        opportunity=opportunity,
        stage=opportunity.stage,
        activity=Activity.OTHER,
        solution=solution,
        desired_start=now,
        desired_end=now + HOTLINE_WINDOW,
        note=question,
        created_at=now,
        created_by=by,
    )
    hotline = HotlineRequest(
        work_order=work_order,
        solution=solution,
        question=question,
        urgency=urgency,
        engineer=centre.on_duty,
        requested_at=now,
        requested_by=by,
    )
    hotline._history_user = by
    hotline.save()
    enqueue(notify_hotline, hotline.pk)
    return hotline


@transaction.atomic
def hotline_answer(*, hotline: HotlineRequest, by: User, answer: str, now: dt.datetime | None = None) -> HotlineRequest:
    """The assigned on-duty engineer answers, once; the answer time is the response time."""
    now = now or timezone.now()
    hotline = lock(HotlineRequest.objects.select_related("engineer"), pk=hotline.pk)
    if hotline.engineer.user_id != by.pk:
        raise PermissionDenied(_("Only the engineer on duty for this request answers it."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(fields={"answer": [_("Write the answer.")]})
    # Conditional update: a second answer (another tab, a retry) finds it answered already.
    changed = HotlineRequest.objects.filter(pk=hotline.pk, status__in=HOTLINE_TRANSITIONS.sources("answer")).update(
        status=HotlineStatus.ANSWERED, answer=answer, answered_at=now, answered_by=by
    )
    if not changed:  # answered meanwhile: refused as the table says
        hotline.refresh_from_db(fields=["status"])
        HOTLINE_TRANSITIONS.require(hotline, "answer")
    record_response(work_order_id=hotline.work_order_id, at=now)
    hotline.refresh_from_db()
    hotline._history_user = by
    hotline._change_reason = "answered"
    hotline.save()  # .update() writes no history row
    return hotline
