"""gunicorn.conf.py: garbage collection after the response, not in the middle of requests."""

import gc
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def conf():
    return runpy.run_path(str(CONF))


@pytest.fixture
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.enable()
    gc.set_threshold(*thresholds)


def test_a_worker_freezes_what_is_loaded_and_stops_collecting_on_its_own(conf, restore_gc):
    worker = SimpleNamespace()
    conf["post_worker_init"](worker)
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 0
    assert worker.requests_since_start == 0


def test_after_each_response_a_generation_is_collected(conf, restore_gc, monkeypatch):
    collected = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    worker = SimpleNamespace()
    conf["post_worker_init"](worker)
    for _ in range(200):
        conf["post_request"](worker, None, {}, None)
    assert len(collected) == 200
    assert collected.count(2) == 2  # requests 100 and 200
    assert collected.count(1) == 18  # every 10th, but for those two
    assert collected.count(0) == 180
    assert collected[99] == 2 and collected[9] == 1 and collected[0] == 0


def test_gunicorn_started_as_the_procfile_does_reads_these_hooks():
    procfile = (CONF.parent / "Procfile").read_text()
    assert "gunicorn presales.wsgi" in procfile and "--config" not in procfile and "-c " not in procfile
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--print-config", "presales.wsgi"],
        cwd=CONF.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    settings = {
        line.split("=", 1)[0].strip(): line.split("=", 1)[1].strip() for line in printed.splitlines() if "=" in line
    }
    assert settings["config"] == "./gunicorn.conf.py"
    assert settings["post_worker_init"] == "<post_worker_init()>"
    assert settings["post_request"] == "<post_request()>"
