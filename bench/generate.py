#!/usr/bin/env python
"""Generate a realistic organisation on a dedicated PostgreSQL database for the dispatch benchmarks.

    .venv/bin/python bench/generate.py --reset --engineers 10000 --bookings 1000000

Everything large is written with INSERT … SELECT generate_series inside PostgreSQL (no rows
travel through Python); secondary indexes and constraints of the big tables are dropped for
the load and re-created afterwards, which also re-validates them (the exclusion constraint
``dispatch_booking_no_overlap`` is rebuilt over all bookings, so a generator bug that made an
overlap would fail loudly here).

Bookings: every engineer gets bookings/engineers bookings, one per distinct half-day slot
(morning 09:00–12:00 or afternoon 13:00–18:00 local, a 1–3 h sub-interval) over
--weeks-back past and --weeks-ahead future weeks of Mon–Fri; slots are picked by a stride
walk over the engineer's slot numbers, so they cannot overlap by construction.

Shortcuts (documented in bench/README.md): one work order per booking (what booking_create
does); no simple_history rows for generated data; the ledger holds one ``allocate`` line per
budget, one ``reserve`` line per open booking and one ``charge`` line per completed/rated
booking (the reserve+release pair that precedes a charge nets to zero and is omitted;
cancelled bookings have no lines, their reserve+release also nets to zero). Budget columns
(reserved, spent) are set from those lines, so ledger_totals() and the columns agree.

Prints one JSON object: counts and seconds per phase.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://presales:presales@127.0.0.1:5432/presales_bench"
PASSWORD = "bench-pass-123"

REGIONS = [
    ("north", "华北 North"),
    ("east", "华东 East"),
    ("south", "华南 South"),
    ("central", "华中 Central"),
    ("southwest", "西南 Southwest"),
    ("northwest", "西北 Northwest"),
    ("northeast", "东北 Northeast"),
    ("intl", "海外 International"),
    ("beijing", "北京 Beijing"),
    ("shanghai", "上海 Shanghai"),
    ("guangdong", "广东 Guangdong"),
    ("jiangsu", "江苏 Jiangsu"),
    ("zhejiang", "浙江 Zhejiang"),
    ("shandong", "山东 Shandong"),
    ("sichuan", "四川 Sichuan"),
    ("hubei", "湖北 Hubei"),
    ("fujian", "福建 Fujian"),
    ("henan", "河南 Henan"),
    ("hongkong", "香港 Hong Kong"),
    ("europe", "欧洲 Europe"),
]
SOLUTIONS = [
    "cloud",
    "datacenter",
    "network",
    "security",
    "storage",
    "ai",
    "bigdata",
    "iot",
    "collab",
    "erp",
    "crm",
    "devops",
]
SKILLS = [
    "k8s",
    "openstack",
    "vmware",
    "linux",
    "windows",
    "oracle",
    "mysql",
    "postgres",
    "mongodb",
    "redis",
    "kafka",
    "spark",
    "hadoop",
    "flink",
    "tensorflow",
    "pytorch",
    "llm",
    "cisco",
    "huawei-net",
    "sdwan",
    "firewall",
    "siem",
    "iam",
    "pki",
    "san",
    "nas",
    "backup",
    "ceph",
    "java",
    "python",
    "go",
    "sap",
    "salesforce",
    "dynamics",
    "jenkins",
    "gitlab",
    "terraform",
    "ansible",
    "mqtt",
    "edge",
]
RESOURCE_TYPES = [("internal", 100), ("partner", 130), ("contractor", 160)]  # rate multiplier (%)
GRADES = [("G1", 300), ("G2", 450), ("G3", 650), ("G4", 900), ("G5", 1200)]  # base hourly rate
TIME_ZONES = [("Asia/Shanghai", 92), ("Asia/Singapore", 4), ("Europe/Berlin", 4)]  # percent
ORG_TZ = "Asia/Shanghai"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--engineers", type=int, default=10_000)
    p.add_argument("--bookings", type=int, default=1_000_000)
    p.add_argument("--reps", type=int, default=0, help="sales reps (default engineers/20, at least 20)")
    p.add_argument("--opportunities-per-rep", type=int, default=8)
    p.add_argument("--weeks-back", type=int, default=26)
    p.add_argument("--weeks-ahead", type=int, default=26)
    p.add_argument("--regions", type=int, default=20, help=f"regions (at most {len(REGIONS)})")
    p.add_argument("--solutions", type=int, default=10, help=f"solutions (at most {len(SOLUTIONS)})")
    p.add_argument("--reset", action="store_true", help="drop and re-create the database, then migrate")
    return p.parse_args(argv)


def admin_dsn(url: str) -> tuple[str, str]:
    """(DSN of the maintenance database 'postgres', name of the bench database)."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    return url[: url.rfind("/")] + "/postgres", name


def recreate_database(url: str) -> None:
    import psycopg

    dsn, name = admin_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("DEBUG", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Timer:
    def __init__(self):
        self.phases: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self._t, 2)
        self._t = now
        print(f"  {name}: {self.phases[name]} s", file=sys.stderr, flush=True)


def weighted_case(expr: str, items: list[tuple[str, int]]) -> str:
    """SQL CASE mapping ``expr`` (0..99) onto items by percentage weights."""
    parts, acc = [], 0
    for value, weight in items[:-1]:
        acc += weight
        parts.append(f"WHEN {expr} < {acc} THEN '{value}'")
    return f"(CASE {' '.join(parts)} ELSE '{items[-1][0]}' END)"


# A deterministic hash in SQL: 0 .. 2^31-1.
def H(expr: str) -> str:
    return f"(hashint8(({expr})::bigint)::bigint & 2147483647)"


BIG_TABLES = ["dispatch_workorder", "dispatch_booking", "dispatch_rating", "budgeting_ledgerentry"]


def drop_secondary(cur, table: str) -> list[str]:
    """Drop every non-PK constraint and index of ``table``; return the SQL that restores them."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype <> 'p'",
        [table],
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    indexes = cur.fetchall()
    restore = []
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    for name, _definition, _type in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    restore += [definition for _name, definition in indexes]
    # Checks and uniques first, foreign keys next, the (slow) exclusion constraint last.
    order = {"c": 0, "u": 1, "f": 2, "x": 3}
    for name, definition, _contype in sorted(constraints, key=lambda c: order.get(c[2], 9)):
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return restore


def reset_sequence(cur, table: str) -> None:
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
    )


def generate(args) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from budgeting.models import BudgetPolicy, SalesTarget
    from budgeting.services.ledger import budgets_open_for_period
    from presales.models import Rate, Region, Skill, Solution
    from presales.periods import Quarter

    timer = Timer()
    if args.reset:
        call_command("migrate", verbosity=0)
        timer.lap("migrate")

    n_eng = args.engineers
    n_reps = args.reps or max(20, n_eng // 20)
    n_opps = n_reps * args.opportunities_per_rep
    n_customers = n_reps * 2
    region_rows, solution_codes = REGIONS[: args.regions], SOLUTIONS[: args.solutions]
    n_regions = len(region_rows)
    tz = __import__("zoneinfo").ZoneInfo(ORG_TZ)
    today = dt.datetime.now(tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    first_monday = monday - dt.timedelta(weeks=args.weeks_back)
    n_days = 5 * (args.weeks_back + args.weeks_ahead)
    n_slots = 2 * n_days
    per_eng, extra = divmod(args.bookings, n_eng)
    if per_eng + (1 if extra else 0) > n_slots:
        raise SystemExit(f"at most {n_slots} bookings per engineer fit in {n_days} working days")
    stride = next(s for s in (37, 41, 43, 47, 53, 59, 61, 67, 71, 73) if n_slots % s)
    password = make_password(PASSWORD)

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM dispatch_booking")
        if cur.fetchone()[0]:
            raise SystemExit("the bench database already holds bookings; run with --reset")

    # ---- reference data (ORM; small) ------------------------------------------------------
    with transaction.atomic():
        regions = [Region.objects.create(code=c, name=n) for c, n in region_rows]
        solutions = [Solution.objects.create(code=c, name=c.upper()) for c in solution_codes]
        skills = [Skill.objects.create(code=c, name=c) for c in SKILLS]
        for rt, mult in RESOURCE_TYPES:
            for grade, base in GRADES:
                Rate.objects.create(resource_type=rt, grade=grade, hourly_rate=base * mult // 100)
        BudgetPolicy.current()
    timer.lap("reference")

    region_ids = [r.pk for r in regions]
    sol_ids = [s.pk for s in solutions]
    skill_ids = [s.pk for s in skills]
    arr = lambda ids: "ARRAY[" + ",".join(map(str, ids)) + "]::bigint[]"  # noqa: E731
    n_sol, n_skill = len(sol_ids), len(skill_ids)

    # User ids: 1 admin, then managers (one per region), reps, engineers.
    id_admin = 1
    id_mgr0 = 2
    id_rep0 = id_mgr0 + n_regions
    id_eng0 = id_rep0 + n_reps

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        user_cols = (
            "id, password, last_login, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, display_name, rank"
        )
        cur.execute(
            f"INSERT INTO presales_user ({user_cols}) VALUES "
            f"(%s, %s, NULL, true, 'bench-admin', '', '', 'admin@bench.test', true, true, now(), 'Bench Admin', '')",
            [id_admin, password],
        )
        cur.execute(
            f"INSERT INTO presales_user ({user_cols}) SELECT g, %s, NULL, false, 'mgr' || lpad((g-{id_mgr0})::text, 2, '0'), "
            f"'', '', 'mgr' || (g-{id_mgr0}) || '@bench.test', false, true, now(), 'Manager ' || (g-{id_mgr0}), '' "
            f"FROM generate_series({id_mgr0}, {id_rep0 - 1}) g",
            [password],
        )
        cur.execute(
            f"INSERT INTO presales_user ({user_cols}) SELECT g, %s, NULL, false, 'rep' || lpad((g-{id_rep0})::text, 5, '0'), "
            f"'', '', 'rep' || (g-{id_rep0}) || '@bench.test', false, true, now(), "
            f"'Rep ' || lpad((g-{id_rep0})::text, 5, '0'), '' FROM generate_series({id_rep0}, {id_eng0 - 1}) g",
            [password],
        )
        cur.execute(
            f"INSERT INTO presales_user ({user_cols}) SELECT g, %s, NULL, false, 'eng' || lpad((g-{id_eng0})::text, 6, '0'), "
            f"'', '', 'eng' || (g-{id_eng0}) || '@bench.test', false, true, now(), "
            f"'Engineer ' || lpad((g-{id_eng0})::text, 6, '0'), '' FROM generate_series({id_eng0}, {id_eng0 + n_eng - 1}) g",
            [password],
        )
        reset_sequence(cur, "presales_user")
        cur.execute("INSERT INTO presales_roleassignment (user_id, role) VALUES (%s, 'admin')", [id_admin])
        cur.execute(
            f"INSERT INTO presales_roleassignment (user_id, role) "
            f"SELECT g, CASE WHEN g < {id_rep0} THEN 'manager' WHEN g < {id_eng0} THEN 'sales' ELSE 'engineer' END "
            f"FROM generate_series({id_mgr0}, {id_eng0 + n_eng - 1}) g"
        )
        # Managers and reps belong to a region.
        cur.execute(
            f"INSERT INTO presales_user_regions (user_id, region_id) "
            f"SELECT g, ({arr(region_ids)})[1 + (CASE WHEN g < {id_rep0} THEN g - {id_mgr0} ELSE g - {id_rep0} END) % {n_regions}] "
            f"FROM generate_series({id_mgr0}, {id_eng0 - 1}) g"
        )
        # API tokens for managers and reps (the benchmarks read them; POST /auth/token/ works too).
        cur.execute(
            f"INSERT INTO authtoken_token (key, created, user_id) "
            f"SELECT substr(md5(random()::text || g) || md5(g::text || random()::text), 1, 40), now(), g "
            f"FROM generate_series({id_mgr0}, {id_eng0 - 1}) g"
        )
        timer.lap("users")

        # ---- customers, opportunities -------------------------------------------------------
        cur.execute(
            f"INSERT INTO presales_customer (id, key, name, tier, region_id) "
            f"SELECT g, NULL, 'Customer ' || lpad(g::text, 6, '0'), (ARRAY['A','B','C','D'])[1 + {H('g')} % 4], "
            f"({arr(region_ids)})[1 + ((g - 1) / 2) % {n_regions}] FROM generate_series(1, {n_customers}) g"
        )
        reset_sequence(cur, "presales_customer")
        # Opportunity g belongs to rep (g-1) / per_rep; its customer is one of the rep's two.
        per_rep = args.opportunities_per_rep
        cur.execute(
            f"INSERT INTO presales_opportunity (id, key, name, project_class, stage, created_at, customer_id, owner_id, "
            f"region_id, solution_id) "
            f"SELECT g, NULL, 'Opportunity ' || g, (ARRAY['A','B','C','D','E'])[1 + {H('g')} % 5], "
            f"(ARRAY['value_presentation','bid_preparation','bidding'])[1 + {H('g * 7')} % 3], now() - interval '200 days', "
            f"c.id, {id_rep0} + (g - 1) / {per_rep}, c.region_id, ({arr(sol_ids)})[1 + {H('g * 11')} % {n_sol}] "
            f"FROM generate_series(1, {n_opps}) g "
            f"JOIN presales_customer c ON c.id = 2 * ((g - 1) / {per_rep}) + 1 + (g % 2)"
        )
        reset_sequence(cur, "presales_opportunity")
        timer.lap("customers_opportunities")

        # ---- engineers ------------------------------------------------------------------------
        e_rt = weighted_case(
            f"{H('e * 3')} % 100", [(rt, w) for (rt, _m), w in zip(RESOURCE_TYPES, (70, 20, 10), strict=False)]
        )
        e_grade = weighted_case(
            f"{H('e * 5')} % 100", [(g, w) for (g, _r), w in zip(GRADES, (15, 30, 30, 18, 7), strict=False)]
        )
        e_tz = weighted_case(f"{H('e * 13')} % 100", TIME_ZONES)
        cur.execute(
            f"INSERT INTO dispatch_engineer (id, home_office, resource_type, grade, time_zone, is_active, region_id, "
            f"user_id, rating_count, rating_sum, calendar_token) "
            f"SELECT e, 'Office ' || ({H('e * 17')} % 40), {e_rt}, {e_grade}, {e_tz}, ({H('e * 19')} % 100) >= 2, "
            f"({arr(region_ids)})[1 + {H('e * 23')} % {n_regions}], {id_eng0} + e - 1, 0, 0, "
            f"md5('cal' || e || random()::text) FROM generate_series(1, {n_eng}) e"
        )
        reset_sequence(cur, "dispatch_engineer")
        # 1–3 solutions, 3–6 skills (distinct by a bounded stride), Mon–Fri hours (10 % with a lunch break).
        cur.execute(
            f"INSERT INTO dispatch_engineer_solutions (engineer_id, solution_id) "
            f"SELECT e, ({arr(sol_ids)})[1 + ({H('e * 29')} + j * (1 + {H('e * 31')} % {n_sol // 3})) % {n_sol}] "
            f"FROM generate_series(1, {n_eng}) e, generate_series(0, 2) j WHERE j < 1 + {H('e * 37')} % 3"
        )
        cur.execute(
            f"INSERT INTO dispatch_engineerskill (engineer_id, skill_id, level) "
            f"SELECT e, ({arr(skill_ids)})[1 + ({H('e * 41')} + j * (1 + {H('e * 43')} % {n_skill // 6})) % {n_skill}], "
            f"(ARRAY[1,2,2,3,3,3,3,4,4,5])[1 + {H('e * 47 + j')} % 10] "
            f"FROM generate_series(1, {n_eng}) e, generate_series(0, 5) j WHERE j < 3 + {H('e * 53')} % 4"
        )
        cur.execute(
            f'INSERT INTO dispatch_workinghours (engineer_id, weekday, start, "end") '
            f"SELECT e, d, '09:00', '18:00' FROM generate_series(1, {n_eng}) e, generate_series(1, 5) d "
            f"WHERE {H('e * 59')} % 10 <> 0 "
            f"UNION ALL SELECT e, d, t.s::time, t.f::time FROM generate_series(1, {n_eng}) e, generate_series(1, 5) d, "
            f"(VALUES ('09:00', '12:00'), ('13:00', '18:00')) t(s, f) WHERE {H('e * 59')} % 10 = 0"
        )
        # Time off: 15 % of engineers have a week's leave (a future week for two thirds of them).
        cur.execute(
            f'INSERT INTO dispatch_timeoff (engineer_id, start, "end", reason) '
            f"SELECT e.id, (m.d::timestamp AT TIME ZONE e.time_zone), ((m.d + 5)::timestamp AT TIME ZONE e.time_zone), "
            f"'Annual leave' FROM dispatch_engineer e, "
            f"LATERAL (SELECT DATE '{first_monday.isoformat()}' + (7 * ({H('e.id * 61')} % {args.weeks_back + args.weeks_ahead}))::int AS d) m "
            f"WHERE {H('e.id * 67')} % 100 < 15"
        )
        timer.lap("engineers")

        # ---- budgets: targets, then budget_open for every rep × quarter the bookings touch -----
        first_q = Quarter.of(dt.datetime.combine(first_monday, dt.time(0), tz))
        last_q = Quarter.of(dt.datetime.combine(monday + dt.timedelta(weeks=args.weeks_ahead + 1), dt.time(0), tz))
        periods, q = [], first_q
        while q <= last_q:
            periods.append(str(q))
            q = q.next
        SalesTarget.objects.bulk_create(
            [
                # 10 billion of tier-A target → 150 million allocated per rep and quarter: no
                # benchmark booking is ever refused for money.
                SalesTarget(rep_id=rep, period=period, tier="A", target=10_000_000_000)
                for rep in range(id_rep0, id_eng0)
                for period in periods
            ],
            batch_size=5000,
        )
    with transaction.atomic():
        for period in periods:
            budgets_open_for_period(period=period)
    timer.lap("budgets_open")

    # ---- work orders + bookings (one work order per booking, ids 1..N) -------------------------
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SET LOCAL work_mem = '256MB'")
        restore = []
        for table in BIG_TABLES:
            restore += drop_secondary(cur, table)
        # The plan of every booking: engineer e, its k-th booking, slot = stride walk.
        cur.execute(
            f"""
            CREATE TEMP TABLE plan ON COMMIT DROP AS
            WITH base AS (
                SELECT e.id AS e, e.time_zone, e.user_id AS eng_user, k,
                       ({H("e.id * 71")} % {n_slots} + k * {stride}) % {n_slots} AS slot,
                       {H("e.id * 1000003 + k")} AS h,
                       r.hourly_rate
                FROM dispatch_engineer e
                JOIN presales_rate r ON r.resource_type = e.resource_type AND r.grade = e.grade
                CROSS JOIN LATERAL generate_series(0, {per_eng} - 1 + (CASE WHEN e.id <= {extra} THEN 1 ELSE 0 END)) k
            ), timed AS (
                SELECT *, DATE '{first_monday.isoformat()}' + (7 * ((slot / 2) / 5) + (slot / 2) % 5)::int AS day,
                       CASE WHEN slot % 2 = 0 THEN time '09:00' + (h % 3) * interval '30 min'
                            ELSE time '13:00' + (h % 5) * interval '30 min' END AS t0,
                       CASE WHEN slot % 2 = 0 THEN interval '1 hour' + ((h / 3) % 3) * interval '30 min'
                            ELSE interval '1 hour' + ((h / 5) % 5) * interval '30 min' END AS dur
                FROM base
            )
            SELECT row_number() OVER (ORDER BY day, e, t0) AS id, e, eng_user, h, hourly_rate,
                   ((day + t0)::timestamp AT TIME ZONE time_zone) AS start,
                   ((day + t0 + dur)::timestamp AT TIME ZONE time_zone) AS "end",
                   round((extract(epoch FROM dur) / 3600)::numeric, 2) AS hours,
                   1 + ({H("e * 7 + h")} % {n_opps}) AS opp
            FROM timed
            """
        )
        cur.execute(
            f"""
            ALTER TABLE plan ADD COLUMN status text, ADD COLUMN owner bigint, ADD COLUMN budget bigint,
                ADD COLUMN stage text, ADD COLUMN activity text;
            UPDATE plan p SET
                status = CASE WHEN p."end" <= now() THEN
                              CASE WHEN h % 20 = 0 THEN 'cancelled' WHEN h % 20 < 13 THEN 'rated' ELSE 'completed' END
                         ELSE CASE WHEN h % 33 = 0 THEN 'cancelled' WHEN h % 5 < 2 THEN 'acknowledged' ELSE 'booked' END
                         END,
                owner = o.owner_id,
                budget = b.id,
                stage = (ARRAY['value_presentation','bid_preparation','bidding'])[1 + (h / 7) % 3],
                activity = (ARRAY['exchange','workshop','case_visit','poc','solution_design','bid_writing','bidding','other'])[1 + (h / 11) % 8]
            FROM presales_opportunity o, budgeting_budget b
            WHERE o.id = p.opp AND b.owner_id = o.owner_id
              AND b.period = to_char(p.start AT TIME ZONE '{ORG_TZ}', 'YYYY"Q"Q');
            """
        )
        cur.execute("SELECT count(*), count(budget) FROM plan")
        planned, with_budget = cur.fetchone()
        if planned != with_budget:
            raise SystemExit(f"{planned - with_budget} planned bookings have no budget")
        timer.lap("plan")
        cur.execute(
            """
            INSERT INTO dispatch_workorder (id, key, stage, activity, solution_id, resource_type, grade, engineers_needed,
                desired_start, desired_end, note, created_at, created_by_id, opportunity_id, first_response_at)
            SELECT p.id, NULL, p.stage, p.activity, o.solution_id, '', '', 1,
                   p.start - ((p.h * 7) % 72) * interval '1 hour', p."end", '',
                   p.start - (1 + p.h % 14) * interval '1 day', p.owner, p.opp,
                   CASE WHEN p.status IN ('acknowledged', 'completed', 'rated') THEN p.start - (p.h % 14) * interval '1 day' END
            FROM plan p JOIN presales_opportunity o ON o.id = p.opp
            """
        )
        timer.lap("work_orders")
        cur.execute(
            """
            INSERT INTO dispatch_booking (id, stage, activity, start, "end", status, hours, hourly_rate, uplift_percent, cost,
                actual_hours, charged, note, booked_at, acknowledged_at, completed_at, cancelled_at, cancel_reason,
                acknowledged_by_id, booked_by_id, budget_id, cancelled_by_id, completed_by_id, engineer_id, work_order_id)
            SELECT id, stage, activity, start, "end", status, hours, hourly_rate, 0, round(hours * hourly_rate, 2),
                   CASE WHEN status IN ('completed', 'rated') THEN hours END,
                   CASE WHEN status IN ('completed', 'rated') THEN round(hours * hourly_rate, 2) END,
                   '', start - (1 + h % 14) * interval '1 day',
                   CASE WHEN status IN ('acknowledged', 'completed', 'rated') THEN start - (h % 14) * interval '1 day' END,
                   CASE WHEN status IN ('completed', 'rated') THEN "end" END,
                   CASE WHEN status = 'cancelled' THEN start - interval '1 day' END,
                   CASE WHEN status = 'cancelled' THEN 'Customer postponed' ELSE '' END,
                   CASE WHEN status IN ('acknowledged', 'completed', 'rated') THEN eng_user END,
                   owner, budget,
                   CASE WHEN status = 'cancelled' THEN owner END,
                   CASE WHEN status IN ('completed', 'rated') THEN eng_user END,
                   e, id
            FROM plan
            """
        )
        timer.lap("bookings")
        cur.execute(
            """
            INSERT INTO dispatch_rating (booking_id, score, comment, rated_at, updated_at, rated_by_id)
            SELECT id, (ARRAY[2,3,4,4,4,5,5,5,5,1])[1 + (h / 13) % 10], '', "end" + interval '1 day', "end" + interval '1 day', owner
            FROM plan WHERE status = 'rated'
            """
        )
        cur.execute(
            """
            UPDATE dispatch_engineer e SET rating_sum = s.total, rating_count = s.n
            FROM (SELECT p.e, sum(r.score) AS total, count(*) AS n FROM dispatch_rating r JOIN plan p ON p.id = r.booking_id
                  GROUP BY p.e) s
            WHERE e.id = s.e
            """
        )
        timer.lap("ratings")
        cur.execute(
            """
            INSERT INTO budgeting_ledgerentry (at, kind, amount, booking_id, reason, overrun, budget_id, by_id)
            SELECT start - (1 + h % 14) * interval '1 day', 'reserve', round(hours * hourly_rate, 2), id,
                   'Booking #' || id, 0, budget, owner
            FROM plan WHERE status IN ('booked', 'acknowledged')
            UNION ALL
            SELECT "end", 'charge', round(hours * hourly_rate, 2), id, 'Booking #' || id || ' completed', 0, budget, eng_user
            FROM plan WHERE status IN ('completed', 'rated')
            """
        )
        cur.execute(
            """
            UPDATE budgeting_budget b SET
                reserved = COALESCE(s.reserved, 0), spent = COALESCE(s.spent, 0), updated_at = now()
            FROM (SELECT budget_id,
                         sum(amount) FILTER (WHERE kind = 'reserve') - COALESCE(sum(amount) FILTER (WHERE kind = 'release'), 0) AS reserved,
                         sum(amount) FILTER (WHERE kind = 'charge') AS spent
                  FROM budgeting_ledgerentry GROUP BY budget_id) s
            WHERE b.id = s.budget_id
            """
        )
        timer.lap("ledger")
        for table in ("dispatch_workorder", "dispatch_booking", "dispatch_rating", "budgeting_ledgerentry"):
            reset_sequence(cur, table)
        for statement in restore:
            cur.execute(statement)
        timer.lap("indexes_constraints")
    with connection.cursor() as cur:
        for table in [
            "presales_user",
            "dispatch_engineer",
            "dispatch_engineerskill",
            "dispatch_engineer_solutions",
            "dispatch_workinghours",
            "dispatch_timeoff",
            *BIG_TABLES,
            "budgeting_budget",
            "authtoken_token",
        ]:
            cur.execute(f"VACUUM ANALYZE {table}")
        timer.lap("vacuum_analyze")
        counts = {}
        for label, table in [
            ("users", "presales_user"),
            ("engineers", "dispatch_engineer"),
            ("engineer_skills", "dispatch_engineerskill"),
            ("engineer_solutions", "dispatch_engineer_solutions"),
            ("working_hours", "dispatch_workinghours"),
            ("time_off", "dispatch_timeoff"),
            ("customers", "presales_customer"),
            ("opportunities", "presales_opportunity"),
            ("budgets", "budgeting_budget"),
            ("work_orders", "dispatch_workorder"),
            ("bookings", "dispatch_booking"),
            ("ratings", "dispatch_rating"),
            ("ledger_entries", "budgeting_ledgerentry"),
        ]:
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[label] = cur.fetchone()[0]
        cur.execute("SELECT status, count(*) FROM dispatch_booking GROUP BY status ORDER BY status")
        counts["bookings_by_status"] = dict(cur.fetchall())
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cur.fetchone()[0]
    return {
        "database": connection.settings_dict["NAME"],
        "counts": counts,
        "reps": n_reps,
        "periods": periods,
        "window": [first_monday.isoformat(), (monday + dt.timedelta(weeks=args.weeks_ahead)).isoformat()],
        "database_size": db_size,
        "password": PASSWORD,
        "seconds": timer.phases,
        "total_seconds": round(sum(timer.phases.values()), 2),
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.reset:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    result = generate(args)
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
