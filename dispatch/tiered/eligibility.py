"""Tiered support (分层支撑): which engineers may serve which opportunity.

The one rule, used by the engineer search (annotation and filter), by booking_create (refusal)
and by the grab-order invitees:

- an engineer without a delivery centre is a local-office engineer: eligible for every
  opportunity, exactly as before delivery centres existed;
- a delivery-centre engineer serves only opportunities of the centre's solution, and of those
  class A/B always, class C/D/E only while an approved escalation is in its period.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import Engineer, Escalation, EscalationStatus
from presales.choices import DELIVERY_CENTRE_CLASSES
from presales.exceptions import NotEligible
from presales.models import Opportunity

LOCAL = "local"
DELIVERY_CENTRE = "delivery_centre"
ESCALATED = "escalated"
ESCALATION_REQUIRED = "escalation_required"
OTHER_SOLUTION = "other_solution"
ELIGIBLE_REASONS = (LOCAL, DELIVERY_CENTRE, ESCALATED)
REASON_LABELS = {
    LOCAL: _("Local office engineer: eligible for every opportunity."),
    DELIVERY_CENTRE: _("Delivery centre of the solution: eligible for class A/B opportunities."),
    ESCALATED: _("Delivery centre engineer: eligible through an approved escalation."),
    ESCALATION_REQUIRED: _("Delivery centre engineer: class C/D/E needs an approved escalation."),
    OTHER_SOLUTION: _("Delivery centre of another solution."),
}


def open_escalation(*, opportunity: Opportunity, now: dt.datetime | None = None) -> Escalation | None:
    """The approved escalation of ``opportunity`` whose period includes ``now``, if any."""
    now = now or timezone.now()
    return (
        Escalation.objects.filter(opportunity=opportunity, status=EscalationStatus.APPROVED, valid_until__gt=now)
        .order_by("-valid_until")
        .first()
    )


def _delivery_centre_reason(opportunity: Opportunity, now: dt.datetime) -> str:
    # What the solution's own delivery centre may do here: known per opportunity, not per engineer.
    if opportunity.project_class in DELIVERY_CENTRE_CLASSES:
        return DELIVERY_CENTRE
    if open_escalation(opportunity=opportunity, now=now) is not None:
        return ESCALATED
    return ESCALATION_REQUIRED


def with_eligibility(
    qs: QuerySet[Engineer], *, opportunity: Opportunity, now: dt.datetime | None = None
) -> QuerySet[Engineer]:
    """Annotate ``eligibility`` (one of the reason codes above) and ``eligible`` (a boolean)."""
    own = _delivery_centre_reason(opportunity, now or timezone.now())
    reason = Case(
        When(delivery_centre__isnull=True, then=Value(LOCAL)),
        When(delivery_centre__solution_id=opportunity.solution_id, then=Value(own)),
        default=Value(OTHER_SOLUTION),
        output_field=CharField(),
    )
    return qs.annotate(eligibility=reason).annotate(
        eligible=Case(
            When(eligibility__in=ELIGIBLE_REASONS, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def eligible_filter(*, opportunity: Opportunity, now: dt.datetime | None = None) -> Q:
    """The engineers eligible for ``opportunity`` as a filter (the same rule as the annotation)."""
    local = Q(delivery_centre__isnull=True)
    if _delivery_centre_reason(opportunity, now or timezone.now()) == ESCALATION_REQUIRED:
        return local
    return local | Q(delivery_centre__solution_id=opportunity.solution_id)


def check_eligible(*, engineer: Engineer, opportunity: Opportunity, now: dt.datetime | None = None) -> None:
    """Raise NotEligible, with the reason, when ``engineer`` may not serve ``opportunity``."""
    reason = engineer_eligibility(engineer=engineer, opportunity=opportunity, now=now)
    if reason not in ELIGIBLE_REASONS:
        raise NotEligible(REASON_LABELS[reason])


def engineer_eligibility(*, engineer: Engineer, opportunity: Opportunity, now: dt.datetime | None = None) -> str:
    """The reason code for one engineer (read from the database, as the search computes it)."""
    if engineer.delivery_centre_id is None:
        # The annotation's first branch, without a query: bookings of local engineers (all of
        # them before delivery centres existed) cost what they cost before.
        return LOCAL
    return (
        with_eligibility(Engineer.objects.filter(pk=engineer.pk), opportunity=opportunity, now=now)
        .values_list("eligibility", flat=True)
        .get()
    )
