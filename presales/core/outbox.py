"""Queue Celery tasks so that a broker outage neither fails a request nor loses the task.

Every service queues through ``enqueue`` (never ``.delay_on_commit``): it writes an
``OutboxTask`` row in the caller's transaction and publishes it after the commit. Why an
outbox rather than "publish, and on failure run the task in-process":

- the row commits with the change it reports, so a booking that rolls back queues nothing
  and a booking that commits always has its email queued — even if Redis is down or this
  process dies right after the commit;
- a failed publish costs one short connect timeout (``CELERY_BROKER_CONNECTION_TIMEOUT``,
  one retry) and a logged error, not a 500 for a booking that did commit, and no slow work
  (an email, a recompute) done inside the request;
- ``outbox_drain`` republishes what is left: a beat task every minute, every worker when it
  starts (``presales.apps``), and ``manage.py drain_outbox`` for operators.

Delivery is at least once: the task id is the row's key, fixed across republishing and
redelivery, and the tasks are idempotent (emails are recorded per task id and recipient in
``presales.core.mail``, recomputes are upserts).
"""

import datetime as dt
import logging
from functools import partial

from celery import Task
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from presales.models import OutboxTask

logger = logging.getLogger(__name__)

# A row younger than this may still be being published by the request that wrote it.
DRAIN_GRACE = dt.timedelta(seconds=30)
DRAIN_BATCH = 500


def enqueue(task: Task, *args, countdown: int = 0) -> OutboxTask:
    """Queue ``task(*args)`` to run once the current transaction commits (at once outside one)."""
    row = OutboxTask.objects.create(task=task.name, args=list(args), countdown=countdown)
    transaction.on_commit(partial(publish, row, task))
    return row


def publish(row: OutboxTask, task: Task | None = None) -> bool:
    """Hand one queued call to the broker (or run it, without one) and delete it; on failure
    keep it for the drain and log why. Never raises: the change it reports has committed."""
    task = task or _registered_task(row.task)
    try:
        if task is None:
            raise LookupError(f"no task named {row.task!r}")
        # The row's key is the task id, so a republished or redelivered run is recognisable.
        # Nobody waits for these results; asking for one would make Celery subscribe to the
        # result backend first, which retries for ~20 s when Redis is down and then stays
        # broken for the life of the process ("must be restarted").
        task.apply_async(args=row.args, countdown=row.countdown or None, task_id=str(row.key), ignore_result=True)
    except Exception as error:
        logger.error("Task %s (%s) not queued, kept in the outbox: %r", row.task, row.key, error)
        OutboxTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=repr(error)[:2000])
        return False
    OutboxTask.objects.filter(pk=row.pk).delete()
    return True


def outbox_drain(*, now: dt.datetime | None = None, grace: dt.timedelta = DRAIN_GRACE) -> dict:
    """Publish the calls whose first publish failed (oldest first); returns the counts."""
    cutoff = (now or timezone.now()) - grace
    published = failed = 0
    for row in OutboxTask.objects.filter(created_at__lte=cutoff).order_by("pk")[:DRAIN_BATCH]:
        if publish(row):
            published += 1
        else:
            failed += 1
    return {"published": published, "failed": failed, "left": OutboxTask.objects.count()}


def _registered_task(name: str) -> Task | None:
    from presales.celery import app

    autodiscover_modules("tasks")  # a web process has not necessarily imported every app's tasks
    return app.tasks.get(name)
