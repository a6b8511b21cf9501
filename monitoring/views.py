"""The regional dashboard of real-time control (实时管控): the region × solution grid with its
alerts and plans, polled by htmx; alert actions in place; the engineers' UT; a CSV of the grid.
Reads come from monitoring.selectors.dashboard, writes from monitoring.services (recompute, or its
Celery task, and alerts)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.forms import LOCAL_MINUTE
from dispatch.views.work_orders import oversees_work_orders
from monitoring.figures import WAITING
from monitoring.forms import RecomputeForm, WindowForm
from monitoring.models import AlertKind
from monitoring.selectors import dashboard as dashboard_selectors
from monitoring.services import alerts as alert_services
from monitoring.services import recompute as monitoring_services
from monitoring.tasks import recompute_cells
from presales import access
from presales.core.outbox import enqueue
from presales.decorators import role_required
from presales.exceptions import ApplicationError
from presales.spreadsheet import csv_response

POLL_SECONDS = 30
UT_PAGE_SIZE = 50

# "Start plan 1" of a delay surge: open a grab order with an incentive and a wider scope. The
# grab form opens pre-filled with the cell's solution, every region in scope (the alert's own
# included) and this incentive; the rep still chooses the opportunity and the window.
PLAN_1_URL_NAME = "grabbing:new"
PLAN_1_UPLIFT_PERCENT = 50

SPARK_WIDTH, SPARK_HEIGHT = 120, 28


def plan_start_url(alert) -> str | None:
    if alert.kind != AlertKind.DELAY_SURGE:
        return None
    query = {
        "solution": alert.solution.code,
        "region": alert.region.code,
        "wide": 1,
        "uplift_percent": PLAN_1_UPLIFT_PERCENT,
    }
    return f"{reverse(PLAN_1_URL_NAME)}?{urlencode(query)}"


def _scaled(values: list[int], top: int) -> list[tuple[float, float]]:
    """Newest point at the right edge; one scale for both lines so they compare."""
    step = SPARK_WIDTH / (len(values) - 1) if len(values) > 1 else 0
    usable = SPARK_HEIGHT - 4
    return [
        (SPARK_WIDTH - (len(values) - 1 - index) * step, SPARK_HEIGHT - 2 - (value / top if top else 0) * usable)
        for index, value in enumerate(values)
    ]


def sparkline(trend) -> dict | None:
    """The cell's work orders and delays per daily window (and the window shown), as SVG points."""
    if not trend:
        return None
    top = max(max(snap.work_orders for snap in trend), 1)
    lines = {}
    for name, values in (("orders", [s.work_orders for s in trend]), ("delayed", [s.delayed for s in trend])):
        points = _scaled(values, top)
        lines[name] = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        lines[f"{name}_last"] = [f"{coordinate:.1f}" for coordinate in points[-1]]
    return {**lines, "days": len(trend), "width": SPARK_WIDTH, "height": SPARK_HEIGHT}


def _window(request):
    """The window end asked for (``?date=``), or None for the newest; and the form with errors."""
    form = WindowForm(request.GET)
    day = form.cleaned_data["date"] if form.is_valid() else None
    return (dashboard_selectors.day_end(day) if day else None), form


def waiting_links(cell) -> dict[str, str]:
    """Each waiting figure of a computed cell (monitoring.figures.WAITING) as a link to the
    work-order list filtered alike: the cell's region and solution, the statuses the figure
    counts, desired end from the window's start. The list judges now, the cell its window's end."""
    start = timezone.localtime(cell.snapshot.window_start)
    since = start.strftime(LOCAL_MINUTE if start.second == 0 else f"{LOCAL_MINUTE}:%S")
    base = {"region": cell.region.code, "solution": cell.solution.code, "desired_end_from": since}
    url = reverse("dispatch:work_orders")
    return {
        figure: f"{url}?{urlencode({**base, 'status': list(statuses)}, doseq=True)}"
        for figure, statuses in WAITING.items()
    }


def _live_context(request, dashboard, form) -> dict:
    for alert in dashboard.alerts:
        alert.start_url = plan_start_url(alert)
    day = form.cleaned_data.get("date") if form.is_bound and not form.errors else None
    # The newest window's waiting demand is today's: link it to the live list. A past date's is
    # history the list (judged now) cannot show; it stays a figure.
    linked = day is None and oversees_work_orders(request.user)
    for _region, cells in dashboard.rows:
        for cell in cells:
            cell.sparkline = sparkline(cell.trend)
            cell.waiting_links = waiting_links(cell) if linked and cell.snapshot else {}
    window = dashboard_selectors.dashboard_window(dashboard=dashboard)
    return {
        "dashboard": dashboard,
        "window": window,
        "window_days": (window[1] - window[0]).days if window else None,
        "computed": dashboard_selectors.dashboard_computed(dashboard=dashboard),
        "manageable": dashboard_selectors.manageable_region_ids(user=request.user),
        "form": form,
        "day": day,
        "poll_seconds": POLL_SECONDS,
        "can_recompute": access.is_manager_or_admin(request.user),
        "today": timezone.localdate(),
    }


@require_GET
@role_required(*access.WATCHERS)
def dashboard(request):
    """The whole page; an htmx request (the 30-second poll) gets only the live fragment."""
    end, form = _window(request)
    board = dashboard_selectors.dashboard_page(user=request.user, end=end)
    context = _live_context(request, board, form)
    if request.htmx:
        return render(request, "monitoring/_live.html", context)
    start, ut_end = _utilisation_window(context["window"])
    rows = dashboard_selectors.engineer_utilisation(user=request.user, start=start, end=ut_end)
    # Busiest first, a page at a time: a region has hundreds of engineers; the CSV has them all.
    context["utilisation"] = Paginator(rows, UT_PAGE_SIZE).get_page(request.GET.get("page"))
    context["utilisation_window"] = (start, ut_end)
    context["query"] = urlencode({"date": context["day"].isoformat()}) if context["day"] else ""
    return render(request, "monitoring/dashboard.html", context)


def _utilisation_window(window):
    """The dashboard's window; nothing computed yet: the policy's window to now, so the
    engineers' UT still shows."""
    return window or dashboard_selectors.policy_window(end=monitoring_services.default_end())


def _dashboard_url(day=None) -> str:
    url = reverse("monitoring:dashboard")
    return f"{url}?{urlencode({'date': day.isoformat()})}" if day else url


def _alert_action(request, pk, action):
    """Acknowledge or resolve in place: htmx gets the re-rendered row (with the refusal shown on
    it), a plain form post is redirected with a message. Other regions' alerts are 404."""
    alert = dashboard_selectors.dashboard_alert(user=request.user, pk=pk)
    if alert is None:
        raise Http404
    error = None
    try:
        action(alert=alert, by=request.user)
    except ApplicationError as refusal:
        error = refusal
    alert = dashboard_selectors.dashboard_alert(user=request.user, pk=pk)
    if alert is None:
        raise Http404
    if not request.htmx:
        if error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Alert %(alert)s: %(status)s.") % {"alert": alert, "status": alert.get_status_display()}
            )
        return redirect(_dashboard_url())
    alert.start_url = plan_start_url(alert)
    context = {
        "alert": alert,
        "error": error,
        "manageable": dashboard_selectors.manageable_region_ids(user=request.user),
    }
    return render(request, "monitoring/_alert_row.html", context)


@require_POST
@role_required(*access.MANAGERS_AND_ADMINS)
def alert_acknowledge(request, pk):
    return _alert_action(request, pk, alert_services.alert_acknowledge)


@require_POST
@role_required(*access.MANAGERS_AND_ADMINS)
def alert_resolve(request, pk):
    return _alert_action(request, pk, alert_services.alert_resolve)


@require_POST
@role_required(*access.MANAGERS_AND_ADMINS)
def recompute(request):
    """With a date: compute that day's window now (an idempotent upsert). Without: queue the
    regular recompute of every cell (run in-process when there is no broker)."""
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("date", []):
            messages.error(request, error)
        return redirect(_dashboard_url())
    day = form.cleaned_data["date"]
    if day:
        result = monitoring_services.recompute(end=dashboard_selectors.day_end(day))
        messages.success(
            request,
            _("Computed %(cells)s cells for the window ending %(end)s.")
            % {"cells": result.cells, "end": timezone.localtime(result.end).strftime("%Y-%m-%d %H:%M")},
        )
        return redirect(_dashboard_url(day))
    enqueue(recompute_cells)
    messages.success(request, _("Recompute requested: the figures refresh as soon as it has run."))
    return redirect(_dashboard_url())


def _ratio(value):
    # The number itself, not its text: the CSV neutralises text cells only (presales.spreadsheet).
    return "" if value is None else value


def _csv_row(region, cell, window) -> list:
    snap = cell.snapshot
    start, end = (timezone.localtime(moment).isoformat() for moment in window) if window else ("", "")
    row = [region.code, region.name, cell.solution.code, cell.solution.name, start, end, cell.status]
    if snap is None:
        row += [""] * 17
    else:
        row += [
            snap.work_orders,
            snap.delayed_slight,
            snap.delayed_severe,
            snap.delayed,
            _ratio(snap.delayed_ratio),
            snap.responded_in_time,
            _ratio(snap.timely_response_rate),
            snap.ratings,
            _ratio(snap.satisfaction_avg),
            snap.bad_reviews,
            _ratio(snap.bad_review_ratio),
            snap.effective_hours,
            snap.available_hours,
            _ratio(snap.utilisation),
            snap.open_work_orders,
            snap.unfilled_work_orders,
            timezone.localtime(snap.computed_at).isoformat(),
        ]
    return [*row, " ".join(sorted(alert.kind for alert in cell.alerts))]


def _csv_header() -> list[str]:
    return [
        _("Region code"),
        _("Region"),
        _("Solution code"),
        _("Solution"),
        _("Window start"),
        _("Window end"),
        _("Status"),
        _("Work orders"),
        _("Slight delays"),
        _("Severe delays"),
        _("Delayed"),
        _("Delay ratio"),
        _("Answered in time"),
        _("Timely response rate"),
        _("Ratings"),
        _("Satisfaction average"),
        _("Bad reviews"),
        _("Bad-review ratio"),
        _("Effective hours"),
        _("Available hours"),
        _("UT"),
        _("Open work orders"),
        _("Unfilled work orders"),
        _("Computed at"),
        _("Active alerts"),
    ]


@require_GET
@role_required(*access.WATCHERS)
def cells_csv(request):
    """One row per cell of the grid (as the page shows it) with all its figures and the window;
    a cell not computed has empty figures."""
    end, _form = _window(request)
    board = dashboard_selectors.dashboard_page(user=request.user, end=end)
    window = dashboard_selectors.dashboard_window(dashboard=board)
    stamp = timezone.localtime(window[1]).strftime("%Y%m%d-%H%M") if window else "none"
    rows = (_csv_row(region, cell, window) for region, cells in board.rows for cell in cells)
    return csv_response(filename=f"cells-{stamp}.csv", header=_csv_header(), rows=rows)


@require_GET
@role_required(*access.WATCHERS)
def utilisation_csv(request):
    """Every engineer's UT of the dashboard's window (the page shows them fifty at a time)."""
    end, _form = _window(request)
    board = dashboard_selectors.dashboard_page(user=request.user, end=end)
    start, ut_end = _utilisation_window(dashboard_selectors.dashboard_window(dashboard=board))
    rows = dashboard_selectors.engineer_utilisation(user=request.user, start=start, end=ut_end)
    stamp = timezone.localtime(ut_end).strftime("%Y%m%d-%H%M")
    window = [timezone.localtime(moment).isoformat() for moment in (start, ut_end)]
    return csv_response(
        filename=f"utilisation-{stamp}.csv",
        header=[
            _("Engineer"),
            _("Region code"),
            _("Window start"),
            _("Window end"),
            _("Effective hours"),
            _("Available hours"),
            _("UT"),
        ],
        rows=(
            [
                row.engineer.name,
                row.region.code,
                *window,
                row.effective_hours,
                row.available_hours,
                _ratio(row.utilisation),
            ]
            for row in rows
        ),
    )
