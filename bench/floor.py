#!/usr/bin/env python
"""The framework's floor: CPU per request of the lightest requests, printed as JSON.

    .venv/bin/python bench/floor.py --duration 10 --clients 8

Through the same gunicorn as book.py (production settings, 2 sync workers), for a fixed time:
``GET /healthz`` (Django and one database query, no authentication) and ``GET /api/v1/me/``
(DRF with token authentication, throttling and the user's roles). What the server spends on them
is what every API request pays before any business rule runs; book.py's CPU per booking set
against this floor and pgbench's transaction shows where a booking's time goes.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_URL, Client, CpuMeter, Server, api_token, connect, latency_summary, machine


def hammer(base: str, path: str, token: str | None, clients: int, duration: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def client() -> None:
        http = Client(base, token)
        mine, seen = [], {}
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status, _body = http.request("GET", path)
            mine.append((time.perf_counter() - started) * 1000)
            seen[status] = seen.get(status, 0) + 1
        http.close()
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall, 1),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        **latency_summary(latencies),
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=10)
    args = p.parse_args(argv)

    db = connect(args.database_url)
    # The rate limits still run (a cache lookup per request) but must not refuse: a 429 is cheaper.
    server = Server(args.database_url, workers=args.workers, extra_env={"API_THROTTLE_USER": "1000000/min"}).start()
    try:
        rep = db.execute(
            "SELECT u.username FROM presales_user u JOIN presales_roleassignment r ON r.user_id = u.id "
            "WHERE r.role = 'sales' ORDER BY u.id LIMIT 1"
        ).fetchone()[0]
        token = api_token(server.base, rep)
        before = machine(db)
        results = {}
        for name, path, auth in (("healthz", "/healthz", None), ("me", "/api/v1/me/", token)):
            hammer(server.base, path, auth, args.clients, 1.0)  # warm every worker
            meter = CpuMeter(server.proc.pid, db.info.dbname).start()
            result = hammer(server.base, path, auth, args.clients, args.duration)
            cpu = meter.stop()
            per_request = max(1, result["requests"])
            results[name] = {
                **result,
                "server_cpu_ms_per_request": round(cpu["server_cpu_s"] * 1000 / per_request, 2),
                "postgres_cpu_ms_per_request": round(cpu["postgres_cpu_s"] * 1000 / per_request, 2),
                "machine_cores_busy": cpu["machine_cores_busy"],
            }
        print(
            json.dumps(
                {
                    "benchmark": "framework floor: the lightest requests through gunicorn",
                    "workers": args.workers,
                    "clients": args.clients,
                    "duration_s": args.duration,
                    "results": results,
                    "machine": before,
                },
                indent=2,
            )
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
