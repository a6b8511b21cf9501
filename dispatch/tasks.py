"""Dispatch's background work: telling engineers about their bookings."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from dispatch.models import Booking

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
    with translation.override(settings.LANGUAGE_CODE):
        context = {"booking": booking, "event": event, "site_url": settings.SITE_URL}
        send_mail(
            subject=render_to_string("dispatch/email/subject.txt", context).strip(),
            message=render_to_string("dispatch/email/booking.txt", context),
            from_email=None,
            recipient_list=[booking.engineer.user.email],
        )
    return True
