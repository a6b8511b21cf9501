"""Free slots to book, and the checks every booking benchmark runs afterwards (SQL on the bench database).

Shared by ``book.py`` (bookings only), ``load.py`` (mixed traffic) and the pgbench comparison,
so that all of them book the same kind of slot and are judged by the same invariants:

- no double booking: no two non-cancelled bookings of one engineer overlap (half-open ranges);
- ledgers balanced: each budget's ``reserved`` equals its reserve − release lines and the cost
  of its open bookings, its ``spent`` equals its charge lines, and every booking made since the
  run began has exactly one reserve line of its cost on the right quarter's budget;
- no budget below zero, except by an overrun the ledger flagged (the domain's one exception).
"""

from __future__ import annotations

import time

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
       count(*) FILTER (WHERE b.allocated + b.adjustments - b.reserved - b.spent < 0 AND b.overrun = 0) AS below_zero
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


def last_booking_id(db) -> int:
    return db.execute("SELECT COALESCE(max(id), 0) FROM dispatch_booking").fetchone()[0]


def free_slots(db, *, weeks: int, engineers: int, slots: int, seed: int) -> list[tuple]:
    """Up to ``slots`` (engineer id, start, end) free 2-hour slots on working days of the next
    ``weeks`` weeks, among ``engineers`` active engineers drawn at random (repeatably by seed).

    ``engineers`` 0 draws about one engineer per 20 slots (each has ≈ 100 free in 12 weeks):
    every candidate slot of every engineer drawn is checked and sorted, so a larger draw costs
    time (4,000 engineers at full size: ≈ 50 s on a shared machine) and adds no realism."""
    if not slots:
        return []
    engineers = engineers or slots // 20 + 100
    db.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
    return db.execute(FREE_SLOTS_SQL, {"weeks": weeks, "engineers": engineers, "slots": slots}).fetchall()


def check(db, *, after_id: int, whole_table: bool = True) -> dict:
    """The invariants after a run; ``after_id`` is the last booking id before it began.

    ``violations`` counts every broken rule; ``new_bookings`` is for the caller to compare with
    the bookings it saw created (one more consistency check that depends on the run)."""
    started = time.perf_counter()
    sql = DOUBLE_BOOKINGS_SQL if whole_table else DOUBLE_BOOKINGS_SQL.replace("WHERE", "WHERE b.id > %s AND")
    double = db.execute(sql, [] if whole_table else [after_id]).fetchone()[0]
    double_s = time.perf_counter() - started
    ledger = db.execute(LEDGER_SQL).fetchone()
    new = db.execute(NEW_BOOKINGS_LEDGER_SQL, {"after": after_id}).fetchone()
    ledger_check = {
        "budgets": ledger[0],
        "reserved_column_vs_ledger_mismatches": ledger[1],
        "spent_column_vs_ledger_mismatches": ledger[2],
        "reserved_column_vs_open_bookings_mismatches": ledger[3],
        "new_bookings": new[0],
        "new_bookings_with_bad_reserve_line": new[1],
        "new_bookings_on_wrong_budget": new[2],
    }
    return {
        "double_bookings": double,
        "double_bookings_scope": "whole table" if whole_table else "new bookings",
        "double_booking_check_s": round(double_s, 1),
        "budgets_below_zero": ledger[4],
        "ledger_check": ledger_check,
        "violations": double + ledger[1] + ledger[2] + ledger[3] + ledger[4] + new[1] + new[2],
    }
