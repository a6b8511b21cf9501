"""The raw database's capacity for the booking transaction: ``pgbench`` running
``bench/pgbench/booking.sql`` (booking_create's statements, without Django) on the bench database.

Called by ``load.py`` after its HTTP run, so that the app's bookings/s and the database's are
measured on the same machine, data and moment. Before the run, free slots (engineer × working
day × 2-hour window, with a random rep's opportunity and that rep's budget for the quarter)
go into an unlogged table ``bench_pgbench_slot``; each transaction takes the next one. The
bookings pgbench commits are real (note ``pgbench``): the invariant checks that follow cover them.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import integrity
from common import CpuMeter, latency_summary

SCRIPT = Path(__file__).resolve().parent / "pgbench" / "booking.sql"
DEBIAN_PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
STAGES = ["value_presentation", "bid_preparation", "bidding"]
ACTIVITIES = ["exchange", "workshop", "case_visit", "poc", "solution_design", "bid_writing"]


def pgbench_path() -> str:
    found = shutil.which("pgbench") or (DEBIAN_PGBENCH if os.path.exists(DEBIAN_PGBENCH) else None)
    if not found:
        raise SystemExit("pgbench not found: apt-get install postgresql-contrib (or postgresql-15)")
    return found


def prepare(db, *, slots: int, engineers: int, weeks: int, seed: int) -> int:
    """(Re)create bench_pgbench_slot with up to ``slots`` free slots; how many there are."""
    rnd = random.Random(seed)
    opportunities = db.execute(
        "SELECT o.id, o.owner_id FROM presales_opportunity o WHERE o.stage <> 'qualification' ORDER BY o.id"
    ).fetchall()
    free = integrity.free_slots(db, weeks=weeks, engineers=engineers, slots=slots, seed=seed)
    db.execute("DROP TABLE IF EXISTS bench_pgbench_slot")
    db.execute("DROP SEQUENCE IF EXISTS bench_pgbench_slot_n")
    db.execute(
        "CREATE UNLOGGED TABLE bench_pgbench_slot (n bigint PRIMARY KEY, engineer_id bigint, start timestamptz,"
        ' "end" timestamptz, opportunity_id bigint, owner_id bigint, period varchar(6), stage text, activity text)'
    )
    db.execute("CREATE SEQUENCE bench_pgbench_slot_n")
    with db.cursor().copy(
        'COPY bench_pgbench_slot (n, engineer_id, start, "end", opportunity_id, owner_id, stage, activity) FROM STDIN'
    ) as copy:
        for n, (engineer, start, end) in enumerate(free, 1):
            opportunity, owner = rnd.choice(opportunities)
            copy.write_row((n, engineer, start, end, opportunity, owner, rnd.choice(STAGES), rnd.choice(ACTIVITIES)))
    # The quarter of the start in the organisation's time zone, as budget_for_moment finds it;
    # slots whose owner has no budget for that quarter are dropped (the generator opens five).
    db.execute("""UPDATE bench_pgbench_slot SET period = to_char(start AT TIME ZONE 'Asia/Shanghai', 'YYYY"Q"Q')""")
    db.execute(
        "DELETE FROM bench_pgbench_slot s WHERE NOT EXISTS "
        "(SELECT 1 FROM budgeting_budget b WHERE b.owner_id = s.owner_id AND b.period = s.period)"
    )
    db.execute("ANALYZE bench_pgbench_slot")
    return db.execute("SELECT count(*) FROM bench_pgbench_slot").fetchone()[0]


def parse(output: str) -> dict:
    """The figures of pgbench's summary."""

    def number(pattern: str) -> float | None:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else None

    return {
        "tps": number(r"tps = ([\d.]+) \(without initial connection time\)"),
        "transactions": int(number(r"number of transactions actually processed: (\d+)") or 0),
        "failed_transactions": int(number(r"number of failed transactions: (\d+)") or 0),
        "latency_avg_ms": number(r"latency average = ([\d.]+) ms"),
    }


def transaction_latencies(log_dir: str) -> list[float]:
    """Milliseconds per transaction from pgbench's -l logs (third field: microseconds)."""
    ms = []
    for path in Path(log_dir).glob("pgbench_log*"):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                ms.append(int(fields[2]) / 1000)
    return ms


def cpu_per_transaction(cpu: dict, transactions: int) -> dict:
    """PostgreSQL's CPU per transaction, and with pgbench's own (the client) added."""
    if not transactions:
        return {"postgres_cpu_ms_per_transaction": None, "cpu_ms_per_transaction": None}
    return {
        "postgres_cpu_ms_per_transaction": round(cpu["postgres_cpu_s"] * 1000 / transactions, 2),
        "cpu_ms_per_transaction": round((cpu["postgres_cpu_s"] + cpu["client_cpu_s"]) * 1000 / transactions, 2),
    }


def run(
    db, database_url: str, *, clients: int, seconds: int, slots: int, engineers: int, weeks: int, seed: int
) -> dict:
    """Prepare the slots, run pgbench, count what it booked, drop the slot table."""
    t0 = time.perf_counter()
    prepared = prepare(db, slots=slots, engineers=engineers, weeks=weeks, seed=seed)
    prepare_s = time.perf_counter() - t0
    before_id = integrity.last_booking_id(db)
    with tempfile.TemporaryDirectory(prefix="pgbench-") as log_dir:
        cmd = [pgbench_path(), "-n", "-f", str(SCRIPT), "-c", str(clients), "-j", str(min(2, clients))]
        cmd += ["-T", str(seconds), "-M", "simple", "-l", "--log-prefix", f"{log_dir}/pgbench_log", database_url]
        meter = CpuMeter(None, db.info.dbname).start()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
        cpu = meter.stop()
        latencies = transaction_latencies(log_dir)
    figures = parse(done.stdout)
    created, taken = db.execute(
        "SELECT (SELECT count(*) FROM dispatch_booking WHERE id > %s AND note = 'pgbench'),"
        " (SELECT last_value FROM bench_pgbench_slot_n)",
        [before_id],
    ).fetchone()
    db.execute("DROP TABLE bench_pgbench_slot")
    db.execute("DROP SEQUENCE bench_pgbench_slot_n")
    return {
        "command": " ".join([*cmd[:-1], "<database-url>"]),
        "exit_status": done.returncode,
        "stderr_tail": done.stderr.strip().splitlines()[-5:] if done.returncode else [],
        "clients": clients,
        "seconds": seconds,
        **figures,
        "latency": latency_summary(latencies),
        "bookings_created": created,
        # pgbench's tps leaves out connection set-up; bookings are that share of its transactions.
        "bookings_per_s": round(figures["tps"] * created / figures["transactions"], 1)
        if figures["transactions"]
        else 0.0,
        "refused": figures["transactions"] - created,
        "slots_prepared": prepared,
        "slots_exhausted": taken >= prepared,
        "prepare_s": round(prepare_s, 2),
        **cpu_per_transaction(cpu, figures["transactions"]),
        "cpu": cpu,
    }
