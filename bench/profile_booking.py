#!/usr/bin/env python
"""Profile POST /api/v1/bookings/ in-process (no HTTP server): queries per booking, time per
query, and a cProfile of the slowest functions. Prints JSON; --cprofile adds the top lines.

    .venv/bin/python bench/profile_booking.py -n 50 --cprofile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_URL, connect, django_in_process
from integrity import FREE_SLOTS_SQL


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("-n", type=int, default=50)
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--show-queries", action="store_true", help="print the SQL of one booking")
    args = p.parse_args(argv)
    django_in_process(args.database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    db = connect(args.database_url)
    rep_id, opp = db.execute("SELECT o.owner_id, o.id FROM presales_opportunity o ORDER BY random() LIMIT 1").fetchone()
    token = db.execute("SELECT key FROM authtoken_token WHERE user_id = %s", [rep_id]).fetchone()[0]
    slots = db.execute(FREE_SLOTS_SQL, {"weeks": 12, "engineers": 2000, "slots": args.n + 5}).fetchall()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def book(engineer, start, end):
        return client.post(
            "/api/v1/bookings/",
            {
                "engineer": engineer,
                "opportunity": opp,
                "stage": "bidding",
                "activity": "workshop",
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
            format="json",
        )

    for slot in slots[:5]:  # warm caches, imports, connections
        book(*slot)
    profiler = cProfile.Profile()
    per_request, statuses, query_counts, query_ms = [], Counter(), [], []
    sample_sql = None
    for slot in slots[5:]:
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            if args.cprofile:
                profiler.enable()
            response = book(*slot)
            if args.cprofile:
                profiler.disable()
            per_request.append((time.perf_counter() - t0) * 1000)
        statuses[response.status_code] += 1
        query_counts.append(len(ctx.captured_queries))
        query_ms.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        if sample_sql is None:
            sample_sql = [(round(float(q["time"]) * 1000, 2), q["sql"][:240]) for q in ctx.captured_queries]
    out = {
        "n": len(per_request),
        "statuses": dict(statuses),
        "ms_per_booking_mean": round(sum(per_request) / len(per_request), 2),
        "queries_per_booking": round(sum(query_counts) / len(query_counts), 1),
        "sql_ms_per_booking": round(sum(query_ms) / len(query_ms), 2),
        "python_ms_per_booking": round((sum(per_request) - sum(query_ms)) / len(per_request), 2),
    }
    if args.show_queries:
        out["queries_of_one_booking"] = sample_sql
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.cprofile:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(90)
        print(stream.getvalue())


if __name__ == "__main__":
    main()
