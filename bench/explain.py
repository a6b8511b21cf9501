#!/usr/bin/env python
"""Capture the SQL of one API request (in-process) and EXPLAIN ANALYZE its slowest queries.

.venv/bin/python bench/explain.py "/api/v1/engineers/?free_from=2026-12-01T14:00:00%2B08:00&free_to=2026-12-01T16:00:00%2B08:00&page_size=50"
.venv/bin/python bench/explain.py --booking      # a POST /api/v1/bookings/ on a free slot
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_URL, connect, django_in_process


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("path", nargs="?")
    p.add_argument("--booking", action="store_true")
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--repeat", type=int, default=3, help="run the request this many times; explain the last")
    args = p.parse_args(argv)
    django_in_process(args.database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from integrity import FREE_SLOTS_SQL
    from rest_framework.test import APIClient

    db = connect(args.database_url)
    rep_id, opp = db.execute("SELECT owner_id, id FROM presales_opportunity ORDER BY random() LIMIT 1").fetchone()
    token = db.execute("SELECT key FROM authtoken_token WHERE user_id = %s", [rep_id]).fetchone()[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    slots = (
        db.execute(FREE_SLOTS_SQL, {"weeks": 12, "engineers": 500, "slots": args.repeat}).fetchall()
        if args.booking
        else []
    )
    for i in range(args.repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            if args.booking:
                engineer, start, end = slots[i]
                response = client.post(
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
            else:
                response = client.get(args.path)
            ms = (time.perf_counter() - t0) * 1000
    queries = ctx.captured_queries
    sql_ms = sum(float(q["time"]) for q in queries) * 1000
    print(
        f"status {response.status_code}; {ms:.1f} ms total, {len(queries)} queries, {sql_ms:.1f} ms in SQL "
        f"(as seen by Django), {ms - sql_ms:.1f} ms Python"
    )
    for q in queries:
        print(f"  {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")
    for q in sorted(queries, key=lambda q: -float(q["time"]))[: args.top]:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        print("\n" + "=" * 100 + f"\n{float(q['time']) * 1000:.1f} ms\n{sql}\n")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cur.fetchall()))


if __name__ == "__main__":
    main()
