"""Delay of a work order (延时): from its desired start to the start of its earliest booking."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delay(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    SLIGHT = "slight", _("Slight delay")
    SEVERE = "severe", _("Severe delay")


def classify_delay(
    *, desired_start: dt.datetime, first_start: dt.datetime | None, slight_limit_hours: int, now: dt.datetime
) -> Delay:
    """on time: lateness ≤ 0; slight: up to the limit; severe: beyond it.

    An unfilled work order is judged by how long it has waited past its desired start: within
    the limit it counts as slight, beyond it as severe; not yet due, it is on time.
    """
    limit = dt.timedelta(hours=slight_limit_hours)
    if first_start is None:
        waited = now - desired_start
        if waited <= dt.timedelta(0):
            return Delay.ON_TIME
        return Delay.SLIGHT if waited <= limit else Delay.SEVERE
    lateness = first_start - desired_start
    if lateness <= dt.timedelta(0):
        return Delay.ON_TIME
    return Delay.SLIGHT if lateness <= limit else Delay.SEVERE


def lateness(*, desired_start: dt.datetime, first_start: dt.datetime | None, now: dt.datetime) -> dt.timedelta:
    """How late the work order is (negative when early); an unfilled one is as late as it has waited."""
    return (first_start or now) - desired_start
