"""Telling a region's managers that an alert opened."""

from celery import shared_task

from monitoring.models import Alert, ContingencyPlan
from presales import access
from presales.core.mail import send_templated_mail


@shared_task(name="monitoring.notify_alert_opened", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_alert_opened(alert_id: int) -> int:
    """Email every manager of the alert's region, with the plan; returns how many were told.

    Queued after the commit (presales.core.outbox) by the recompute, so an alert that rolls back sends nothing.
    """
    alert = Alert.objects.select_related("region", "solution").filter(pk=alert_id).first()
    if alert is None:
        return 0
    managers = access.region_managers(alert.region).filter(is_active=True).exclude(email="")
    recipients = sorted(set(managers.values_list("email", flat=True)))
    if not recipients:
        return 0
    plan = ContingencyPlan.objects.filter(kind=alert.kind).first()
    send_templated_mail(
        subject_template="monitoring/email/alert_subject.txt",
        body_template="monitoring/email/alert.txt",
        context={"alert": alert, "plan": plan},
        recipients=recipients,
    )
    return len(recipients)
