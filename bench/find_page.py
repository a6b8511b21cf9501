#!/usr/bin/env python
"""The search page a rep books from (/dispatch/find/: results and the week's schedule board),
in-process on the bench database: latency percentiles, queries and page size, printed as JSON.

    .venv/bin/python bench/find_page.py --runs 40

Each run asks for a free window on a working day of the coming weeks (two hours, organisation
time), or for no window at all every fourth run, as a rep signed in with a session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_URL, connect, data_sizes, django_in_process, latency_summary, machine


def page_urls(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    today = dt.date.today()
    days = [today + dt.timedelta(days=i) for i in range(1, 43) if (today + dt.timedelta(days=i)).isoweekday() <= 5]
    urls = []
    for i in range(n):
        if i % 4 == 3:
            urls.append("/dispatch/find/")
            continue
        day, hour = rnd.choice(days), rnd.choice([9, 10, 13, 14, 15])
        query = {"free_date": day.isoformat(), "free_start": f"{hour:02d}:00", "free_end": f"{hour + 2:02d}:00"}
        urls.append("/dispatch/find/?" + urlencode(query))
    return urls


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--runs", type=int, default=40)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    django_in_process(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from presales.choices import Role
    from presales.models import User

    db = connect(args.database_url)
    rep = User.objects.filter(role_assignments__role=Role.SALES).order_by("pk").first()
    client = Client()
    client.force_login(rep)
    urls = page_urls(args.warmup + args.runs, args.seed)
    for url in urls[: args.warmup]:
        assert client.get(url).status_code == 200
    timings, sizes = [], []
    for url in urls[args.warmup :]:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
        sizes.append(len(response.content))
    with CaptureQueriesContext(connection) as queries:
        client.get(urls[args.warmup])
    print(
        json.dumps(
            {
                "benchmark": "search page with its schedule board, /dispatch/find/ (in-process, signed-in rep)",
                **latency_summary(timings),
                "runs": len(timings),
                "queries": len(queries),
                "page_kib_median": round(sorted(sizes)[len(sizes) // 2] / 1024),
                **data_sizes(db),
                "machine": machine(db),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
