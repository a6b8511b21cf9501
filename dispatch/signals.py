"""What dispatch tells the apps built on it (grabbing), which it must not import."""

from django.dispatch import Signal

# Sent by work_order_cancel inside its transaction, with work_order, by and now: whatever else
# still calls for the work order (its grab orders) is called off in the same transaction.
work_order_cancelled = Signal()
