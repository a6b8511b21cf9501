"""Notification emails, rendered from templates in the organisation's language."""

from celery import current_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from presales.models import SentMail


def send_templated_mail(*, subject_template: str, body_template: str, context: dict, recipients: list[str]) -> bool:
    """Render the subject (one line) and body with ``site_url`` added, then send; False when
    this task run already sent it.

    Tasks run outside any request, so the language is the organisation's, not a browser's.
    Inside a Celery task the message is recorded under the task id in the same transaction
    as it is sent: a redelivered task (a killed worker, a second publish from the outbox)
    sends it again only if the first run died between sending and committing.
    """
    task_id = current_task.request.id if current_task else None
    with transaction.atomic():
        if task_id and not _record_once(task_id, recipients):
            return False
        with translation.override(settings.LANGUAGE_CODE):
            context = {**context, "site_url": settings.SITE_URL}
            send_mail(
                subject=render_to_string(subject_template, context).strip(),
                message=render_to_string(body_template, context),
                from_email=None,
                recipient_list=recipients,
            )
    return True


def _record_once(task_id: str, recipients: list[str]) -> bool:
    try:
        with transaction.atomic():
            SentMail.objects.create(task_id=task_id, recipients=",".join(sorted(recipients))[:1000])
    except IntegrityError:
        return False
    return True
