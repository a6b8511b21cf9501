"""The Celery app. Without CELERY_BROKER_URL (the embedded default) tasks run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")

app = Celery("presales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
