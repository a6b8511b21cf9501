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
import integrity
from common import (
    DEFAULT_URL,
    Client,
    CpuMeter,
    Server,
    api_token,
    connect,
    cpu_per_request,
    data_sizes,
    latency_summary,
    machine,
)


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
    slots = integrity.free_slots(db, weeks=args.weeks, engineers=args.engineers, slots=args.bookings, seed=args.seed)
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
    before_id = integrity.last_booking_id(db)
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

    checks = integrity.check(db, after_id=before_id, whole_table=not args.skip_full_check)
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
        "double_bookings": checks["double_bookings"],
        "budgets_below_zero": checks["budgets_below_zero"],
        "cpu": {**cpu, **cpu_per_request(cpu, result["requests"])},
        "double_bookings_scope": checks["double_bookings_scope"],
        "expected": {"created": expected_created, "conflicts_409": sum(len(g) - 1 for g in groups)},
        "ledger_check": {
            **checks["ledger_check"],
            "ok": checks["violations"] == 0
            and checks["ledger_check"]["new_bookings"] == result["created"] + (warm["created"] if warm else 0),
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
            "double_booking_check_s": checks["double_booking_check_s"],
        },
        **data_sizes(db),
        "machine": {**mach, "loadavg_after": load_after},
    }
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
