"""Tasks of the organisation app."""

import datetime as dt

from celery import shared_task
from django.db import connection
from django.utils import timezone

from presales.models import Region
from presales.services.idempotency import idempotency_records_prune


@shared_task(name="presales.worker_health")
def worker_health() -> dict:
    """Prove a worker reaches the broker and the database: used by health checks and CI."""
    return {"database": connection.vendor, "regions": sorted(Region.objects.values_list("code", flat=True))}


@shared_task(name="presales.drain_outbox")
def drain_outbox() -> dict:
    """Publish queued task calls whose first publish failed (the broker was down) and forget old
    sent-mail records; beat runs it every minute, so once Redis is back nothing waits longer."""
    from presales.core.outbox import outbox_drain
    from presales.models import SentMail

    # A redelivery comes within the broker's visibility timeout (an hour); a week is plenty.
    SentMail.objects.filter(sent_at__lt=timezone.now() - dt.timedelta(days=7)).delete()
    return outbox_drain()


@shared_task(name="presales.prune_idempotency_records")
def prune_idempotency_records() -> int:
    """Beat runs it hourly: records of Idempotency-Keys older than 24 hours go."""
    return idempotency_records_prune()
