"""Monitoring reads the other apps: it listens for their changes instead of being called."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from dispatch.models import Booking, Rating, WorkOrder


@receiver(post_save, sender=Booking, dispatch_uid="monitoring-booking-changed")
@receiver(post_save, sender=Rating, dispatch_uid="monitoring-rating-changed")
@receiver(post_save, sender=WorkOrder, dispatch_uid="monitoring-work-order-changed")
def recompute_after_change(sender, **kwargs) -> None:
    if settings.MONITORING_RECOMPUTE_ON_EVENTS:
        from monitoring.tasks import request_recompute

        request_recompute()
