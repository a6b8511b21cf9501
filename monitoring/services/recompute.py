"""Writes of real-time control: recompute snapshots and alerts (acknowledging and resolving
them: monitoring.services.alerts).

A recompute is an upsert keyed on region × solution × window end (and kind, for alerts), so
running it twice, or twice at once, leaves the same rows: the unique constraints decide races.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from monitoring.figures import CellFigures, EngineerLoad, WindowCounts, cell_figures, is_midnight, window_ends
from monitoring.models import (
    ACTIVE_ALERT_STATUSES,
    Alert,
    AlertKind,
    CellSnapshot,
    CellStatus,
    MonitoringPolicy,
    UtilisationSnapshot,
)
from monitoring.notifications import notify_alert_opened
from presales.core.db import lock, lock_if_any
from presales.core.outbox import enqueue

# The counts each kind of surge watches.
WATCHED = {
    AlertKind.DELAY_SURGE: lambda counts: counts.delayed,
    AlertKind.VOLUME_SURGE: lambda counts: counts.work_orders,
    AlertKind.BAD_REVIEW_SURGE: lambda counts: counts.bad_reviews,
}
# Daily UT tables kept (the trends show eight weeks of cells).
UT_KEPT = dt.timedelta(days=56)


@dataclass(frozen=True)
class Surge:
    current: int
    baseline: Decimal


@dataclass
class RecomputeResult:
    end: dt.datetime
    cells: int
    snapshots_changed: int
    alerts_opened: int
    alerts_cleared: int


def surge(windows: list[WindowCounts], count, policy: MonitoringPolicy) -> Surge | None:
    """The current window reaches ≥ factor × the mean of the previous ones and ≥ that mean + N."""
    current = count(windows[0])
    previous = [count(window) for window in windows[1:]]
    baseline = (Decimal(sum(previous)) / len(previous)).quantize(Decimal("0.01"))
    if current >= policy.surge_factor * baseline and current >= baseline + policy.surge_min_increase:
        return Surge(current, baseline)
    return None


def cell_status(counts: WindowCounts, policy: MonitoringPolicy) -> str:
    if not counts.work_orders:
        return CellStatus.NORMAL
    if Decimal(counts.delayed_severe) / counts.work_orders >= policy.severe_ratio:
        return CellStatus.SEVERE
    if Decimal(counts.delayed) / counts.work_orders >= policy.slight_ratio:
        return CellStatus.SLIGHT
    return CellStatus.NORMAL


def default_end(now: dt.datetime | None = None, *, granularity_minutes: int = 5) -> dt.datetime:
    """'Now', floored to a few minutes: runs close together share one snapshot row per cell."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    return now - dt.timedelta(minutes=now.minute % granularity_minutes)


def recompute(*, end: dt.datetime | None = None, now: dt.datetime | None = None) -> RecomputeResult:
    """Compute every cell's snapshot for the window ending at ``end`` and open, refresh or clear
    surge alerts. Cells are region × solution pairs with engineers or work in the windows."""
    policy = MonitoringPolicy.current()
    end = end or default_end(now)
    now = now or timezone.now()
    figures = cell_figures(end=end, policy=policy)
    start = window_ends(end, policy.window_days, 1)[0][0]
    changed = opened = cleared = 0
    # What is stored already, read once: a cell whose figures and alerts are as computed is left
    # alone (most cells on most runs). Every write below still locks and re-checks its row.
    stored = {(s.region_id, s.solution_id): s for s in CellSnapshot.objects.filter(window_end=end)}
    active = {(a.region_id, a.solution_id, a.kind): a for a in Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES)}
    for (region_id, solution_id), cell in sorted(figures.cells.items()):
        values = _snapshot_values(start, cell, policy)
        if not _same(stored.get((region_id, solution_id)), values):
            changed += _upsert_snapshot(region_id, solution_id, end, values, now)
        for kind, count in WATCHED.items():
            found = surge(cell.windows, count, policy)
            alert = active.get((region_id, solution_id, kind))
            if found and not _alert_shows(alert, found, end):
                opened += _open_or_refresh(region_id, solution_id, kind, found, end)
            elif not found and alert is not None and alert.cleared_at is None and alert.window_end <= end:
                cleared += _clear(region_id, solution_id, kind, end)
    _store_utilisation(figures.engineers, start, end)
    return RecomputeResult(end, len(figures.cells), changed, opened, cleared)


def ensure_daily_snapshot(moment: dt.datetime) -> RecomputeResult | None:
    """The trend charts draw one point per day: the window ending at each local midnight.
    Computed once, by the first live recompute of the day."""
    midnight = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    if CellSnapshot.objects.filter(window_end=midnight).exists():
        return None
    return recompute(end=midnight)


def prune_snapshots(
    *, now: dt.datetime, keep: dt.timedelta = dt.timedelta(days=1), keep_utilisation: dt.timedelta = UT_KEPT
) -> int:
    """Drop the live (every-few-minutes) cell snapshots older than ``keep``; daily ones stay for
    the trends. Engineers' UT rows (one per engineer, so many more) are kept for the daily
    windows of ``keep_utilisation``; an older date's UT table is computed when asked for."""
    old = CellSnapshot.objects.filter(window_end__lt=now - keep).values_list("pk", "window_end")
    doomed = {pk: end for pk, end in old.iterator() if not is_midnight(end)}
    # UT rows are written by the same recompute as the cells: their live windows are the same.
    UtilisationSnapshot.objects.filter(
        Q(window_end__lt=now - keep_utilisation) | Q(window_end__in=set(doomed.values()))
    ).delete()
    return CellSnapshot.objects.filter(pk__in=doomed).delete()[0] if doomed else 0


def _store_utilisation(loads: dict[int, EngineerLoad], start: dt.datetime, end: dt.datetime) -> None:
    """Upsert each active engineer's UT for the window (the same rows however often it runs),
    then drop the live UT windows before this one: only the newest live window and the daily
    ones are ever read."""
    stored = {
        engineer_id: rest
        for engineer_id, *rest in UtilisationSnapshot.objects.filter(window_end=end).values_list(
            "engineer_id", "region_id", "window_start", "effective_hours", "available_hours"
        )
    }
    rows = []
    for engineer_id, load in loads.items():
        hours = load.effective_hours.quantize(Decimal("0.01")), load.available_hours.quantize(Decimal("0.01"))
        figures = [load.region_id, start, *hours]
        if stored.get(engineer_id) != figures:  # only what changed since the last run is written
            rows.append(
                UtilisationSnapshot(
                    engineer_id=engineer_id,
                    region_id=load.region_id,
                    window_start=start,
                    window_end=end,
                    effective_hours=hours[0],
                    available_hours=hours[1],
                )
            )
    with transaction.atomic():
        UtilisationSnapshot.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["engineer", "window_end"],
            update_fields=["region", "window_start", "effective_hours", "available_hours"],
        )
        # An engineer made inactive since an earlier run of this window no longer belongs in it.
        UtilisationSnapshot.objects.filter(window_end=end, engineer__is_active=False).delete()
    if not is_midnight(end):
        # Runs are minutes apart, so the previous live window is within the day (older
        # leftovers go with prune_snapshots).
        recent = UtilisationSnapshot.objects.filter(window_end__gte=end - dt.timedelta(days=1), window_end__lt=end)
        ends = recent.values_list("window_end", flat=True).distinct().order_by()
        older = [moment for moment in ends if not is_midnight(moment)]
        if older:
            UtilisationSnapshot.objects.filter(window_end__in=older).delete()


def _snapshot_values(start: dt.datetime, cell: CellFigures, policy: MonitoringPolicy) -> dict:
    current = cell.windows[0]
    return {
        "window_start": start,
        "work_orders": current.work_orders,
        "delayed_slight": current.delayed_slight,
        "delayed_severe": current.delayed_severe,
        "responded_in_time": current.responded_in_time,
        "ratings": current.ratings,
        "rating_sum": current.rating_sum,
        "bad_reviews": current.bad_reviews,
        "effective_hours": cell.effective_hours.quantize(Decimal("0.01")),
        "available_hours": cell.available_hours.quantize(Decimal("0.01")),
        "open_work_orders": cell.open_work_orders,
        "unfilled_work_orders": cell.unfilled_work_orders,
        "status": cell_status(current, policy),
    }


def _same(snapshot: CellSnapshot | None, values: dict) -> bool:
    return snapshot is not None and all(getattr(snapshot, name) == value for name, value in values.items())


def _alert_shows(alert: Alert | None, found: Surge, end: dt.datetime) -> bool:
    """The active alert already says this (or a newer window has been judged): nothing to write."""
    if alert is None:
        return False
    if end < alert.window_end:
        return True
    return (alert.current, alert.baseline, alert.window_end, alert.cleared_at) == (
        found.current,
        found.baseline,
        end,
        None,
    )


def _upsert_snapshot(region_id, solution_id, end, values: dict, now) -> bool:
    key = {"region_id": region_id, "solution_id": solution_id, "window_end": end}
    with transaction.atomic():
        snapshot = lock_if_any(CellSnapshot.objects.all(), **key)
        if snapshot is None:
            try:
                with transaction.atomic():
                    CellSnapshot.objects.create(**key, **values, computed_at=now)
                return True
            except IntegrityError:  # a concurrent recompute wrote it first: compare with theirs
                snapshot = lock(CellSnapshot.objects.all(), **key)
        if _same(snapshot, values):
            return False  # same figures: leave the row (and its computed_at) alone
        for name, value in values.items():
            setattr(snapshot, name, value)
        snapshot.computed_at = now
        snapshot.save()
        return True


@transaction.atomic
def _open_or_refresh(region_id, solution_id, kind, found: Surge, end) -> bool:
    # At most one active alert per cell and kind (monitoring_alert_one_active_per_cell_kind).
    alert = lock_if_any(
        Alert.objects.all(), region_id=region_id, solution_id=solution_id, kind=kind, status__in=ACTIVE_ALERT_STATUSES
    )
    if alert is not None:
        if end >= alert.window_end:
            alert.current, alert.baseline, alert.window_end, alert.cleared_at = (
                found.current,
                found.baseline,
                end,
                None,
            )
            alert.save(update_fields=["current", "baseline", "window_end", "cleared_at"])
        return False
    try:
        with transaction.atomic():
            Alert.objects.create(
                region_id=region_id,
                solution_id=solution_id,
                kind=kind,
                current=found.current,
                baseline=found.baseline,
                window_end=end,
                opened_at=end,
            )
    except IntegrityError:  # opened by a concurrent recompute: one alert per cell and kind
        return False
    alert_id = Alert.objects.get(
        region_id=region_id, solution_id=solution_id, kind=kind, status__in=ACTIVE_ALERT_STATUSES
    ).pk
    enqueue(notify_alert_opened, alert_id)
    return True


def _clear(region_id, solution_id, kind, end) -> bool:
    """The surge is over in this window: say so on the active alert (it stays until resolved).

    ``window_end`` is the latest window judged, so an older recompute never overrides it."""
    return bool(
        Alert.objects.filter(
            region_id=region_id,
            solution_id=solution_id,
            kind=kind,
            status__in=ACTIVE_ALERT_STATUSES,
            cleared_at__isnull=True,
            window_end__lte=end,
        ).update(cleared_at=end, window_end=end)
    )
