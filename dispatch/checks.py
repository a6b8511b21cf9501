"""Input rules every write of a window on an opportunity shares: bookings, work orders, grab orders."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dispatch.availability import MAX_WINDOW, MIN_WINDOW
from presales.choices import DISPATCHABLE_STAGES, Activity, PresalesStage
from presales.exceptions import ValidationFailed
from presales.models import Opportunity

BOOKING_TOO_LONG = _lazy("A booking lasts at most 31 days.")


def check_window(
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    allow_past: bool,
    fields: tuple[str, str] = ("start", "end"),
    too_long=None,
) -> None:
    """Refuse a booking, grab-order or desired window that is naive, shorter than 15 minutes,
    longer than 31 days or (unless allowed) starting in the past; errors name ``fields``."""
    start_field, end_field = fields
    errors: dict[str, list[str]] = {}
    for field, value in ((start_field, start), (end_field, end)):
        if timezone.is_naive(value):
            errors[field] = [_("Give the time with its UTC offset, e.g. 2026-04-07T13:30:00+08:00.")]
    if errors:
        raise ValidationFailed(fields=errors)
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)  # compare instants, not wall clocks
    if end <= start:
        raise ValidationFailed(fields={end_field: [_("The end must be after the start.")]})
    if end - start < MIN_WINDOW:
        raise ValidationFailed(fields={end_field: [_("The end must be at least 15 minutes after the start.")]})
    if end - start > MAX_WINDOW:
        raise ValidationFailed(fields={end_field: [str(too_long or BOOKING_TOO_LONG)]})
    if not allow_past and start < now:
        raise ValidationFailed(fields={start_field: [_("The start is in the past.")]})


def check_stage(opportunity: Opportunity, stage: str | None, activity: str | None) -> None:
    """Refuse dispatching to an opportunity still in qualification, or for a stage/activity that takes none."""
    errors = {}
    if opportunity.stage == PresalesStage.QUALIFICATION:
        errors["opportunity"] = [_("Engineers are dispatched once the opportunity has passed qualification.")]
    if stage not in DISPATCHABLE_STAGES:
        errors["stage"] = [_("Choose value presentation, bid preparation or bidding.")]
    if activity not in Activity.values:
        errors["activity"] = [_("Unknown activity.")]
    if errors:
        raise ValidationFailed(fields=errors)
