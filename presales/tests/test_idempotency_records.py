"""Idempotency-Key records are kept a day, then pruned by a beat task."""

import datetime as dt

import pytest
from django.utils import timezone

from presales.models import IdempotencyRecord
from presales.services.idempotency import idempotency_records_prune
from presales.tasks import prune_idempotency_records

pytestmark = pytest.mark.django_db


def _record(user, key: str, age: dt.timedelta) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        user=user, key=key, method="POST", path="/api/v1/bookings/", fingerprint="0" * 64, response_status=201
    )
    # created_at is auto_now_add: age it afterwards.
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


def test_pruning_forgets_records_older_than_a_day_and_keeps_younger_ones(rep):
    _record(rep, "old", dt.timedelta(hours=24, minutes=1))
    _record(rep, "older", dt.timedelta(days=30))
    _record(rep, "young", dt.timedelta(hours=23, minutes=59))
    _record(rep, "new", dt.timedelta(0))
    assert idempotency_records_prune() == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new", "young"]


def test_the_task_prunes_and_beat_runs_it_hourly(settings, rep):
    from presales.celery import app

    _record(rep, "old", dt.timedelta(days=2))
    _record(rep, "new", dt.timedelta(minutes=5))
    assert prune_idempotency_records.apply().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    entry = settings.CELERY_BEAT_SCHEDULE["prune-idempotency-records"]
    assert entry["task"] == prune_idempotency_records.name == "presales.prune_idempotency_records"
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {40} and len(entry["schedule"].hour) == 24
