"""Writes on alerts: a manager of the region (or an admin) acknowledges and resolves them, as
ALERT_TRANSITIONS allows."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import ALERT_TRANSITIONS, Alert, AlertStatus
from monitoring.selectors.dashboard import alert_list
from presales import access
from presales.core.db import lock
from presales.exceptions import NotFound, PermissionDenied
from presales.models import Region, User


def can_manage(*, user: User, region: Region) -> bool:
    return access.manages_region_or_admin(user, region)


def _locked_alert(alert: Alert, user: User) -> Alert:
    alert = lock(Alert.objects.select_related("region"), pk=alert.pk)
    if not can_manage(user=user, region=alert.region):
        # A watcher of the region (a delivery-centre lead) sees the alert but does not handle it;
        # anyone else learns nothing of it.
        if alert_list(user=user).filter(pk=alert.pk).exists():
            raise PermissionDenied(_("Only a manager of the region acknowledges or resolves its alerts."))
        raise NotFound(_("Alert not found."))
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, now: dt.datetime | None = None) -> Alert:
    alert = _locked_alert(alert, by)
    ALERT_TRANSITIONS.require(alert, "acknowledge")
    alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, now or timezone.now(), by
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, by: User, now: dt.datetime | None = None) -> Alert:
    alert = _locked_alert(alert, by)
    ALERT_TRANSITIONS.require(alert, "resolve")
    alert.status, alert.resolved_at, alert.resolved_by = AlertStatus.RESOLVED, now or timezone.now(), by
    alert.save(update_fields=["status", "resolved_at", "resolved_by"])
    return alert
