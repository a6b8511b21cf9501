"""Real faults for tests: a private Redis to stop and start, a private PostgreSQL cluster to
restart, and the app pointed at them. Nothing here touches the shared services."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings
from django.test import override_settings
from kombu import pools as kombu_pools

from presales.celery import app

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(interval)
    return result


class PrivateRedis:
    """A redis-server of this test's own, without persistence, on a free port."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "PrivateRedis":
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(self._answers, timeout=10, what="the private Redis starting")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return False


@contextmanager
def redis_at(url: str):
    """The app's cache and Celery broker at ``url`` (tasks really published, not run eagerly)."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    cache = {
        "BACKEND": "presales.core.cache.FailOpenRedisCache",
        "LOCATION": url,
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
    _reset_broker_connections()
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        with override_settings(CACHES={"default": cache}):
            yield
    finally:
        app.conf.update(saved)
        _reset_broker_connections()


def _reset_broker_connections() -> None:
    # Celery keeps a connection pool per app, and kombu a global registry of connection and
    # producer pools (used even by eager calls, which borrow a producer for its serializer):
    # drop them all so the next publish connects to the new URL, not through a closed pool.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu_pools.reset()


class PrivatePostgres:
    """A PostgreSQL 15 cluster of this test's own (initdb'd as the postgres user, trust auth on
    127.0.0.1), so that restarting it disturbs nobody else's tests."""

    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="presales-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        subprocess.run([runuser, "-u", "postgres", "--", *command], check=True, capture_output=True, cwd=self.directory)

    def init(self) -> "PrivatePostgres":
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
        options += " -c fsync=off"  # a throwaway cluster
        log = str(self.directory / "log")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def restart(self) -> None:
        """What clients see when the server is restarted: every session is cut off."""
        log = str(self.directory / "log")  # not our pipes: the new server would hold them open
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-m", "fast", "-w", "restart")

    def copy_database(self, source_url: str, name: str = "app") -> str:
        """A copy of ``source_url``'s database (schema and rows) in this cluster; its URL."""
        target = self.url(name)
        subprocess.run([str(PG_BIN / "psql"), self.url(), "-qc", f"CREATE DATABASE {name}"], check=True)
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", source_url], check=True, capture_output=True
        )
        subprocess.run(
            [str(PG_BIN / "psql"), target, "-q", "-v", "ON_ERROR_STOP=1"],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return target

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


class AppServer:
    """The app under gunicorn (one worker, persistent database connections as in production)."""

    def __init__(self, database_url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "presales.settings_test", "DATABASE_URL": database_url}
        environment.pop("CELERY_BROKER_URL", None)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "presales.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
        ]
        self.process = subprocess.Popen(command, env=environment, cwd=Path(settings.BASE_DIR))
        wait_until(self._answers, timeout=60, what="gunicorn answering")

    def _answers(self) -> bool:
        assert self.process.poll() is None, "gunicorn exited"
        try:
            return requests.get(f"{self.base}/healthz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
