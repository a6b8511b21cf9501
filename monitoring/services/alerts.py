"""Writes on alerts: a manager of the region (or an admin) acknowledges and resolves them, as
ALERT_TRANSITIONS allows."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import ALERT_TRANSITIONS, Alert
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


def _handle(alert: Alert, by: User, action: str, stamp: str, now: dt.datetime | None) -> Alert:
    """Lock the alert, check ``by`` and the table, and record ``action`` in its ``stamp``_at and
    ``stamp``_by fields."""
    alert = _locked_alert(alert, by)
    ALERT_TRANSITIONS.require(alert, action)
    alert.status = cast(str, ALERT_TRANSITIONS.target(action))
    setattr(alert, f"{stamp}_at", now or timezone.now())
    setattr(alert, f"{stamp}_by", by)
    alert.save(update_fields=["status", f"{stamp}_at", f"{stamp}_by"])
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, now: dt.datetime | None = None) -> Alert:
    return _handle(alert, by, "acknowledge", "acknowledged", now)


@transaction.atomic
def alert_resolve(*, alert: Alert, by: User, now: dt.datetime | None = None) -> Alert:
    return _handle(alert, by, "resolve", "resolved", now)
