"""The figures real-time control computes for a loaded scenario, as plain data.

``recorded_figures`` is what the regression test compares with ``figures_before_work_orders.json``,
which this same module wrote on the commit before work orders became the request (445ee93), so
history imported before that change keeps its figures. Re-record only for a deliberate change:
``DATABASE_URL= python -m monitoring.tests.figure_record > monitoring/tests/figures_before_work_orders.json``
on a fresh database.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone

# The demo is dated around "today"; the record fixes the day so that it can be compared.
DEMO_TODAY = dt.date(2027, 1, 4)
DEMO_TZ = "Asia/Shanghai"


def demo_end() -> dt.datetime:
    """Local midnight after the demo's day: the daily window that includes its finished work."""
    return dt.datetime.combine(DEMO_TODAY + dt.timedelta(days=1), dt.time(), tzinfo=zoneinfo.ZoneInfo(DEMO_TZ))


def recorded_figures(end: dt.datetime) -> dict:
    """Every cell's snapshot and alert after a recompute ending at ``end``."""
    from monitoring.models import Alert, CellSnapshot
    from monitoring.services.recompute import recompute

    recompute(end=end, now=end)
    cells = {
        f"{row.region.code}/{row.solution.code}": {
            "work_orders": row.work_orders,
            "delayed_slight": row.delayed_slight,
            "delayed_severe": row.delayed_severe,
            "responded_in_time": row.responded_in_time,
            "ratings": row.ratings,
            "rating_sum": row.rating_sum,
            "bad_reviews": row.bad_reviews,
            "effective_hours": str(row.effective_hours),
            "available_hours": str(row.available_hours),
            "status": row.status,
        }
        for row in CellSnapshot.objects.filter(window_end=end).select_related("region", "solution")
    }
    alerts = sorted(
        f"{alert.region.code}/{alert.solution.code}/{alert.kind}"
        for alert in Alert.objects.select_related("region", "solution")
    )
    return {"cells": cells, "alerts": alerts}


def record() -> dict:
    """Both scenarios, each on an empty database, rolled back afterwards."""
    import json

    from django.db import transaction

    from presales.demo import demo_scenario
    from presales.scenario import load_scenario
    from presales.tests.scenario_files import reference_data

    out = {}
    for name, data, end in (
        ("reference", reference_data(), dt.datetime.fromisoformat(reference_data()["as_of"])),
        ("demo", demo_scenario(DEMO_TODAY, DEMO_TZ), demo_end()),
    ):
        with transaction.atomic():
            load_scenario(data, name=name, password=None)
            out[name] = recorded_figures(end)
            transaction.set_rollback(True)
    return json.loads(json.dumps(out))


if __name__ == "__main__":
    import json
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    timezone.activate(DEMO_TZ)
    print(json.dumps(record(), indent=1, ensure_ascii=False, sort_keys=True))
