"""Full-process visibility (全程可视) pages: an opportunity's presales work, an engineer's record
for their managers, and the rep's rating correction on My bookings.

Who may see what is decided by the selectors (presales.selectors.opportunities.opportunity_list,
dispatch.selectors.visibility); these views parse, call them, and shape numbers for drawing.
"""

import datetime as dt
import math
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch.delay import Delay, lateness_hours
from dispatch.forms import RateForm, RecordPeriodForm
from dispatch.selectors.visibility import (
    Visibility,
    engineer_report,
    opportunity_rating_comments,
    opportunity_timeline,
    opportunity_visibility,
    record_engineers,
    satisfaction,
)
from dispatch.services import bookings as booking_services
from dispatch.views import bookings as booking_views
from presales import access
from presales.choices import DISPATCHABLE_STAGES
from presales.decorators import role_required
from presales.selectors.opportunities import opportunity_list

STAGES = [(stage.value, stage.label) for stage in DISPATCHABLE_STAGES]


@login_required
def opportunity_detail(request, pk):
    # Anyone who may not see the opportunity learns nothing about it, not even that it exists.
    opportunity = get_object_or_404(opportunity_list(user=request.user), pk=pk)
    visibility = opportunity_visibility(opportunity=opportunity, viewer=request.user)
    comments = opportunity_rating_comments(opportunity=opportunity, viewer=request.user)
    context = {
        "opportunity": opportunity,
        "visibility": visibility,
        "engineers": _engineer_rows(visibility, comments),
        "dispatches": [_dispatch_row(dispatch) for dispatch in visibility.dispatches],
        "timeline": opportunity_timeline(opportunity=opportunity, viewer=request.user),
        "stages": STAGES,
        "shows_money": visibility.spent is not None,
        "links_records": access.is_manager_or_admin(request.user),
        # The owner opens work orders on it once it is past qualification.
        "can_open_work_order": access.is_rep(request.user)
        and opportunity.owner_id == request.user.pk
        and opportunity.stage in DISPATCHABLE_STAGES,
    }
    return render(request, "dispatch/opportunity.html", context)


def _engineer_rows(visibility: Visibility, comments: dict) -> list[SimpleNamespace]:
    """Each engineer's hours as stacked segments (widths relative to the busiest engineer),
    with their rating and latest comments."""
    longest = max((record.total_hours for record in visibility.engineers), default=Decimal(0)) or Decimal(1)
    return [
        SimpleNamespace(
            record=record,
            segments=[
                SimpleNamespace(stage=stage, label=label, hours=hours, width=float(hours / longest * 100))
                for stage, label in STAGES
                if (hours := record.hours_by_stage.get(stage))
            ],
            by_stage=[(stage, record.hours_by_stage.get(stage)) for stage, _label in STAGES],
            width=float(record.total_hours / longest * 100),
            satisfaction=satisfaction(record.rating_avg),
            comments=comments.get(record.engineer.pk, []),
        )
        for record in visibility.engineers
    ]


def lateness_display(late: dt.timedelta, *, delay: Delay, cancelled: bool = False) -> SimpleNamespace:
    """Lateness as pages show it (dispatch/_lateness.html): hours late in tenths, with days beyond
    one; booked ahead of the desired start, hours early. A work order nobody holds whose desired
    start has not come is pending: due in so long, or "—" once cancelled (it never came due).
    ``hours`` stays signed, as the API's lateness_hours, for the page's data attribute."""
    hours = lateness_hours(late).quantize(Decimal("0.1"))
    detail = ""
    if delay == Delay.PENDING:
        text = "—" if cancelled else due_in(-late)
    elif hours > 0:
        text = _("%(hours)s h late") % {"hours": floatformat(hours, -1)}
        if hours >= 24:
            detail = _("(%(days)s days)") % {"days": floatformat((hours / 24).quantize(Decimal("0.1")), -1)}
    elif hours < 0:
        text = _("%(hours)s h early") % {"hours": floatformat(-hours, -1)}
    else:
        text = _("%(hours)s h") % {"hours": floatformat(hours, -1)}
    return SimpleNamespace(hours=hours, text=text, detail=detail)


def due_in(remaining: dt.timedelta) -> str:
    """How long until a pending work order's desired start: whole minutes below an hour, else
    hours (rounded) and days — "due in 4 d 18 h"."""
    seconds = remaining.total_seconds()
    if seconds <= 0:
        return _("due now")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return _("due in %(minutes)s min") % {"minutes": minutes}
    days, hours = divmod(int(seconds / 3600 + 0.5), 24)
    if days and hours:
        return _("due in %(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if days:
        return _("due in %(days)s d") % {"days": days}
    return _("due in %(hours)s h") % {"hours": hours}


def _dispatch_row(dispatch) -> SimpleNamespace:
    cancelled = dispatch.work_order.cancelled_at is not None
    return SimpleNamespace(
        dispatch=dispatch, lateness=lateness_display(dispatch.lateness, delay=dispatch.delay, cancelled=cancelled)
    )


@role_required(*access.MANAGERS_AND_ADMINS)
def engineer_record(request, pk):
    # A manager reads the engineers of their own regions; any other engineer is a 404.
    engineer = get_object_or_404(record_engineers(user=request.user), pk=pk)
    form = RecordPeriodForm(request.GET, today=timezone.localdate())
    first_day, last_day = form.period()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)  # last day included
    report = engineer_report(engineer=engineer, start=start, end=end)
    context = {
        "engineer": report.engineer,
        "report": report,
        "form": form,
        "first_day": first_day,
        "last_day": last_day,
        "stages": [(label, report.hours_by_stage.get(stage)) for stage, label in STAGES],
        "delayed": [_dispatch_row(dispatch) for dispatch in report.delayed],
        "satisfaction": satisfaction(report.rating_avg),
        "utilisation_percent": (report.utilisation * 100).quantize(Decimal("0.1"))
        if report.utilisation is not None
        else None,
    }
    return render(request, "dispatch/engineer_record.html", context)


@require_POST
@role_required(*access.REPS)
def booking_rating_correct(request, pk):
    return booking_views.rep_act(
        request,
        pk,
        lambda b, data: booking_services.booking_rating_correct(
            booking=b, by=request.user, score=data["score"], comment=data["comment"]
        ),
        RateForm,
    )
