#!/usr/bin/env python
"""Free-window engineer search through the REST API: latency percentiles, printed as JSON.

    .venv/bin/python bench/search.py                       # starts gunicorn -w 2 on presales_bench
    .venv/bin/python bench/search.py --url http://127.0.0.1:8000   # an already running server

Each request is GET /api/v1/engineers/?free_from=…&free_to=…&page_size=50 plus a realistic mix
of filters (solution, skill + min_level, two skills, region, region + solution) on windows of
1–9 hours on future working days (+08:00). Requests are sent one after another by default
(latency of a single user); --concurrency N runs N clients at once (latency under load).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import threading
import time
import zoneinfo
from pathlib import Path
from urllib.parse import urlencode

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

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
WINDOWS = [
    ((9, 0), (11, 0)),
    ((10, 0), (12, 0)),
    ((14, 0), (16, 0)),
    ((13, 30), (17, 30)),
    ((15, 0), (18, 0)),
    ((9, 0), (18, 0)),
    ((9, 30), (10, 30)),
]


def build_queries(conn, n: int, seed: int, page_size: int) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    solutions = [r[0] for r in conn.execute("SELECT code FROM presales_solution ORDER BY code")]
    skills = [r[0] for r in conn.execute("SELECT code FROM presales_skill ORDER BY code")]
    regions = [r[0] for r in conn.execute("SELECT code FROM presales_region ORDER BY code")]
    today = dt.datetime.now(TZ).date()
    days = [today + dt.timedelta(days=i) for i in range(1, 70) if (today + dt.timedelta(days=i)).isoweekday() <= 5]
    kinds = ["window", "solution", "skill_level", "two_skills", "region", "region_solution"]
    queries = []
    for i in range(n):
        day = rnd.choice(days[:30] if rnd.random() < 0.7 else days)  # most searches are for the next 6 weeks
        (h0, m0), (h1, m1) = rnd.choice(WINDOWS)
        start = dt.datetime(day.year, day.month, day.day, h0, m0, tzinfo=TZ)
        end = dt.datetime(day.year, day.month, day.day, h1, m1, tzinfo=TZ)
        params = [("free_from", start.isoformat()), ("free_to", end.isoformat()), ("page_size", str(page_size))]
        kind = kinds[i % len(kinds)]
        if kind == "solution":
            params.append(("solution", rnd.choice(solutions)))
        elif kind == "skill_level":
            params += [("skill", rnd.choice(skills)), ("min_level", str(rnd.choice([2, 3, 3, 4])))]
        elif kind == "two_skills":
            params += [("skill", s) for s in rnd.sample(skills, 2)] + [("min_level", "2")]
        elif kind == "region":
            params.append(("region", rnd.choice(regions)))
        elif kind == "region_solution":
            params += [("region", rnd.choice(regions)), ("solution", rnd.choice(solutions))]
        queries.append((kind, "/api/v1/engineers/?" + urlencode(params)))
    return queries


def run(base: str, tokens: list[str], queries: list[tuple[str, str]], concurrency: int) -> dict:
    results: list[tuple[str, float, int, int | None]] = []
    lock = threading.Lock()
    work = list(enumerate(queries))
    work_lock = threading.Lock()

    def client(index: int):
        c = Client(base, tokens[index % len(tokens)])
        while True:
            with work_lock:
                if not work:
                    break
                i, (kind, path) = work.pop(0)
            t0 = time.perf_counter()
            status, body = c.request("GET", path, token=tokens[i % len(tokens)])
            ms = (time.perf_counter() - t0) * 1000
            count = body.get("count") if isinstance(body, dict) else None
            if status != 200:
                print(f"  {status} {path}: {str(body)[:300]}", file=sys.stderr)
            with lock:
                page_len = len(body.get("results", [])) if isinstance(body, dict) else 0
                results.append((kind, ms, status, count, page_len, path))
        c.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ok = [r for r in results if r[2] == 200]
    by_kind = {}
    for kind in sorted({r[0] for r in ok}):
        ms = [r[1] for r in ok if r[0] == kind]
        by_kind[kind] = {
            **latency_summary(ms),
            "n": len(ms),
            "median_count": statistics.median([r[3] for r in ok if r[0] == kind]),
        }
    return {
        **latency_summary([r[1] for r in ok]),
        "n": len(ok),
        "errors": len(results) - len(ok),
        "statuses": {str(s): sum(1 for r in results if r[2] == s) for s in sorted({r[2] for r in results})},
        "requests_per_s": round(len(results) / wall, 1),
        "median_count": statistics.median([r[3] for r in ok]) if ok else None,
        "median_page_len": statistics.median([r[4] for r in ok]) if ok else None,
        "by_kind": by_kind,
        # The tail is what the goal is about: which searches make it (rerun one with explain.py).
        "slowest": [
            {"ms": round(r[1], 1), "kind": r[0], "count": r[3], "path": r[5]}
            for r in sorted(ok, key=lambda r: r[1], reverse=True)[:5]
        ],
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--url", help="use this running server instead of starting gunicorn")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("-n", type=int, default=300)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--users", type=int, default=10, help="distinct reps sending the searches")
    p.add_argument("--seed", type=int, default=4)
    args = p.parse_args(argv)

    db = connect(args.database_url)
    server = None if args.url else Server(args.database_url, workers=args.workers, threads=args.threads).start()
    base = args.url or server.base
    try:
        usernames = [
            r[0]
            for r in db.execute(
                "SELECT u.username FROM presales_user u JOIN presales_roleassignment r ON r.user_id = u.id "
                "WHERE r.role = 'sales' ORDER BY u.id LIMIT %s",
                [args.users],
            )
        ]
        # The first token through the API (checks the contract's auth); the rest from the database.
        tokens = [api_token(base, usernames[0])]
        tokens += [
            r[0]
            for r in db.execute(
                "SELECT t.key FROM authtoken_token t JOIN presales_user u ON u.id = t.user_id WHERE u.username = ANY(%s) "
                "AND u.username <> %s ORDER BY u.id",
                [usernames, usernames[0]],
            )
        ]
        before = machine(db)
        queries = build_queries(db, args.warmup + args.n, args.seed, args.page_size)
        warm = run(base, tokens, queries[: args.warmup], 1)
        meter = CpuMeter(server.proc.pid if server else None, db.info.dbname).start()
        result = run(base, tokens, queries[args.warmup :], args.concurrency)
        cpu = meter.stop()
        out = {
            "benchmark": "engineer free-window search, GET /api/v1/engineers/",
            **{k: result[k] for k in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms", "n", "errors")},
            "goal_p95_ms": 60,
            "goal_met": result["p95_ms"] <= 60 and result["errors"] == 0,
            "concurrency": args.concurrency,
            "cpu": {
                **cpu,
                "server_cpu_ms_per_request": round(cpu["server_cpu_s"] * 1000 / max(1, result["n"]), 1),
                "postgres_cpu_ms_per_request": round(cpu["postgres_cpu_s"] * 1000 / max(1, result["n"]), 1),
            },
            "page_size": args.page_size,
            "warmup": {"n": warm["n"], "p50_ms": warm["p50_ms"], "errors": warm["errors"]},
            **data_sizes(db),
            "server": {"url": base, **(server.describe() if server else {})},
            "details": {
                k: result[k]
                for k in ("statuses", "requests_per_s", "median_count", "median_page_len", "by_kind", "slowest")
            },
            "machine": {**before, "loadavg_after": [round(x, 2) for x in __import__("os").getloadavg()]},
        }
        print(json.dumps(out, indent=2))
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
