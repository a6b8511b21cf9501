"""Render time of the opportunity visibility page (全程可视) for one opportunity with many bookings.

Builds its own data in a throwaway SQLite database (or, with --database-url, an empty scratch
database that it migrates and fills), then requests /dispatch/opportunities/<id>/ in-process
through Django's test client (middleware, session, selectors, template; no network) and prints
JSON: latency percentiles, the number of queries, the data size and the machine.

    .venv/bin/python bench/opportunity_page.py --bookings 500 --runs 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--engineers", type=int, default=12)
    parser.add_argument("--per-work-order", type=int, default=5, help="bookings per work order")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--database-url", default="", help="an empty scratch database; default: temporary SQLite")
    return parser.parse_args()


def setup_django(database_url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("PRESALES_VAR_DIR", str(workdir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Production's manifest storage needs collectstatic; a static URL costs the same either way.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(*, bookings: int, engineers: int, per_work_order: int):
    """One opportunity of rep ``bench_rep`` with ``bookings`` completed bookings, most rated
    (every third with a comment), spread over ``engineers`` engineers and the three stages."""
    from django.utils import timezone

    from budgeting.tests.factories import open_budget
    from dispatch.models import Booking, BookingStatus, Engineer, Rating, WorkOrder
    from presales.choices import DISPATCHABLE_STAGES, Activity, Role
    from presales.periods import Quarter
    from presales.tests.factories import (
        PASSWORD,
        CustomerFactory,
        OpportunityFactory,
        RateFactory,
        RegionFactory,
        SolutionFactory,
        make_user,
    )

    region = RegionFactory(code="north", name="华北 North China")
    solution = SolutionFactory(code="A", name="智慧城市 Smart City")
    RateFactory(resource_type="presales", grade="P3", hourly_rate=Decimal("500.00"))
    rep = make_user("bench_rep", roles=[Role.SALES], regions=[region], display_name="销售 Bench Rep")
    rep.set_password(PASSWORD)
    rep.save()
    opportunity = OpportunityFactory(
        name="基准商机 Bench deal", owner=rep, region=region, solution=solution, customer=CustomerFactory(region=region)
    )
    pool = [
        Engineer.objects.create(
            user=make_user(f"eng{n}", roles=[Role.ENGINEER], regions=[region], display_name=f"工程师{n} Engineer {n}"),
            region=region,
            resource_type="presales",
            grade="P3",
        )
        for n in range(engineers)
    ]
    tz = timezone.get_current_timezone()
    first = dt.datetime(2026, 1, 5, 9, tzinfo=tz)
    budget = open_budget(rep, str(Quarter.of(first)), allocated="100000000.00")
    work_orders, rows = [], []
    for n in range(bookings):
        if n % per_work_order == 0:
            stage = DISPATCHABLE_STAGES[(n // per_work_order) % 3]
            desired = first + dt.timedelta(days=n // per_work_order, hours=(n % 7) - 3)
            work_orders.append(
                WorkOrder(
                    opportunity=opportunity,
                    stage=stage,
                    activity=Activity.OTHER,
                    solution=solution,
                    desired_start=desired,
                    desired_end=desired + dt.timedelta(hours=per_work_order + 3),
                )
            )
        start = first + dt.timedelta(days=n // per_work_order, hours=n % per_work_order)
        rows.append((len(work_orders) - 1, pool[n % engineers], stage, start))
    WorkOrder.objects.bulk_create(work_orders)
    created = Booking.objects.bulk_create(
        Booking(
            work_order=work_orders[index],
            engineer=engineer,
            budget=budget,
            stage=stage,
            activity=Activity.OTHER,
            start=start,
            end=start + dt.timedelta(hours=1),
            status=BookingStatus.RATED if n % 5 else BookingStatus.COMPLETED,
            hours=Decimal("1.00"),
            hourly_rate=Decimal("500.00"),
            cost=Decimal("500.00"),
            actual_hours=Decimal("1.00"),
            charged=Decimal("500.00"),
            booked_by=rep,
        )
        for n, (index, engineer, stage, start) in enumerate(rows)
    )
    Rating.objects.bulk_create(
        Rating(
            booking=booking,
            score=3 + n % 3,
            comment=f"评论 comment {n}" if n % 3 == 0 else "",
            rated_at=booking.end + dt.timedelta(hours=1),
            rated_by=rep,
        )
        for n, booking in enumerate(created)
        if booking.status == BookingStatus.RATED
    )
    # A second, small opportunity to show the query count does not follow the bookings.
    small = OpportunityFactory(
        name="小商机 Small deal", owner=rep, region=region, solution=solution, customer=opportunity.customer
    )
    order = WorkOrder.objects.create(
        opportunity=small,
        stage=DISPATCHABLE_STAGES[0],
        activity=Activity.OTHER,
        solution=solution,
        desired_start=first,
        desired_end=first + dt.timedelta(hours=1),
    )
    Booking.objects.create(
        work_order=order,
        engineer=pool[0],
        budget=budget,
        stage=DISPATCHABLE_STAGES[0],
        activity=Activity.OTHER,
        start=first - dt.timedelta(days=30),
        end=first - dt.timedelta(days=30) + dt.timedelta(hours=1),
        status=BookingStatus.COMPLETED,
        hours=Decimal("1.00"),
        hourly_rate=Decimal("500.00"),
        cost=Decimal("500.00"),
        actual_hours=Decimal("1.00"),
        charged=Decimal("500.00"),
        booked_by=rep,
    )
    return rep, opportunity, small


def measure(client, url: str, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.content[:2000]
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return timings


def query_count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, secure=True)
    return len(captured)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-opportunity-page-") as workdir:
        setup_django(args.database_url, Path(workdir))
        from common import latency_summary, machine
        from django.conf import settings
        from django.test import Client
        from django.urls import reverse

        began = time.perf_counter()
        rep, opportunity, small = build(
            bookings=args.bookings, engineers=args.engineers, per_work_order=args.per_work_order
        )
        built_s = time.perf_counter() - began
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(rep)
        url = reverse("dispatch:opportunity", args=[opportunity.pk])
        small_url = reverse("dispatch:opportunity", args=[small.pk])
        timings = measure(client, url, args.runs, args.warmup)
        small_timings = measure(client, small_url, max(args.runs // 5, 5), args.warmup)
        print(
            json.dumps(
                {
                    "benchmark": "opportunity_page",
                    "engine": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                    "data": {
                        "bookings": args.bookings,
                        "work_orders": -(-args.bookings // args.per_work_order),
                        "engineers": args.engineers,
                        "build_s": round(built_s, 1),
                    },
                    "runs": args.runs,
                    "page_ms": latency_summary(timings),
                    "page_bytes": len(client.get(url, secure=True).content),
                    "queries": query_count(client, url),
                    "small_opportunity": {
                        "bookings": 1,
                        "page_ms": latency_summary(small_timings),
                        "queries": query_count(client, small_url),
                    },
                    "target_ms": 100,
                    "machine": machine(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
