"""Grabbing's answers to what dispatch announces (dispatch.signals)."""

from django.dispatch import receiver

from dispatch.signals import work_order_cancelled
from grabbing.services.grab_orders import grab_orders_call_off


@receiver(work_order_cancelled, dispatch_uid="grabbing.call_off_with_the_work_order")
def call_off_with_the_work_order(sender, *, work_order, by, now, **kwargs) -> None:
    grab_orders_call_off(work_order=work_order, by=by, now=now)
