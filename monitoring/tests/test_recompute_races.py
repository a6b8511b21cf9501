"""Recomputes racing in real transactions: one snapshot per cell, one alert per kind."""

import datetime as dt

import pytest

from monitoring.models import Alert, CellSnapshot
from monitoring.services.recompute import recompute
from presales.tests.concurrency import run_concurrently
from presales.tests.scenario_files import load, reference_data, reference_path

AS_OF = dt.datetime.fromisoformat(reference_data()["as_of"])


@pytest.fixture
def reference(transactional_db):
    load(reference_path())


@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputes_leave_one_snapshot_per_cell_and_one_alert_per_kind(reference):
    results = run_concurrently(4, lambda _i: recompute(end=AS_OF))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert CellSnapshot.objects.filter(window_end=AS_OF).count() == len(
        {(s.region_id, s.solution_id) for s in CellSnapshot.objects.all()}
    )
    assert Alert.objects.count() == 4
