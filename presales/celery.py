"""The Celery app. Without CELERY_BROKER_URL (the embedded default) tasks run in-process."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")

app = Celery("presales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def drain_outbox_on_start(**kwargs) -> None:
    """A worker that starts after an outage publishes what the web processes could not,
    without waiting for beat's next minute."""
    from presales.outbox import outbox_drain

    try:
        outbox_drain()
    except Exception:
        logging.getLogger(__name__).exception("Draining the task outbox at worker start failed")
