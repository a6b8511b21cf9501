"""Dispatch's background work: the emails about bookings, escalations and hotline questions."""

from celery import shared_task

from dispatch.models import Booking, Escalation, HotlineRequest
from presales import access
from presales.core.mail import send_templated_mail

EVENTS = ("booked", "cancelled", "rescheduled")


@shared_task(name="dispatch.notify_engineer", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_engineer(booking_id: int, event: str) -> bool:
    """Email the engineer that a booking was made, moved or cancelled.

    Queued after the commit (presales.core.outbox), so a booking that rolls back sends nothing.
    """
    booking = (
        Booking.objects.select_related("engineer__user", "work_order__opportunity__owner").filter(pk=booking_id).first()
    )
    if booking is None or not booking.engineer.user.email or event not in EVENTS:
        return False
    send_templated_mail(
        subject_template="dispatch/email/subject.txt",
        body_template="dispatch/email/booking.txt",
        context={"booking": booking, "event": event},
        recipients=[booking.engineer.user.email],
    )
    return True


ESCALATION_EVENTS = ("requested", "approved", "declined")


@shared_task(name="dispatch.notify_escalation", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_escalation(escalation_id: int, event: str) -> bool:
    """A request goes to the managers of the opportunity's region; a decision to the rep.

    Queued after the commit (presales.core.outbox), so a step that rolls back sends nothing.
    """
    escalation = (
        Escalation.objects.select_related("opportunity__owner", "opportunity__region", "requested_by", "decided_by")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None or event not in ESCALATION_EVENTS:
        return False
    if event == "requested":
        managers = access.region_managers(escalation.opportunity.region)
        recipients = sorted({user.email for user in managers if user.email})
    else:
        recipients = sorted({user.email for user in (escalation.requested_by, escalation.opportunity.owner) if user})
        recipients = [email for email in recipients if email]
    if not recipients:
        return False
    send_templated_mail(
        subject_template="dispatch/email/escalation_subject.txt",
        body_template="dispatch/email/escalation.txt",
        context={"escalation": escalation, "event": event},
        recipients=recipients,
    )
    return True


@shared_task(name="dispatch.notify_hotline", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_hotline(hotline_id: int) -> bool:
    """Email the on-duty engineer a new hotline question (queued on commit)."""
    hotline = (
        HotlineRequest.objects.select_related("engineer__user", "work_order__opportunity", "requested_by")
        .filter(pk=hotline_id)
        .first()
    )
    if hotline is None or not hotline.engineer.user.email:
        return False
    send_templated_mail(
        subject_template="dispatch/email/hotline_subject.txt",
        body_template="dispatch/email/hotline.txt",
        context={"hotline": hotline},
        recipients=[hotline.engineer.user.email],
    )
    return True
