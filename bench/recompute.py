"""Real-time control: time and peak memory of one recompute, and dashboard read latency.

Runs in-process against the benchmark database made by ``generate.py`` (work orders, bookings
and ratings spread over past and future weeks):

    .venv/bin/python bench/recompute.py --runs 3 --reads 200

Prints one JSON object: the recompute's wall time per run (the first computes every cell, the
next ones find nothing changed), the Python peak memory of one more run under tracemalloc (timed
apart: tracing slows Python down two- to threefold) and the process's maximum resident size, the number of work orders in the windows read versus in the whole table, and
the p50/p95 of rendering the regional dashboard page for a manager (Django test client, the
full middleware and template stack, no network).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_URL, django_in_process


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args(argv)
    # The test settings serve static files from the finders (no collectstatic manifest).
    django_in_process(args.database_url, settings="presales.settings_test", MONITORING_RECOMPUTE_ON_EVENTS="0")
    from django.db import connection
    from django.test import Client

    from dispatch.models import WorkOrder
    from monitoring.models import CellSnapshot, MonitoringPolicy, UtilisationSnapshot
    from monitoring.services.recompute import default_end, recompute
    from presales.choices import Role
    from presales.models import Region, Solution, User

    end = default_end()
    policy = MonitoringPolicy.current()
    read_from = end - (policy.baseline_windows + 1) * dt.timedelta(days=policy.window_days)
    runs = []
    # The first run computes and writes from scratch.
    CellSnapshot.objects.filter(window_end=end).delete()
    UtilisationSnapshot.objects.filter(window_end=end).delete()
    for _ in range(args.runs):
        started = time.perf_counter()
        result = recompute(end=end)
        runs.append(
            {
                "seconds": round(time.perf_counter() - started, 3),
                "cells": result.cells,
                "snapshots_changed": result.snapshots_changed,
                "alerts_opened": result.alerts_opened,
            }
        )
    CellSnapshot.objects.filter(window_end=end).delete()
    UtilisationSnapshot.objects.filter(window_end=end).delete()
    tracemalloc.start()
    recompute(end=end)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    manager = User.objects.filter(role_assignments__role=Role.MANAGER).first()
    client = Client()
    client.force_login(manager)
    client.get("/monitoring/")  # warm-up: templates, translations, connection
    latencies = []
    for _ in range(args.reads):
        started = time.perf_counter()
        response = client.get("/monitoring/")
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    report = {
        "benchmark": "monitoring recompute and dashboard read",
        "database": connection.vendor,
        "regions": Region.objects.count(),
        "solutions": Solution.objects.count(),
        "work_orders_total": WorkOrder.objects.count(),
        "work_orders_in_windows_read": WorkOrder.objects.filter(created_at__gte=read_from, created_at__lt=end).count(),
        "recompute_runs": runs,
        "recompute_goal_s": 5,
        "python_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "dashboard_reads": args.reads,
        "dashboard_p50_ms": round(statistics.median(latencies), 1),
        "dashboard_p95_ms": round(percentile(latencies, 0.95), 1),
        "dashboard_goal_p95_ms": 100,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "nproc": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
