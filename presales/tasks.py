"""Tasks of the organisation app."""

from celery import shared_task
from django.db import connection

from presales.models import Region


@shared_task(name="presales.worker_health")
def worker_health() -> dict:
    """Prove a worker reaches the broker and the database: used by health checks and CI."""
    return {"database": connection.vendor, "regions": sorted(Region.objects.values_list("code", flat=True))}
