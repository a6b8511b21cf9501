#!/usr/bin/env python
"""Mixed traffic through gunicorn for a fixed time, the invariants afterwards, and pgbench's
capacity for the same booking transaction on the same database; JSON out.

    .venv/bin/python bench/load.py --duration 60 --clients 16          # full length, presales_bench
    .venv/bin/python bench/load.py --duration 15 --clients 4 --pgbench-seconds 5   # CI's short form

Each client (a thread with one keep-alive connection) draws its next request at random:

- 35 % engineer searches: GET /api/v1/engineers/?free_from&free_to&…&page_size=50, the mix of
  filters of ``search.py``, as one of --reps reps;
- 35 % schedule reads: GET /api/v1/engineers/{id}/schedule/ over one week from a future
  working day, a random active engineer;
- 20 % bookings: POST /api/v1/bookings/ of the next free slot of a shared queue (found in the
  database before the run, as ``book.py`` does). A --race-share of the slots is also asked for
  by two other reps (the same interval, and one inside it), queued right after it so that
  concurrent clients race: exactly one of a group may win, the others must be refused (409);
- 10 % dashboard reads: GET /monitoring/ (the regional dashboard page) as a signed-in manager.

A refusal (409 on a booking) is a correct answer and counted apart. Errors are everything else
that is not a success: 5xx, unexpected 4xx, timeouts (--timeout), connection failures.

After the HTTP run (server stopped): ``pgbench`` runs ``bench/pgbench/booking.sql`` — the
booking transaction in plain SQL — for --pgbench-seconds with --pgbench-clients, and the
bookings/s of the app and of the bare database are compared. Then the invariants
(``integrity.py``) are checked over everything both wrote. The exit status is 1 when there was
any error, any invariant violation, or pgbench failed; the throughput and latency goals
(≥ 300 requests/s, p95 ≤ 100 ms) are reported, not enforced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
import zoneinfo
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import integrity
import pgbench_booking
from common import (
    DEFAULT_URL,
    REDIS_DB,
    ROOT,
    VENV_BIN,
    Client,
    CpuMeter,
    Server,
    api_token,
    connect,
    cpu_per_request,
    data_sizes,
    latency_summary,
    machine,
    session_cookie,
)
from generate import Timer
from search import build_queries

KINDS = ["search", "schedule", "booking", "dashboard"]
MIX = "search=35,schedule=35,booking=20,dashboard=10"
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
GOAL_REQUESTS_PER_S, GOAL_P95_MS = 300, 100


def parse_mix(text: str) -> dict[str, float]:
    """``search=35,schedule=35,booking=20,dashboard=10`` → weights; a kind left out gets none
    (``--mix search=1`` measures searches alone)."""
    weights = dict.fromkeys(KINDS, 0.0)
    for part in text.split(","):
        kind, _, share = part.partition("=")
        if kind.strip() not in weights:
            raise argparse.ArgumentTypeError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        weights[kind.strip()] = float(share)
    if not sum(weights.values()) > 0:
        raise argparse.ArgumentTypeError("give at least one kind a share")
    return weights


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--url", help="use this running server instead of starting gunicorn")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--redis-db", type=int, default=REDIS_DB, help="Redis db of the server (flushed at the end)")
    p.add_argument("--duration", type=float, default=60, help="seconds of measured mixed traffic")
    p.add_argument("--warmup", type=float, default=5, help="seconds of the same traffic before, not measured")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--mix", type=parse_mix, default=parse_mix(MIX), help=f"percent per kind (default {MIX})")
    p.add_argument("--timeout", type=float, default=10, help="a request slower than this is an error")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reps", type=int, default=100, help="reps sending searches, schedule reads and bookings")
    p.add_argument("--managers", type=int, default=5, help="managers reading the dashboard")
    p.add_argument("--race-share", type=float, default=0.1, help="share of slots also raced for by 2 more reps")
    p.add_argument("--slots", type=int, default=0, help="free slots to book (default: 80 per second of run)")
    p.add_argument("--engineers", type=int, default=0, help="engineers sampled for free slots (0: 1 per 20 slots)")
    p.add_argument("--weeks", type=int, default=12, help="book within the next N weeks")
    p.add_argument("--pgbench-seconds", type=int, default=30, help="0 skips pgbench")
    p.add_argument("--pgbench-clients", type=int, default=8)
    p.add_argument("--pgbench-slots", type=int, default=0, help="free slots for pgbench (0: 500 per second)")
    p.add_argument("--skip-full-check", action="store_true", help="check double bookings among new bookings only")
    return p.parse_args(argv)


# ---- the plan: who asks what ----------------------------------------------------------------


def booking_queue(db, args, reps: list[tuple]) -> tuple[list[dict], dict]:
    """Booking requests, a raced slot's three next to each other, and how many slots are raced."""
    rnd = random.Random(args.seed)
    slots = (args.slots or int(80 * (args.duration + args.warmup)) + 100) if args.mix["booking"] else 0
    t0 = time.perf_counter()
    free = integrity.free_slots(db, weeks=args.weeks, engineers=args.engineers, slots=slots, seed=args.seed)
    find_s = time.perf_counter() - t0

    def request(slot: int, engineer: int, start: dt.datetime, end: dt.datetime) -> dict:
        _rep, token, opportunities = rnd.choice(reps)
        body = {
            "engineer": engineer,
            "opportunity": rnd.choice(opportunities),
            "stage": rnd.choice(pgbench_booking.STAGES),
            "activity": rnd.choice(pgbench_booking.ACTIVITIES),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        return {"slot": slot, "token": token, "body": body}

    queue, raced = [], 0
    for slot, (engineer, start, end) in enumerate(free):
        group = [request(slot, engineer, start, end)]
        if rnd.random() < args.race_share:
            raced += 1
            group.append(request(slot, engineer, start, end))  # the very same interval
            group.append(request(slot, engineer, start + (end - start) / 4, end - (end - start) / 4))  # inside it
            rnd.shuffle(group)
        queue += group
    return queue, {"slots": len(free), "raced_slots": raced, "find_slots_s": round(find_s, 2)}


def read_paths(db, args) -> tuple[list[tuple[str, str]], list[str]]:
    """The searches (search.py's mix of filters) and schedule reads to draw from."""
    searches = build_queries(db, 2000, args.seed, 50)
    engineers = [r[0] for r in db.execute("SELECT id FROM dispatch_engineer WHERE is_active ORDER BY id")]
    rnd = random.Random(args.seed)
    today = dt.datetime.now(TZ).date()
    schedules = []
    for _ in range(2000):
        day = today + dt.timedelta(days=rnd.randint(1, 60))
        start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ)
        query = f"from={start.isoformat()}&to={(start + dt.timedelta(days=7)).isoformat()}".replace("+", "%2B")
        schedules.append(f"/api/v1/engineers/{rnd.choice(engineers)}/schedule/?{query}")
    return searches, schedules


def reps_with_opportunities(db, count: int) -> list[tuple]:
    return db.execute(
        "SELECT u.id, t.key, array_agg(o.id ORDER BY o.id) FROM presales_user u "
        "JOIN presales_roleassignment r ON r.user_id = u.id AND r.role = 'sales' "
        "JOIN authtoken_token t ON t.user_id = u.id JOIN presales_opportunity o ON o.owner_id = u.id "
        "AND o.stage <> 'qualification' GROUP BY u.id, t.key ORDER BY u.id LIMIT %s",
        [count],
    ).fetchall()


def manager_names(db, count: int) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT u.username FROM presales_user u JOIN presales_roleassignment r ON r.user_id = u.id "
            "WHERE r.role = 'manager' ORDER BY u.id LIMIT %s",
            [count],
        )
    ]


PREPARE = """
from pathlib import Path
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from monitoring.models import CellSnapshot
from monitoring.services.recompute import recompute

manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
sources = [Path(storage.path(path)) for finder in get_finders() for path, storage in finder.list([])]
if not manifest.exists() or max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime:
    call_command("collectstatic", interactive=False, verbosity=0)
CellSnapshot.objects.exists() or recompute()
"""


def prepare_server(server: Server) -> None:
    """Static files for the pages (production settings serve them from a manifest: collected
    again only when a source changed) and, on a database never recomputed, one monitoring
    recompute so that the dashboard has figures. One Django process for both, its output on
    stderr (stdout is the JSON)."""
    cmd = [str(VENV_BIN / "python"), "manage.py", "shell", "-c", PREPARE]
    subprocess.run(cmd, cwd=ROOT, env=server.env, check=True, stdout=sys.stderr)


# ---- the run ----------------------------------------------------------------------------------


class Traffic:
    """The shared state of one timed run: the booking queue and every request's outcome."""

    def __init__(self, base: str, *, mix, tokens, cookies, searches, schedules, bookings, timeout: float):
        self.base, self.tokens, self.cookies = base, tokens, cookies
        self.weights = [mix[kind] for kind in KINDS]
        self.searches, self.schedules, self.timeout = searches, schedules, timeout
        self.bookings, self.next_booking = bookings, 0
        self.lock = threading.Lock()
        self.results: list[tuple] = []  # (kind, outcome, status, ms, code, slot)
        self.slots_exhausted = False

    def _take_booking(self) -> dict | None:
        with self.lock:
            if self.next_booking >= len(self.bookings):
                self.slots_exhausted = True
                return None
            self.next_booking += 1
            return self.bookings[self.next_booking - 1]

    def _request(self, rnd: random.Random, kind: str) -> tuple[str, dict]:
        """(kind actually sent, request) — a booking falls back to a search once slots run out."""
        if kind == "booking":
            booking = self._take_booking()
            if booking is not None:
                return kind, {"method": "POST", "path": "/api/v1/bookings/", **booking}
            kind = "search"
        if kind == "search":
            return kind, {"method": "GET", "path": rnd.choice(self.searches)[1], "token": rnd.choice(self.tokens)}
        if kind == "schedule":
            return kind, {"method": "GET", "path": rnd.choice(self.schedules), "token": rnd.choice(self.tokens)}
        return kind, {"method": "GET", "path": "/monitoring/", "cookie": rnd.choice(self.cookies)}

    @staticmethod
    def _outcome(kind: str, status: int) -> str:
        if kind == "booking":
            return {201: "ok", 409: "refused"}.get(status, "error")
        return "ok" if status == 200 else "error"

    def client(self, seed: int, deadline: float) -> None:
        rnd = random.Random(seed)
        conn = Client(self.base, timeout=self.timeout)
        local = []
        while time.perf_counter() < deadline:
            kind, req = self._request(rnd, rnd.choices(KINDS, weights=self.weights)[0])
            t0 = time.perf_counter()
            try:
                status, body = conn.request(
                    req["method"], req["path"], req.get("body"), token=req.get("token"), cookie=req.get("cookie")
                )
            except Exception as error:  # timeout, refused or reset connection: an error, reconnect
                status, body = 0, repr(error)
                conn.close()
                conn = Client(self.base, timeout=self.timeout)
            ms = (time.perf_counter() - t0) * 1000
            code = body.get("code") if isinstance(body, dict) else None
            outcome = self._outcome(kind, status)
            sample = None if outcome != "error" else f"{status} {req['path']}: {str(body)[:200]}"
            local.append((kind, outcome, status, ms, code, req.get("slot"), sample))
        conn.close()
        with self.lock:
            self.results += local

    def run(self, clients: int, seconds: float, seed: int) -> float:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=self.client, args=(seed * 1000 + i, deadline)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started


def summarise(results: list[tuple], wall: float) -> dict:
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r[0]].append(r)
    answered = [r for r in results if r[1] != "error"]
    errors = [r for r in results if r[1] == "error"]
    created = sum(1 for r in results if r[0] == "booking" and r[1] == "ok")
    kinds = {}
    for kind in KINDS:
        rows = by_kind.get(kind, [])
        kinds[kind] = {
            "requests": len(rows),
            "requests_per_s": round(len(rows) / wall, 1),
            "share": round(len(rows) / len(results), 3) if results else 0,
            **latency_summary([r[3] for r in rows if r[1] != "error"]),
            "errors": sum(1 for r in rows if r[1] == "error"),
        }
    return {
        "wall_s": round(wall, 2),
        "requests": len(results),
        "requests_per_s": round(len(results) / wall, 1),
        "bookings_created": created,
        "bookings_per_s": round(created / wall, 1),
        "latency": latency_summary([r[3] for r in answered]),
        "by_kind": kinds,
        "refusals": {
            "count": sum(1 for r in results if r[1] == "refused"),
            "codes": dict(Counter(r[4] for r in results if r[1] == "refused")),
        },
        "errors": {
            "count": len(errors),
            "statuses": {str(k): v for k, v in sorted(Counter(r[2] for r in errors).items())},
            "samples": [r[6] for r in errors[:5]],
        },
    }


def races(results: list[tuple]) -> dict:
    """Per slot asked for (warm-up included: a raced group may straddle its end): one winner at
    most, and a refused slot should have had one (otherwise it was refused as busy)."""
    winners = Counter(r[5] for r in results if r[0] == "booking" and r[1] == "ok")
    asked = {r[5] for r in results if r[0] == "booking"}
    return {
        "slots_asked": len(asked),
        "slots_won": len(winners),
        "slots_won_twice": sum(1 for n in winners.values() if n > 1),
        "slots_refused_without_winner": len(asked) - len(winners),
    }


def http_load(args, db, plan: dict, phases: Timer) -> dict:
    """Start gunicorn (unless --url), sign in, warm up, then the measured run; the server is
    stopped before pgbench so that the two never share the machine."""
    server = None
    if not args.url:
        server = Server(args.database_url, workers=args.workers, threads=args.threads, redis_db=args.redis_db)
        prepare_server(server)
        phases.lap("collectstatic_recompute")
    try:
        if server:
            server.start()
            phases.lap("server_start")
        base = args.url or server.base
        reps = plan["reps"]
        first_rep = db.execute("SELECT username FROM presales_user WHERE id = %s", [reps[0][0]]).fetchone()[0]
        tokens = [api_token(base, first_rep)] + [token for _id, token, _opps in reps[1:]]
        cookies = [session_cookie(base, name) for name in manager_names(db, args.managers)]
        phases.lap("sign_in")
        traffic = {"mix": args.mix, "tokens": tokens, "cookies": cookies, "timeout": args.timeout}
        traffic |= {"searches": plan["searches"], "schedules": plan["schedules"]}
        warm = Traffic(base, bookings=plan["bookings"], **traffic)
        warm.run(args.clients, args.warmup, args.seed + 1)
        phases.lap("warmup")
        measured = Traffic(base, bookings=plan["bookings"][warm.next_booking :], **traffic)
        mach = machine(db)
        meter = CpuMeter(server.proc.pid if server else None, db.info.dbname).start()
        wall = measured.run(args.clients, args.duration, args.seed)
        cpu = meter.stop()
        phases.lap("measured_run")
    finally:
        if server:
            server.stop()
    mach["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    server_info = {"url": base, **(server.describe() if server else {})}
    return {"warm": warm, "measured": measured, "wall": wall, "cpu": cpu, "machine": mach, "server": server_info}


def compare(http: dict, cpu: dict, pgbench: dict) -> dict:
    """The app's bookings/s in the mixed load against pgbench's with bookings only, and the CPU
    an app request costs (server + PostgreSQL + client) against a pgbench transaction's."""
    app_cpu_ms = (cpu["server_cpu_s"] + cpu["postgres_cpu_s"] + cpu["client_cpu_s"]) * 1000 / max(1, http["requests"])
    return {
        "app_bookings_per_s": http["bookings_per_s"],
        "pgbench_bookings_per_s": pgbench["bookings_per_s"],
        "ratio": round(http["bookings_per_s"] / pgbench["bookings_per_s"], 4) if pgbench["bookings_per_s"] else None,
        "app_cpu_ms_per_request": round(app_cpu_ms, 2),
        "pgbench_cpu_ms_per_transaction": pgbench["cpu_ms_per_transaction"],
        "cpu_ratio": round(app_cpu_ms / pgbench["cpu_ms_per_transaction"], 2)
        if pgbench["cpu_ms_per_transaction"]
        else None,
        "note": "the app's bookings are 20 % of a mixed load, pgbench does bookings only; cpu_ratio compares the "
        "cost of one request of the mix with one booking transaction in SQL",
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    phases = Timer()  # generate.py's: wall seconds per step, reported (the CI test must stay bounded)
    db = connect(args.database_url)
    before_id = integrity.last_booking_id(db)
    reps = reps_with_opportunities(db, args.reps)
    searches, schedules = read_paths(db, args)
    bookings, slot_info = booking_queue(db, args, reps)
    plan = {"reps": reps, "searches": searches, "schedules": schedules, "bookings": bookings}
    phases.lap("plan")
    run = http_load(args, db, plan, phases)
    warm, measured, wall, cpu = run["warm"], run["measured"], run["wall"], run["cpu"]
    http = summarise(measured.results, wall)
    warm_created = sum(1 for r in warm.results if r[0] == "booking" and r[1] == "ok")
    warm_errors = sum(1 for r in warm.results if r[1] == "error")
    race = races(warm.results + measured.results)

    pgbench = None
    if args.pgbench_seconds > 0:
        print(f"pgbench: {args.pgbench_seconds} s, {args.pgbench_clients} clients", file=sys.stderr)
        pgbench = pgbench_booking.run(
            db,
            args.database_url,
            clients=args.pgbench_clients,
            seconds=args.pgbench_seconds,
            slots=args.pgbench_slots or 500 * args.pgbench_seconds,
            engineers=args.engineers,
            weeks=args.weeks,
            seed=args.seed + 2,
        )
        phases.lap("pgbench")
    checks = integrity.check(db, after_id=before_id, whole_table=not args.skip_full_check)
    phases.lap("invariants")
    expected_new = warm_created + http["bookings_created"] + (pgbench["bookings_created"] if pgbench else 0)
    checks["new_bookings_expected"] = expected_new
    checks["ok"] = checks["violations"] == 0 and checks["ledger_check"]["new_bookings"] == expected_new

    p95 = http["latency"]["p95_ms"]
    out = {
        "benchmark": "mixed load through gunicorn",
        "mix_percent": {kind: round(100 * w / sum(args.mix.values()), 1) for kind, w in args.mix.items()},
        "duration_s": args.duration,
        "clients": args.clients,
        "server": run["server"],
        "throughput": {
            "requests_per_s": http["requests_per_s"],
            "bookings_created_per_s": http["bookings_per_s"],
            **{f"{kind}_per_s": http["by_kind"][kind]["requests_per_s"] for kind in KINDS},
        },
        "latency": {"all": http["latency"], **{kind: http["by_kind"][kind] for kind in KINDS}},
        "requests": http["requests"],
        "errors": http["errors"],
        "refusals": http["refusals"],
        "races": {**race, **slot_info, "slots_exhausted": measured.slots_exhausted},
        "cpu": {**cpu, **cpu_per_request(cpu, http["requests"])},
        "goal": {
            "requests_per_s": GOAL_REQUESTS_PER_S,
            "p95_ms": GOAL_P95_MS,
            "met": http["requests_per_s"] >= GOAL_REQUESTS_PER_S
            and p95 <= GOAL_P95_MS
            and http["errors"]["count"] == 0,
        },
        "warmup": {"seconds": args.warmup, "requests": len(warm.results), "errors": warm_errors},
        "pgbench": pgbench,
        "app_vs_pgbench": compare(http, cpu, pgbench) if pgbench else None,
        "invariants": checks,
        "data": data_sizes(db),
        "machine": run["machine"],
        "phases_s": phases.phases,
    }
    failed = (
        http["errors"]["count"]
        + warm_errors
        + race["slots_won_twice"]
        + (0 if checks["ok"] else 1)
        + (1 if pgbench and (pgbench["exit_status"] != 0 or pgbench["failed_transactions"]) else 0)
    )
    out["ok"] = failed == 0
    print(json.dumps(out, indent=2, default=str))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
