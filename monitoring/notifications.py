"""Telling a region's managers that an alert opened."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from monitoring.models import Alert, ContingencyPlan
from presales.choices import Role
from presales.models import User


@shared_task(name="monitoring.notify_alert_opened", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_alert_opened(alert_id: int) -> int:
    """Email every manager of the alert's region, with the plan; returns how many were told.

    Queued with delay_on_commit by the recompute, so an alert that rolls back sends nothing.
    """
    alert = Alert.objects.select_related("region", "solution").filter(pk=alert_id).first()
    if alert is None:
        return 0
    managers = User.objects.filter(is_active=True, role_assignments__role=Role.MANAGER, regions=alert.region).exclude(
        email=""
    )
    recipients = sorted(set(managers.values_list("email", flat=True)))
    if not recipients:
        return 0
    plan = ContingencyPlan.objects.filter(kind=alert.kind).first()
    with translation.override(settings.LANGUAGE_CODE):
        context = {"alert": alert, "plan": plan, "site_url": settings.SITE_URL}
        send_mail(
            subject=render_to_string("monitoring/email/alert_subject.txt", context).strip(),
            message=render_to_string("monitoring/email/alert.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
    return len(recipients)
