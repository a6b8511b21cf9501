"""An engineer's schedule as an iCalendar (RFC 5545) feed, for their calendar app to subscribe to.

Built with the ``icalendar`` library rather than by hand: RFC 5545 text needs escaping of
commas, semicolons and newlines, line folding at 75 octets (multi-byte safe, which matters for
Chinese summaries) and CRLF endings; a well-kept library gets these right and parses the feed
back in the tests.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import HOLDING_STATUSES, Booking, BookingStatus, Engineer

# Calendar apps poll the feed every few hours: old history only makes it heavier.
HISTORY = dt.timedelta(days=90)
PRODID = "-//Presales Dispatch//Engineer schedule//EN"
# A booking the engineer has not acknowledged yet is still tentative for them.
EVENT_STATUS = {BookingStatus.BOOKED: "TENTATIVE"}


def _uid(kind: str, pk: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "presales-dispatch"
    return f"{kind}-{pk}@{host}"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _event(*, uid: str, start: dt.datetime, end: dt.datetime, summary: str, status: str, stamp: dt.datetime):
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", summary)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    return event


def _booking_event(booking: Booking, stamp: dt.datetime) -> icalendar.Event:
    opportunity = booking.work_order.opportunity
    event = _event(
        uid=_uid("booking", booking.pk),
        start=booking.start,
        end=booking.end,
        summary=f"{booking.get_activity_display()} · {opportunity.name}",
        status=EVENT_STATUS.get(booking.status, "CONFIRMED"),
        stamp=stamp,
    )
    event.add(
        "description",
        "\n".join(
            [
                _line(_("Stage"), booking.get_stage_display()),
                _line(_("Status"), booking.get_status_display()),
                _line(_("Booked by"), opportunity.owner.name),
            ]
        ),
    )
    return event


def engineer_calendar(engineer: Engineer, *, now: dt.datetime | None = None) -> bytes:
    """The engineer's holding bookings and time off (cancelled bookings left out), times in UTC."""
    now = now or timezone.now()
    since = now - HISTORY
    stamp = _utc(now).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("%(engineer)s — presales schedule") % {"engineer": engineer.name})
    bookings = (
        engineer.bookings.filter(status__in=HOLDING_STATUSES, end__gt=since)
        .select_related("work_order__opportunity__owner")
        .order_by("start", "pk")
    )
    for booking in bookings:
        calendar.add_component(_booking_event(booking, stamp))
    for leave in engineer.time_off.filter(end__gt=since).order_by("start", "pk"):
        summary = _("Time off") + (f": {leave.reason}" if leave.reason else "")
        calendar.add_component(
            _event(
                uid=_uid("time-off", leave.pk),
                start=leave.start,
                end=leave.end,
                summary=summary,
                status="CONFIRMED",
                stamp=stamp,
            )
        )
    return calendar.to_ical()


def _line(label: str, value: str) -> str:
    # Labels are translated by the caller, outside f-strings, where xgettext can see them.
    return f"{label}: {value}"
