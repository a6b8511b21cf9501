"""Escalations (升级申请): a rep asks for delivery-centre help on a class C/D/E opportunity,
the manager of the opportunity's region approves (for a period) or declines.

Every step is one transaction with who/when fields and a history row naming the user; the
emails go out on commit, so a refused or rolled-back step sends nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import ESCALATION_TRANSITIONS, Escalation, EscalationStatus
from dispatch.tasks import notify_escalation
from dispatch.tiered.eligibility import open_escalation
from presales import access
from presales.choices import DELIVERY_CENTRE_CLASSES
from presales.core.db import lock
from presales.core.outbox import enqueue
from presales.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from presales.models import Opportunity, User

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 180


def _save(escalation: Escalation, by: User, reason: str) -> None:
    # The history row names the user also outside a request (API tests, shell, tasks).
    escalation._history_user = by
    escalation._change_reason = reason
    escalation.save()


@transaction.atomic
def escalation_request(
    *, by: User, opportunity: Opportunity, reason: str, now: dt.datetime | None = None
) -> Escalation:
    """The rep asks for the delivery centre on their class C/D/E opportunity, with a reason."""
    now = now or timezone.now()
    if opportunity.owner_id != by.pk:
        raise NotFound(_("Opportunity not found."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the delivery centre is needed.")]})
    if opportunity.project_class in DELIVERY_CENTRE_CLASSES:
        raise InvalidState(_("Class A/B opportunities are served by the delivery centre without an escalation."))
    if open_escalation(opportunity=opportunity, now=now) is not None:
        raise InvalidState(_("An approved escalation is already in its period for this opportunity."))
    escalation = Escalation(opportunity=opportunity, reason=reason, requested_at=now, requested_by=by)
    try:
        with transaction.atomic():
            _save(escalation, by, "requested")
    except IntegrityError as error:  # dispatch_escalation_one_pending
        raise InvalidState(_("An escalation of this opportunity is already waiting for a decision.")) from error
    enqueue(notify_escalation, escalation.pk, "requested")
    return escalation


def _locked_for_decision(escalation: Escalation, by: User, action: str) -> Escalation:
    escalation = lock(Escalation.objects.select_related("opportunity__region"), pk=escalation.pk)
    if not access.manages_region_or_admin(by, escalation.opportunity.region_id):
        raise PermissionDenied(_("Only the manager of the opportunity's region decides an escalation."))
    ESCALATION_TRANSITIONS.require(escalation, action)
    return escalation


@transaction.atomic
def escalation_approve(
    *,
    escalation: Escalation,
    by: User,
    days: int = DEFAULT_PERIOD_DAYS,
    note: str = "",
    now: dt.datetime | None = None,
) -> Escalation:
    """The regional manager approves: the solution's delivery-centre engineers become eligible
    for the opportunity until ``now + days``."""
    now = now or timezone.now()
    if not isinstance(days, int) or not 1 <= days <= MAX_PERIOD_DAYS:
        raise ValidationFailed(fields={"days": [_("The period is 1 to 180 days.")]})
    escalation = _locked_for_decision(escalation, by, "approve")
    escalation.status = EscalationStatus.APPROVED
    escalation.decided_at, escalation.decided_by = now, by
    escalation.decision_note = (note or "").strip()[:500]
    escalation.valid_until = now + dt.timedelta(days=days)
    _save(escalation, by, "approved")
    enqueue(notify_escalation, escalation.pk, "approved")
    return escalation


@transaction.atomic
def escalation_decline(
    *, escalation: Escalation, by: User, note: str = "", now: dt.datetime | None = None
) -> Escalation:
    """The regional manager declines; the rep may ask again with a better reason."""
    now = now or timezone.now()
    escalation = _locked_for_decision(escalation, by, "decline")
    escalation.status = EscalationStatus.DECLINED
    escalation.decided_at, escalation.decided_by = now, by
    escalation.decision_note = (note or "").strip()[:500]
    _save(escalation, by, "declined")
    enqueue(notify_escalation, escalation.pk, "declined")
    return escalation
