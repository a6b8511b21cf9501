"""Reads for the regional dashboard, scoped to the regions the user oversees."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db.models import Max, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from dispatch.availability import available_hours
from dispatch.models import Engineer
from dispatch.rules.hours import effective_hours_by_engineer
from dispatch.rules.utilisation import utilisation, utilisation_expression
from monitoring.figures import is_midnight
from monitoring.models import (
    ACTIVE_ALERT_STATUSES,
    Alert,
    CellSnapshot,
    CellStatus,
    ContingencyPlan,
    MonitoringPolicy,
    UtilisationSnapshot,
)
from presales import access
from presales.models import Region, Solution, User


def latest_window_end(*, regions=None) -> dt.datetime | None:
    """The end of the newest computed window (for the given regions)."""
    snapshots = CellSnapshot.objects.all()
    if regions is not None:
        snapshots = snapshots.filter(region__in=regions)
    return snapshots.aggregate(latest=Max("window_end"))["latest"]


def day_end(day: dt.date) -> dt.datetime:
    """The window "for a date" ends at that date's midnight, organisation time."""
    return dt.datetime.combine(day, dt.time(0), timezone.get_default_timezone())


@dataclass
class CellView:
    region: Region
    solution: Solution
    snapshot: CellSnapshot | None
    alerts: list[Alert] = field(default_factory=list)
    trend: list[CellSnapshot] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.snapshot.status if self.snapshot else CellStatus.NORMAL


@dataclass
class Dashboard:
    end: dt.datetime | None
    solutions: list[Solution]
    rows: list[tuple[Region, list[CellView]]]
    alerts: list[Alert]


def active_alerts(*, regions) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(region__in=regions, status__in=ACTIVE_ALERT_STATUSES)
        .select_related("region", "solution")
        .order_by("region__code", "solution__code", "kind")
    )


def with_plans(alerts) -> list[Alert]:
    """Attach each alert's contingency plan (one query for all)."""
    plans = {plan.kind: plan for plan in ContingencyPlan.objects.all()}
    alerts = list(alerts)
    for alert in alerts:
        alert.plan = plans.get(alert.kind)
    return alerts


def dashboard_for(*, user: User, end: dt.datetime | None = None, trend_days: int = 56) -> Dashboard:
    """The regional dashboard: every region × solution of the user's regions at the newest window
    (or ``end``), its active alerts with plans, and a daily trend. A fixed number of queries."""
    regions = list(access.watched_regions(user))
    solutions = list(Solution.objects.all())
    end = end or latest_window_end(regions=regions)
    snapshots = {}
    trends: dict[tuple[int, int], list[CellSnapshot]] = {}
    snap: CellSnapshot | None
    if end is not None:
        for snap in CellSnapshot.objects.filter(region__in=regions, window_end=end):
            snapshots[snap.region_id, snap.solution_id] = snap
        midnights = CellSnapshot.objects.filter(
            region__in=regions, window_end__gte=end - dt.timedelta(days=trend_days), window_end__lt=end
        ).order_by("window_end")
        for snap in midnights:
            if is_midnight(snap.window_end):
                trends.setdefault((snap.region_id, snap.solution_id), []).append(snap)
    alerts = with_plans(active_alerts(regions=regions))
    by_cell: dict[tuple[int, int], list[Alert]] = {}
    for alert in alerts:
        by_cell.setdefault((alert.region_id, alert.solution_id), []).append(alert)
    rows = []
    for region in regions:
        cells = []
        for solution in solutions:
            key = (region.pk, solution.pk)
            snap = snapshots.get(key)
            cells.append(
                CellView(
                    region, solution, snap, by_cell.get(key, []), [*trends.get(key, []), *([snap] if snap else [])]
                )
            )
        rows.append((region, cells))
    return Dashboard(end=end, solutions=solutions, rows=rows, alerts=alerts)


def snapshot_list(
    *, user: User, end: dt.datetime, region: Region | None = None, solution: Solution | None = None
) -> QuerySet[CellSnapshot]:
    qs = CellSnapshot.objects.restrict(user).filter(window_end=end)
    if region is not None:
        qs = qs.filter(region=region)
    if solution is not None:
        qs = qs.filter(solution=solution)
    return qs.select_related("region", "solution").order_by("region__code", "solution__code")


def alert_list(
    *,
    user: User,
    region: Region | None = None,
    solution: Solution | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> QuerySet[Alert]:
    qs = Alert.objects.restrict(user).select_related("region", "solution")
    if region is not None:
        qs = qs.filter(region=region)
    if solution is not None:
        qs = qs.filter(solution=solution)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-pk")


class Utilisation(Protocol):
    """A row of the UT table, stored (``UtilisationSnapshot``) or computed now."""

    @property
    def engineer(self) -> Engineer: ...
    @property
    def region(self) -> Region: ...
    @property
    def effective_hours(self) -> Decimal: ...
    @property
    def available_hours(self) -> Decimal: ...
    @property
    def utilisation(self) -> Decimal | None: ...


@dataclass(frozen=True)
class EngineerUtilisation:
    engineer: Engineer
    effective_hours: Decimal
    available_hours: Decimal

    @property
    def region(self) -> Region:
        return self.engineer.region

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.effective_hours, self.available_hours)


def engineer_utilisation(
    *, user: User, start: dt.datetime, end: dt.datetime
) -> Sequence[Utilisation] | QuerySet[UtilisationSnapshot]:
    """UT of each active engineer of the user's regions over [start, end), busiest first.

    As stored by the recompute of that window: a queryset sorted by the database, so a page of
    it reads only that page. A window never stored (nothing computed yet, an old date) is
    computed now, in four queries."""
    stored = UtilisationSnapshot.objects.filter(window_start=start, window_end=end)
    if not stored.exists():
        rows = _utilisation_now(regions=access.watched_regions(user), start=start, end=end)
        return sorted(rows, key=lambda row: (-(row.utilisation or 0), row.engineer.name))
    ratio = Coalesce(utilisation_expression(), Value(0.0))  # no capacity sorts as idle, as in Python
    return (
        stored.restrict(user)
        .filter(engineer__is_active=True)
        .select_related("engineer__user", "region")
        .annotate(ratio=ratio)
        .order_by("-ratio", "engineer__user__display_name", "engineer_id")
    )


def _utilisation_now(*, regions, start: dt.datetime, end: dt.datetime) -> list[EngineerUtilisation]:
    active = Engineer.objects.filter(region__in=regions, is_active=True)
    engineers = list(active.select_related("user", "region"))
    worked = effective_hours_by_engineer(start=start, end=end, engineer_ids=[engineer.pk for engineer in engineers])
    available = available_hours(active, start, end)
    return [EngineerUtilisation(e, worked.get(e.pk, Decimal("0.00")), available[e.pk]) for e in engineers]


# --- The dashboard page ----------------------------------------------------------------------


def dashboard_page(*, user: User, end: dt.datetime | None = None) -> Dashboard:
    """``dashboard_for`` plus who acknowledged each alert (one more query, whatever the count)."""
    dashboard = dashboard_for(user=user, end=end)
    prefetch_related_objects(dashboard.alerts, "acknowledged_by")
    return dashboard


def dashboard_window(*, dashboard: Dashboard) -> tuple[dt.datetime, dt.datetime] | None:
    """[start, end) of the window shown: the snapshots' own start when computed (the policy may
    have changed since), else the current policy's length."""
    if dashboard.end is None:
        return None
    for _region, cells in dashboard.rows:
        for cell in cells:
            if cell.snapshot is not None:
                return cell.snapshot.window_start, dashboard.end
    return policy_window(end=dashboard.end)


def policy_window(*, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return end - dt.timedelta(days=MonitoringPolicy.current().window_days), end


def dashboard_computed(*, dashboard: Dashboard) -> bool:
    return any(cell.snapshot is not None for _region, cells in dashboard.rows for cell in cells)


def manageable_region_ids(*, user: User) -> set[int]:
    """The regions whose alerts the user may acknowledge and resolve: ``monitoring.services.alerts.can_manage``
    for a whole list of alerts in one query."""
    if access.is_admin(user):
        return set(Region.objects.values_list("pk", flat=True))
    if access.is_manager(user):
        return set(access.managed_regions(user).values_list("pk", flat=True))
    return set()


def dashboard_alert(*, user: User, pk: int) -> Alert | None:
    """One alert of the user's regions, any status, with its plan and who handled it."""
    alert = alert_list(user=user).select_related("acknowledged_by", "resolved_by").filter(pk=pk).first()
    return with_plans([alert])[0] if alert is not None else None
