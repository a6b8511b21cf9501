import datetime as dt

import pytest
from django.utils import timezone

from budgeting.models import Budget, LedgerKind
from budgeting.tasks import open_budgets
from budgeting.tests.factories import give_targets
from presales.periods import Quarter

pytestmark = pytest.mark.django_db


def test_the_task_opens_this_and_next_quarters_budgets_once(rep, other_rep, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 6, 30, 20, 0, tzinfo=dt.UTC))  # July 1st in Shanghai
    give_targets(rep, "2026Q3", A="1000000.00")
    give_targets(rep, "2026Q4", B="800000.00")
    give_targets(other_rep, "2026Q2", A="1000000.00")  # a past quarter: left alone
    assert open_budgets.delay().get() == {"2026Q3": 1, "2026Q4": 1}
    assert open_budgets() == {"2026Q3": 1, "2026Q4": 1}
    assert sorted(Budget.objects.values_list("period", "allocated")) == [
        ("2026Q3", 15000),
        ("2026Q4", 10000),
    ]
    assert Budget.objects.get(period="2026Q3").entries.filter(kind=LedgerKind.ALLOCATE).count() == 1


def test_the_beat_schedule_runs_the_task_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["open-budgets"]
    assert entry["task"] == open_budgets.name
    assert str(Quarter.of(timezone.now()))  # the task's default periods are computable now
