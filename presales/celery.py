"""The Celery app. Without CELERY_BROKER_URL (the embedded default) tasks run in-process."""

import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")

app = Celery("presales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def worker_statement_timeout(**kwargs) -> None:
    """Tasks may run longer statements than a web request, within their own limit. Connected
    before the pool forks, so every child's connections get it too."""
    from presales.core.db import use_statement_timeout

    use_statement_timeout("DB_WORKER_STATEMENT_TIMEOUT_MS")


@worker_ready.connect
def drain_outbox_on_start(**kwargs) -> None:
    """A worker that starts after an outage publishes what the web processes could not,
    without waiting for beat's next minute."""
    from presales.core.outbox import outbox_drain

    try:
        outbox_drain()
    except Exception:
        logging.getLogger(__name__).exception("Draining the task outbox at worker start failed")
