"""Celery work of real-time control: the periodic recompute and the debounced one after events.

Every run is an upsert (see monitoring.services.recompute), so redelivery after a killed worker, a
second beat started by mistake or two workers racing all leave the same snapshots and alerts.
A short cache lock per window end keeps duplicates from even doing the work twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from monitoring.services.recompute import default_end, ensure_daily_snapshot, prune_snapshots, recompute
from presales.core.outbox import enqueue

PENDING_KEY = "monitoring:recompute-pending"
# Below the broker's visibility timeout (asserted by a test of the configuration): a task
# still running is never handed to a second worker.
SOFT_LIMIT, HARD_LIMIT = 240, 300


@shared_task(
    bind=True,
    name="monitoring.recompute_cells",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_LIMIT,
    time_limit=HARD_LIMIT,
)
def recompute_cells(self, end: str | None = None) -> dict:
    """Recompute every cell for the window ending at ``end`` (ISO 8601), or now."""
    cache.delete(PENDING_KEY)
    moment = dt.datetime.fromisoformat(end) if end else default_end()
    lock = f"monitoring:recompute:{moment.isoformat()}"
    # The lock names the task: a copy queued by a second beat is skipped, but this very task
    # redelivered after its worker died (the lock outlives the worker) goes ahead.
    task_id = self.request.id or "in-process"
    if not cache.add(lock, task_id, timeout=HARD_LIMIT) and cache.get(lock) != task_id:
        return {"end": moment.isoformat(), "skipped": "already running"}
    try:
        if not end:
            ensure_daily_snapshot(moment)
        result = recompute(end=moment)
        if not end:
            prune_snapshots(now=moment)
    finally:
        cache.delete(lock)
    return {
        "end": moment.isoformat(),
        "cells": result.cells,
        "snapshots_changed": result.snapshots_changed,
        "alerts_opened": result.alerts_opened,
        "alerts_cleared": result.alerts_cleared,
    }


def request_recompute() -> None:
    """Queue one recompute soon after bookings, completions or ratings change (debounced: many
    changes within the delay share one run). Called on commit, so rolled-back work asks nothing."""
    delay = settings.MONITORING_RECOMPUTE_DEBOUNCE_SECONDS
    if cache.add(PENDING_KEY, "queued", timeout=delay + 60):
        enqueue(recompute_cells, countdown=delay)
