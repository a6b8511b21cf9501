#!/usr/bin/env python
"""Booking throughput through gunicorn with concurrent clients, then integrity checks; JSON out.

    .venv/bin/python bench/book.py --workers 4 --threads 2 --clients 16 --bookings 6000

Free slots (engineer × future working day × 09–11 / 14–16 / 16–18 local) are found in the
database first (not overlapping a holding booking or time off, inside working hours). Each
slot is booked by one rep through POST /api/v1/bookings/; a --conflict-share of the slots is
also requested, at the same moment, by two other reps (one the same interval, one an interval
inside it), so exactly one request of each group may win and the others must be 409
slot_unavailable. The requests of a group sit next to each other in the shared queue, so
concurrent clients race for them.

Afterwards: double bookings (overlapping non-cancelled bookings of one engineer, over the
whole table) must be 0; every budget's reserved column must equal its reserve − release
ledger lines and the cost of its open bookings; each new booking has exactly one reserve line
of its cost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    DEFAULT_URL,
    Client,
    CpuMeter,
    Server,
    api_token,
    connect,
    data_sizes,
    latency_summary,
    machine,
)

FREE_SLOTS_SQL = """
WITH days AS (
    SELECT d::date AS day FROM generate_series(current_date + 2, current_date + 7 * %(weeks)s, interval '1 day') d
    WHERE extract(isodow FROM d) < 6
), eng AS (
    SELECT id, time_zone FROM dispatch_engineer WHERE is_active ORDER BY random() LIMIT %(engineers)s
), win(s, f) AS (VALUES (time '09:00', time '11:00'), (time '14:00', time '16:00'), (time '16:00', time '18:00')),
cand AS (
    SELECT e.id AS engineer, d.day, w.s, w.f, extract(isodow FROM d.day)::int AS dow,
           (d.day + w.s)::timestamp AT TIME ZONE e.time_zone AS start,
           (d.day + w.f)::timestamp AT TIME ZONE e.time_zone AS "end"
    FROM eng e, days d, win w
)
SELECT engineer, start, "end" FROM cand c
WHERE NOT EXISTS (SELECT 1 FROM dispatch_booking b WHERE b.engineer_id = c.engineer AND b.status <> 'cancelled'
                  AND b.start < c."end" AND b."end" > c.start)
  AND NOT EXISTS (SELECT 1 FROM dispatch_timeoff t WHERE t.engineer_id = c.engineer AND t.start < c."end" AND t."end" > c.start)
  AND EXISTS (SELECT 1 FROM dispatch_workinghours h WHERE h.engineer_id = c.engineer AND h.weekday = c.dow
              AND h.start <= c.s AND (h."end" >= c.f OR h."end" = time '00:00'))
ORDER BY random() LIMIT %(slots)s
"""

DOUBLE_BOOKINGS_SQL = """
SELECT count(*) FROM dispatch_booking a JOIN dispatch_booking b
  ON a.engineer_id = b.engineer_id AND a.id < b.id
 AND tstzrange(a.start, a."end", '[)') && tstzrange(b.start, b."end", '[)')
WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
"""

LEDGER_SQL = """
WITH lines AS (
    SELECT budget_id,
           COALESCE(sum(amount) FILTER (WHERE kind = 'reserve'), 0) - COALESCE(sum(amount) FILTER (WHERE kind = 'release'), 0) AS reserved,
           COALESCE(sum(amount) FILTER (WHERE kind = 'charge'), 0) AS spent
    FROM budgeting_ledgerentry GROUP BY budget_id
), open_bookings AS (
    SELECT budget_id, sum(cost) AS reserved FROM dispatch_booking WHERE status IN ('booked', 'acknowledged') GROUP BY budget_id
)
SELECT count(*) AS budgets,
       count(*) FILTER (WHERE b.reserved <> COALESCE(l.reserved, 0)) AS column_vs_ledger,
       count(*) FILTER (WHERE b.spent <> COALESCE(l.spent, 0)) AS spent_vs_ledger,
       count(*) FILTER (WHERE b.reserved <> COALESCE(o.reserved, 0)) AS column_vs_bookings,
       sum(b.reserved) AS reserved_total
FROM budgeting_budget b LEFT JOIN lines l ON l.budget_id = b.id LEFT JOIN open_bookings o ON o.budget_id = b.id
"""

NEW_BOOKINGS_LEDGER_SQL = """
SELECT count(*) AS new_bookings,
       count(*) FILTER (WHERE l.n IS DISTINCT FROM 1 OR l.amount <> b.cost OR l.budget_id <> b.budget_id) AS bad_reserve_lines,
       count(*) FILTER (WHERE b.budget_id <> bu.id) AS wrong_budget
FROM dispatch_booking b
JOIN dispatch_workorder w ON w.id = b.work_order_id
JOIN presales_opportunity o ON o.id = w.opportunity_id
JOIN budgeting_budget bu ON bu.owner_id = o.owner_id AND bu.period = to_char(b.start AT TIME ZONE 'Asia/Shanghai', 'YYYY"Q"Q')
LEFT JOIN (SELECT booking_id, count(*) AS n, sum(amount) AS amount, min(budget_id) AS budget_id
           FROM budgeting_ledgerentry WHERE kind = 'reserve' AND booking_id > %(after)s GROUP BY booking_id) l
       ON l.booking_id = b.id
WHERE b.id > %(after)s
"""


def plan(db, args) -> tuple[list[list[dict]], dict]:
    rnd = random.Random(args.seed)
    reps = db.execute(
        "SELECT u.id, t.key, array_agg(o.id ORDER BY o.id) FROM presales_user u "
        "JOIN presales_roleassignment r ON r.user_id = u.id AND r.role = 'sales' "
        "JOIN authtoken_token t ON t.user_id = u.id JOIN presales_opportunity o ON o.owner_id = u.id "
        "AND o.stage <> 'qualification' GROUP BY u.id, t.key ORDER BY random() LIMIT %s",
        [args.reps],
    ).fetchall()
    t0 = time.perf_counter()
    db.execute("SELECT setseed(%s)", [(args.seed % 1000) / 1000])
    slots = db.execute(
        FREE_SLOTS_SQL, {"weeks": args.weeks, "engineers": args.engineers, "slots": args.bookings}
    ).fetchall()
    find_s = time.perf_counter() - t0
    stages = ["value_presentation", "bid_preparation", "bidding"]
    activities = ["exchange", "workshop", "case_visit", "poc", "solution_design", "bid_writing"]

    def request(engineer, start, end):
        _rep_id, token, opps = rnd.choice(reps)
        return {
            "token": token,
            "body": {
                "engineer": engineer,
                "opportunity": rnd.choice(opps),
                "stage": rnd.choice(stages),
                "activity": rnd.choice(activities),
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
        }

    groups = []
    contested = 0
    for engineer, start, end in slots:
        group = [request(engineer, start, end)]
        if rnd.random() < args.conflict_share:
            contested += 1
            group.append(request(engineer, start, end))  # the very same interval
            inner = (start + (end - start) / 4, end - (end - start) / 4)  # an interval inside it
            group.append(request(engineer, *inner))
            rnd.shuffle(group)
        groups.append(group)
    rnd.shuffle(groups)
    info = {"slots": len(slots), "contested_slots": contested, "reps": len(reps), "find_slots_s": round(find_s, 2)}
    return groups, info


def run(base: str, groups: list[list[dict]], clients: int) -> dict:
    queue = [req for group in groups for req in group]  # a group's requests are adjacent → they race
    index = [0]
    qlock = threading.Lock()
    results = []
    rlock = threading.Lock()

    def worker():
        c = Client(base)
        local = []
        while True:
            with qlock:
                if index[0] >= len(queue):
                    break
                req = queue[index[0]]
                index[0] += 1
            t0 = time.perf_counter()
            try:
                status, body = c.request("POST", "/api/v1/bookings/", req["body"], token=req["token"])
            except Exception as error:
                status, body = 0, repr(error)
                c.close()
                c = Client(base)
            local.append(
                (
                    status,
                    (time.perf_counter() - t0) * 1000,
                    body.get("code") if isinstance(body, dict) else None,
                    body if status not in (201, 409) else None,
                )
            )
        c.close()
        with rlock:
            results.extend(local)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.perf_counter() - started
    statuses = Counter(r[0] for r in results)
    codes = Counter(r[2] for r in results if r[0] == 409)
    samples = [r[3] for r in results if r[3] is not None][:5]
    return {
        "duration_s": round(duration, 2),
        "requests": len(results),
        "created": statuses.get(201, 0),
        "conflicts_409": statuses.get(409, 0),
        "conflict_codes": dict(codes),
        "errors_4xx_other": sum(n for s, n in statuses.items() if 400 <= s < 500 and s != 409),
        "errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "errors_transport": statuses.get(0, 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "latency_201": latency_summary([r[1] for r in results if r[0] == 201]),
        "latency_all": latency_summary([r[1] for r in results]),
        "error_samples": samples,
    }


def cpu_per_request(cpu: dict, requests: int) -> dict:
    """CPU milliseconds per request, and the throughput the 2 cores would give if the server,
    PostgreSQL and the client had them to themselves (others' test suites excluded)."""
    if not requests:
        return {}
    own = cpu["server_cpu_s"] + cpu["postgres_cpu_s"] + cpu["client_cpu_s"]
    return {
        "server_cpu_ms_per_request": round(cpu["server_cpu_s"] * 1000 / requests, 1),
        "postgres_cpu_ms_per_request": round(cpu["postgres_cpu_s"] * 1000 / requests, 1),
        "client_cpu_ms_per_request": round(cpu["client_cpu_s"] * 1000 / requests, 1),
        "cpu_bound_requests_per_s_on_idle_machine": round((os.cpu_count() or 1) * requests / own, 1) if own else None,
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--url", help="use this running server instead of starting gunicorn")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--bookings", type=int, default=5000, help="distinct free slots to book")
    p.add_argument("--conflict-share", type=float, default=0.1, help="share of slots also raced for by 2 more reps")
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--engineers", type=int, default=4000, help="engineers sampled for free slots")
    p.add_argument("--weeks", type=int, default=12, help="book within the next N weeks")
    p.add_argument("--warmup", type=int, default=100, help="bookings made before the measured run")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--skip-full-check", action="store_true", help="check double bookings among new bookings only")
    args = p.parse_args(argv)

    db = connect(args.database_url)
    before_id = db.execute("SELECT COALESCE(max(id), 0) FROM dispatch_booking").fetchone()[0]
    groups, info = plan(db, argparse.Namespace(**{**vars(args), "bookings": args.bookings + args.warmup}))
    warm_groups, groups = [[g[0]] for g in groups[: args.warmup]], groups[args.warmup :]
    server = None if args.url else Server(args.database_url, workers=args.workers, threads=args.threads).start()
    base = args.url or server.base
    try:
        # The contract's auth once (a rep's password → token); the load uses the reps' stored tokens.
        username = db.execute(
            "SELECT username FROM presales_user u JOIN presales_roleassignment r ON r.user_id = u.id "
            "WHERE r.role = 'sales' ORDER BY u.id LIMIT 1"
        ).fetchone()[0]
        api_token(base, username)
        warm = run(base, warm_groups, args.clients) if warm_groups else None
        mach = machine(db)
        meter = CpuMeter(server.proc.pid if server else None, db.info.dbname).start()
        result = run(base, groups, args.clients)
        cpu = meter.stop()
    finally:
        if server:
            server.stop()
    load_after = [round(x, 2) for x in os.getloadavg()]

    t0 = time.perf_counter()
    if args.skip_full_check:
        double = db.execute(DOUBLE_BOOKINGS_SQL.replace("WHERE", f"WHERE b.id > {before_id} AND")).fetchone()[0]
    else:
        double = db.execute(DOUBLE_BOOKINGS_SQL).fetchone()[0]
    check_s = time.perf_counter() - t0
    ledger = db.execute(LEDGER_SQL).fetchone()
    new = db.execute(NEW_BOOKINGS_LEDGER_SQL, {"after": before_id}).fetchone()
    expected_created = len(groups)
    out = {
        "benchmark": "POST /api/v1/bookings/ through gunicorn",
        "bookings_per_s": round(result["created"] / result["duration_s"], 1),
        "requests_per_s": round(result["requests"] / result["duration_s"], 1),
        "created": result["created"],
        "conflicts_409": result["conflicts_409"],
        "errors_5xx": result["errors_5xx"],
        "duration_s": result["duration_s"],
        "workers": args.workers if server else None,
        "threads": args.threads if server else None,
        "clients": args.clients,
        "goal_bookings_per_s": 300,
        "goal_met": result["created"] / result["duration_s"] >= 300,
        "double_bookings": double,
        "cpu": {**cpu, **cpu_per_request(cpu, result["requests"])},
        "double_bookings_scope": "new bookings" if args.skip_full_check else "whole table",
        "expected": {"created": expected_created, "conflicts_409": sum(len(g) - 1 for g in groups)},
        "ledger_check": {
            "budgets": ledger[0],
            "reserved_column_vs_ledger_mismatches": ledger[1],
            "spent_column_vs_ledger_mismatches": ledger[2],
            "reserved_column_vs_open_bookings_mismatches": ledger[3],
            "new_bookings": new[0],
            "new_bookings_with_bad_reserve_line": new[1],
            "new_bookings_on_wrong_budget": new[2],
            "ok": ledger[1] == ledger[2] == ledger[3] == new[1] == new[2] == 0
            and new[0] == result["created"] + (warm["created"] if warm else 0),
        },
        "details": {
            **{
                k: result[k]
                for k in (
                    "requests",
                    "conflict_codes",
                    "errors_4xx_other",
                    "errors_transport",
                    "statuses",
                    "latency_201",
                    "latency_all",
                    "error_samples",
                )
            },
            "warmup": {k: warm[k] for k in ("created", "requests", "duration_s", "statuses")} if warm else None,
            **info,
            "double_booking_check_s": round(check_s, 1),
        },
        **data_sizes(db),
        "machine": {**mach, "loadavg_after": load_after},
    }
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
