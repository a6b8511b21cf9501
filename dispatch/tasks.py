"""Dispatch's background work: telling engineers about their bookings."""

from celery import shared_task

from dispatch.models import Booking
from presales.mail import send_templated_mail

EVENTS = ("booked", "cancelled", "rescheduled")


@shared_task(name="dispatch.notify_engineer", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_engineer(booking_id: int, event: str) -> bool:
    """Email the engineer that a booking was made, moved or cancelled.

    Queued with delay_on_commit, so a booking that rolls back sends nothing.
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
