"""The import killed halfway (SIGKILL, as by the OOM killer or a lost terminal) writes nothing,
and the same import run again then loads everything. On PostgreSQL and SQLite."""

import copy
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from dispatch.models import Engineer
from presales.models import ScenarioImport
from presales.tests.factories import PASSWORD
from presales.tests.faults import wait_until
from presales.tests.scenario_files import load, reference_data, row_counts
from presales.tests.workers import database_url

pytestmark = pytest.mark.django_db(transaction=True)

# Enough engineers that the import runs for seconds (about 0.15 s each here), not for minutes.
EXTRA_ENGINEERS = 60


def big_scenario(tmp_path: Path) -> Path:
    data = reference_data()
    data.pop("work_orders")  # the slowest section by far; the test needs bulk, not history
    template = data["engineers"][0]
    for index in range(EXTRA_ENGINEERS):
        extra = copy.deepcopy(template)
        extra["username"] = f"bulk{index:04d}"
        extra["display_name"] = f"Bulk {index:04d}"
        data["engineers"].append(extra)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def start_import(path: Path) -> subprocess.Popen:
    """``manage.py load_scenario`` in a process of its own, against the test database."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "presales.settings_test", "DATABASE_URL": database_url()}
    command = [sys.executable, "manage.py", "load_scenario", str(path), "--password", PASSWORD]
    return subprocess.Popen(command, cwd=Path(settings.BASE_DIR), env=environment, stdout=subprocess.DEVNULL)


def import_transaction_open() -> bool:
    """Another session (the import) holds a transaction that has written to the database."""
    if connection.vendor == "sqlite":
        probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # "database is locked": the import holds the write lock
            return True
        finally:
            probe.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_xid IS NOT NULL"  # it has written something
        )
        return bool(cursor.fetchone()[0])


def test_an_import_killed_halfway_writes_nothing_and_the_rerun_loads_everything(tmp_path):
    path = big_scenario(tmp_path)
    before = row_counts()
    process = start_import(path)
    try:
        wait_until(import_transaction_open, timeout=120, what="the import writing", interval=0.1)
        time.sleep(1)  # well into the engineers
        assert process.poll() is None, "the import finished before it could be killed; make the file bigger"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    assert row_counts() == before  # nothing of the killed import is left

    load(path)
    assert Engineer.objects.count() == len(reference_data()["engineers"]) + EXTRA_ENGINEERS
    assert ScenarioImport.objects.count() == 1
