"""The mixed-load benchmark in its short, bounded CI form (issue 9, hardening).

A tiny bench database of its own (50 engineers, 2,000 bookings), then ``bench/load.py``: 12 s
of mixed traffic through gunicorn with production settings, 4 s of pgbench running the same
booking transaction in SQL, and the invariant checks over everything both wrote. The run must
exit 0 with no error and no violation, and its JSON must carry every figure the README quotes.
The full-length run is the documented command in bench/README.md.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

pytestmark = [pytest.mark.postgresql, pytest.mark.services]

ROOT = Path(__file__).resolve().parents[2]
KINDS = ["search", "schedule", "booking", "dashboard"]


@pytest.fixture
def bench_database():
    """A database of its own on the suite's PostgreSQL server, dropped afterwards: parallel runs
    that set TEST_DATABASE_NAME get distinct ones, and presales_bench is never touched."""
    server = urlparse(os.environ["DATABASE_URL"])
    name = (os.environ.get("TEST_DATABASE_NAME") or "test_presales") + "_load"
    url = server._replace(path=f"/{name}").geturl()
    yield url
    with psycopg.connect(server._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_db() -> str:
    """The suite's own Redis database (the bench server flushes it when it stops)."""
    path = urlparse(os.environ.get("REDIS_URL", "")).path.strip("/")
    return os.environ.get("BENCH_REDIS_DB") or path or "15"


def run(script: str, *args: str, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_short_mixed_load_with_pgbench_keeps_every_invariant(bench_database):
    generated = run(
        "generate.py",
        "--database-url",
        bench_database,
        "--reset",
        "--engineers",
        "50",
        "--bookings",
        "2000",
        timeout=120,
    )
    assert generated.returncode == 0, generated.stderr[-2000:]

    done = run(
        "load.py",
        *("--database-url", bench_database, "--redis-db", redis_db()),
        *("--duration", "12", "--warmup", "2", "--clients", "4", "--reps", "20", "--managers", "2"),
        *("--race-share", "0.3", "--pgbench-seconds", "4", "--pgbench-clients", "4"),
        timeout=150,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    out = json.loads(done.stdout)

    assert out["ok"] is True
    assert out["errors"]["count"] == 0
    assert out["warmup"]["errors"] == 0
    for kind in KINDS:
        figures = out["latency"][kind]
        assert figures["requests"] > 0, kind
        assert figures["errors"] == 0, kind
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], kind
        assert out["throughput"][f"{kind}_per_s"] > 0, kind
    assert out["throughput"]["requests_per_s"] > 0
    assert out["throughput"]["bookings_created_per_s"] > 0
    assert set(out["latency"]["all"]) >= {"p50_ms", "p95_ms", "p99_ms"}
    # Refusals are answers, not errors; only slot_unavailable (a lost race) is expected here.
    assert set(out["refusals"]["codes"]) <= {"slot_unavailable"}
    assert out["races"]["slots_won_twice"] == 0
    # Every free slot asked for went to exactly one of the reps who raced for it.
    assert out["races"]["raced_slots"] > 0
    assert out["races"]["slots_won"] == out["races"]["slots_asked"] > 0
    assert out["cpu"]["server_cpu_s"] > 0 and out["cpu"]["postgres_cpu_s"] > 0
    assert set(out["cpu"]) >= {"server_cpu_ms_per_request", "postgres_cpu_ms_per_request", "client_cpu_ms_per_request"}

    invariants = out["invariants"]
    assert invariants["double_bookings"] == 0
    assert invariants["budgets_below_zero"] == 0
    assert invariants["violations"] == 0
    assert invariants["ok"] is True
    # Every booking made — through the API and by pgbench — is accounted for in the ledger.
    assert invariants["ledger_check"]["new_bookings"] == invariants["new_bookings_expected"] > 0

    pgbench = out["pgbench"]
    assert pgbench["exit_status"] == 0 and pgbench["failed_transactions"] == 0
    assert pgbench["tps"] > 0 and pgbench["bookings_created"] > 0
    assert pgbench["latency"]["p95_ms"] > 0
    comparison = out["app_vs_pgbench"]
    assert comparison["ratio"] == pytest.approx(
        comparison["app_bookings_per_s"] / comparison["pgbench_bookings_per_s"], rel=0.01
    )
    assert comparison["app_cpu_ms_per_request"] > 0 and comparison["cpu_ratio"] > 0
