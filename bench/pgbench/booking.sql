-- One booking as dispatch.services.bookings.booking_create makes it, in plain SQL, for pgbench:
-- lock the engineer, check the slot (working hours, time off, overlapping bookings), read the
-- rate, lock the owner's budget for the quarter and check what remains, then write the work
-- order, the booking, their history rows and the reserve line, and move the budget.
-- Each transaction takes the next slot of bench_pgbench_slot (free 2-hour slots found by
-- bench/pgbench_booking.py just before the run), so the transactions do not fight over slots;
-- a slot that is no longer free, or an unaffordable one, commits nothing (a refusal, like a 409).
-- Everything is committed: the rows are real bookings, which the invariant checks then cover.
SELECT nextval('bench_pgbench_slot_n') AS n \gset
BEGIN;
SELECT e.id FROM dispatch_engineer e
 WHERE e.id = (SELECT engineer_id FROM bench_pgbench_slot WHERE n = :n) FOR UPDATE OF e;
SELECT COALESCE((
    SELECT (e.is_active
            AND EXISTS (SELECT 1 FROM dispatch_workinghours h
                        WHERE h.engineer_id = e.id AND h.weekday = extract(isodow FROM s.start AT TIME ZONE e.time_zone)
                          AND h.start <= (s.start AT TIME ZONE e.time_zone)::time
                          AND (h."end" >= (s."end" AT TIME ZONE e.time_zone)::time OR h."end" = time '00:00'))
            AND NOT EXISTS (SELECT 1 FROM dispatch_timeoff t
                            WHERE t.engineer_id = e.id AND t.start < s."end" AND t."end" > s.start)
            AND NOT EXISTS (SELECT 1 FROM dispatch_booking b
                            WHERE b.engineer_id = e.id AND b.status <> 'cancelled' AND b.start < s."end" AND b."end" > s.start)
           )::int
    FROM bench_pgbench_slot s JOIN dispatch_engineer e ON e.id = s.engineer_id WHERE s.n = :n), 0) AS free \gset
\if :free
SELECT r.hourly_rate AS rate, round(extract(epoch FROM s."end" - s.start) / 3600, 2) AS hours, b.id AS budget,
       (b.allocated + b.adjustments - b.reserved - b.spent
        >= round(round(extract(epoch FROM s."end" - s.start) / 3600, 2) * r.hourly_rate, 2))::int AS affordable
  FROM bench_pgbench_slot s
  JOIN dispatch_engineer e ON e.id = s.engineer_id
  JOIN presales_rate r ON r.resource_type = e.resource_type AND r.grade = e.grade
  JOIN budgeting_budget b ON b.owner_id = s.owner_id AND b.period = s.period
 WHERE s.n = :n FOR UPDATE OF b \gset
\if :affordable
INSERT INTO dispatch_workorder (key, stage, activity, solution_id, resource_type, grade, engineers_needed,
                                desired_start, desired_end, note, created_at, created_by_id, opportunity_id)
SELECT NULL, s.stage, s.activity, o.solution_id, '', '', 1, s.start, s."end", 'pgbench', now(), s.owner_id, s.opportunity_id
  FROM bench_pgbench_slot s JOIN presales_opportunity o ON o.id = s.opportunity_id WHERE s.n = :n
RETURNING id AS work_order \gset
INSERT INTO dispatch_historicalworkorder (id, key, stage, activity, solution_id, resource_type, grade, engineers_needed,
                                          desired_start, desired_end, note, created_at, history_date,
                                          history_change_reason, history_type, created_by_id, history_user_id, opportunity_id)
SELECT id, key, stage, activity, solution_id, resource_type, grade, engineers_needed, desired_start, desired_end, note,
       created_at, now(), NULL, '+', created_by_id, created_by_id, opportunity_id
  FROM dispatch_workorder WHERE id = :work_order;
INSERT INTO dispatch_booking (stage, activity, start, "end", status, hours, hourly_rate, uplift_percent, cost, note,
                              booked_at, cancel_reason, booked_by_id, budget_id, engineer_id, work_order_id)
SELECT s.stage, s.activity, s.start, s."end", 'booked', :hours, :rate, 0, round(:hours * :rate, 2), 'pgbench',
       now(), '', s.owner_id, :budget, s.engineer_id, :work_order
  FROM bench_pgbench_slot s WHERE s.n = :n
RETURNING id AS booking, cost \gset
INSERT INTO dispatch_historicalbooking (id, stage, activity, start, "end", status, hours, hourly_rate, uplift_percent, cost,
                                        note, booked_at, cancel_reason, history_date, history_type, booked_by_id, budget_id,
                                        engineer_id, history_user_id, work_order_id)
SELECT id, stage, activity, start, "end", status, hours, hourly_rate, uplift_percent, cost, note, booked_at, cancel_reason,
       now(), '+', booked_by_id, budget_id, engineer_id, booked_by_id, work_order_id
  FROM dispatch_booking WHERE id = :booking;
INSERT INTO budgeting_ledgerentry (at, kind, amount, booking_id, reason, overrun, budget_id, by_id)
SELECT now(), 'reserve', :cost, :booking, 'Booking #' || :booking, 0, :budget, s.owner_id
  FROM bench_pgbench_slot s WHERE s.n = :n;
UPDATE budgeting_budget SET reserved = reserved + :cost, updated_at = now() WHERE id = :budget;
\endif
\endif
COMMIT;
