"""The idempotency records' upkeep: forgetting the responses a retry may no longer replay."""

import datetime as dt

from django.utils import timezone

from presales.models import IdempotencyRecord

# How long a retry with the same Idempotency-Key replays the first response. Clients retry
# within minutes; a day covers an overnight outage while keeping the table small.
IDEMPOTENCY_RECORD_MAX_AGE = dt.timedelta(hours=24)


def idempotency_records_prune(*, max_age: dt.timedelta = IDEMPOTENCY_RECORD_MAX_AGE) -> int:
    """Forget the responses to create requests older than ``max_age``; returns how many.

    After that a request with the same key is a new request. One DELETE: a record a request
    is inserting right now is young, so nothing here waits on it.
    """
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - max_age).delete()
    return deleted
