"""Experimental changes measured by the benchmarks WITHOUT editing application code.

Applied by bench/patched_wsgi.py (gunicorn) or bench/explain.py --patch when BENCH_PATCH lists them:

- ``jit``   : ``-c jit=off`` on the PostgreSQL connection (settings.DATABASES OPTIONS). JIT
              compilation kicks in on the search's high estimated cost and costs 0.7–1.5 s.
- ``range`` : free_window_filter expresses "a holding booking overlaps [start, end)" as
              ``tstzrange(start, end, '[)') && tstzrange(:a, :b, '[)')`` instead of
              ``end > :a AND start < :b``. With a GiST index on that expression (partial,
              status <> 'cancelled') PostgreSQL finds the ~2,000 busy bookings of the window
              in one index scan and hash-anti-joins engineers against them, and its row
              estimates become sane (no 80-million-row nested loop against users).
- ``tzq``   : engineer_search's "which time zones do engineers use" query gets ``.order_by()``:
              Engineer's Meta ordering (user__display_name, id) otherwise leaks into the
              DISTINCT, which then joins users and returns all 10,000 rows instead of 3.
- ``tz``    : time zones whose local pieces of the window are identical (Asia/Shanghai and
              Asia/Singapore) share one EXISTS on working hours instead of one each.

The index the ``range`` patch needs is created by ``bench/patches.py --create-index`` (and
dropped by ``--drop-index``) on the bench database; see README.md for the migration it implies.
"""

from __future__ import annotations

import os
import sys

INDEX_NAME = "bench_booking_holding_span"
INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON dispatch_booking USING gist (tstzrange(start, \"end\", '[)')) "
    "WHERE status <> 'cancelled'"
)


def enabled() -> set[str]:
    return {p.strip() for p in os.environ.get("BENCH_PATCH", "").split(",") if p.strip()}


def apply_settings() -> None:
    """Before the first connection: connection options."""
    if "jit" in enabled():
        from django.conf import settings

        options = settings.DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()


def _patch_time_zone_query() -> None:
    import inspect
    import textwrap

    from dispatch import selectors
    from dispatch.api import filters

    source = textwrap.dedent(inspect.getsource(selectors.engineer_search))
    old = 'Engineer.objects.filter(is_active=True).values_list("time_zone", flat=True).distinct()'
    if old not in source:
        raise RuntimeError("engineer_search changed; the tzq patch no longer applies")
    # Defined in the selectors module's own globals, so it sees the other patches too.
    exec(source.replace(old, old.replace(".values_list", ".order_by().values_list")), vars(selectors))  # noqa: S102
    filters.engineer_search = selectors.engineer_search


def apply_code() -> None:
    """After django.setup(): swap the search's availability filter."""
    patches = enabled()
    if "tzq" in patches:
        _patch_time_zone_query()
    if not patches & {"range", "tz"}:
        return
    import zoneinfo

    from django.contrib.postgres.fields import DateTimeRangeField
    from django.db.models import DateTimeField, Exists, F, Func, OuterRef, Q, Value

    from dispatch import availability, calendar, selectors
    from dispatch.models import HOLDING_STATUSES, Booking, TimeOff, WorkingHours

    def tstzrange(lo, hi):
        return Func(lo, hi, Value("[)"), function="tstzrange", output_field=DateTimeRangeField())

    def free_window_filter(start, end, time_zones):
        in_hours = Q(pk__in=[])
        groups: dict[tuple, list[str]] = {}
        for name in time_zones:
            pieces = tuple(calendar.local_pieces(start, end, zoneinfo.ZoneInfo(name)))
            key = pieces if "tz" in patches else (name, *pieces)
            groups.setdefault(key, []).append(name)
        for names in groups.values():
            zone_q = Q(time_zone__in=names)
            for piece in calendar.local_pieces(start, end, zoneinfo.ZoneInfo(names[0])):
                block = WorkingHours.objects.filter(
                    engineer=OuterRef("pk"), weekday=piece.weekday, start__lte=piece.start
                )
                block = (
                    block.filter(end=calendar.MIDNIGHT)
                    if piece.to_midnight
                    else block.filter(Q(end=calendar.MIDNIGHT) | Q(end__gte=piece.end))
                )
                zone_q &= Exists(block)
            in_hours |= zone_q
        holding = Booking.objects.filter(engineer=OuterRef("pk"), status__in=HOLDING_STATUSES)
        if "range" in patches:
            window = tstzrange(Value(start, output_field=DateTimeField()), Value(end, output_field=DateTimeField()))
            booked = holding.annotate(span=tstzrange(F("start"), F("end"))).filter(span__overlap=window)
        else:
            booked = availability.overlapping(holding, start, end)
        away = availability.overlapping(TimeOff.objects.filter(engineer=OuterRef("pk")), start, end)
        return in_hours & ~Exists(booked) & ~Exists(away)

    selectors.free_window_filter = free_window_filter
    availability.free_window_filter = free_window_filter


def index(url: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(INDEX_SQL if create else f"DROP INDEX IF EXISTS {INDEX_NAME}")
        conn.execute("ANALYZE dispatch_booking")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    from common import DEFAULT_URL

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if "--create-index" in sys.argv:
        index(url, True)
    elif "--drop-index" in sys.argv:
        index(url, False)
    else:
        sys.exit("usage: patches.py --create-index | --drop-index")
