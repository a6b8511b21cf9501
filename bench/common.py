"""Shared helpers of the benchmarks: the bench database, a gunicorn server, a keep-alive client."""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The virtualenv running this script (CI keeps it outside the clone, .ci/run).
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://presales:presales@127.0.0.1:5432/presales_bench"
PASSWORD = "bench-pass-123"
# The Redis database of the bench server (cache, throttles, broker), flushed when it stops:
# BENCH_REDIS_DB lets a test or a second bench run use its own.
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
LOG_DIR = ROOT / "bench" / "var"


def connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def latency_summary(ms: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(sum(ms) / len(ms), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
    }


def machine(conn=None) -> dict:
    info = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout.splitlines():
            if line.startswith("Model name:"):
                info["cpu"] = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    if conn is not None:
        info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        info["pg_shared_buffers"] = conn.execute("SHOW shared_buffers").fetchone()[0]
    return info


def data_sizes(conn) -> dict:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM dispatch_engineer), (SELECT count(*) FROM dispatch_booking),"
        " pg_size_pretty(pg_database_size(current_database()))"
    ).fetchone()
    return {"engineers": row[0], "bookings": row[1], "database_size": row[2]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn presales.wsgi on the bench database, production-like settings (DEBUG=0)."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 2,
        threads: int = 1,
        port: int = 0,
        worker_class: str | None = None,
        redis_db: int = REDIS_DB,
        extra_env: dict | None = None,
    ):
        self.port = port or free_port()
        self.workers, self.threads = workers, threads
        self.worker_class = worker_class or ("gthread" if threads > 1 else "sync")
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            DEBUG="0",
            SECRET_KEY="bench-secret-key-not-for-production-0123456789",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            SECURE_COOKIES="0",
            SECURE_HSTS_SECONDS="0",
            # Production-like: cache (throttles) and Celery broker on Redis; no worker consumes
            # the queue during the run, so notifications are queued, not sent.
            REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
            CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{redis_db}",
            API_THROTTLE_AUTH="1000/min",
            DB_CONN_MAX_AGE="600",
            LOG_LEVEL="WARNING",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(extra_env or {})
        self.env = env
        self.redis_db = redis_db
        self.proc = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"gunicorn-{self.port}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> dict:
        return {
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": self.worker_class,
        }

    def start(self) -> Server:
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "presales.wsgi",
            "-w",
            str(self.workers),
            "-k",
            self.worker_class,
            "--threads",
            str(self.threads),
            "-b",
            f"127.0.0.1:{self.port}",
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status < 500:
                    # Every worker imports Django lazily: touch them all.
                    time.sleep(1.0)
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.log.close()
            # The bench's own Redis database: throttle counters and the notification messages
            # queued during the run (no Celery worker consumes them) are discarded.
            try:
                import redis

                redis.Redis(host="127.0.0.1", port=6379, db=self.redis_db).flushdb()
            except Exception as error:
                print(f"could not clear Redis db {self.redis_db}: {error}", file=sys.stderr)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Client:
    """One keep-alive HTTP/1.1 connection; JSON in and out."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 60, cookie: str | None = None):
        from urllib.parse import urlparse

        parsed = urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.token, self.timeout, self.cookie = token, timeout, cookie
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(
        self, method: str, path: str, body=None, token: str | None = None, cookie: str | None = None
    ) -> tuple[int, object]:
        """(status, parsed JSON or the first 500 characters of any other body). With a session
        ``cookie`` instead of a token it reads pages as a signed-in browser would."""
        headers = {"Accept": "application/json", "Connection": "keep-alive"}
        token = token or self.token
        cookie = cookie or self.cookie
        if token:
            headers["Authorization"] = f"Token {token}"
        if cookie:
            headers["Accept"] = "text/html"
            headers["Cookie"] = cookie
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                break
            except (
                http.client.RemoteDisconnected,
                ConnectionResetError,
                BrokenPipeError,
                http.client.CannotSendRequest,
            ):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data[:500].decode(errors="replace")
        return response.status, parsed

    def close(self):
        if self.conn:
            self.conn.close()


def api_token(base: str, username: str, password: str = PASSWORD) -> str:
    status, body = Client(base).request("POST", "/api/v1/auth/token/", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"token for {username}: {status} {body}")
    return body["token"]


def session_cookie(base: str, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form (CSRF cookie and token, as a browser does); the session's
    Cookie header for page requests."""
    import re
    from http.cookies import SimpleCookie
    from urllib.parse import urlencode, urlparse

    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    html = response.read().decode()
    cookies = SimpleCookie()
    cookies.load(response.getheader("Set-Cookie", ""))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookies['csrftoken'].value}",
        "Referer": f"{base}/accounts/login/",
    }
    conn.request("POST", "/accounts/login/", body=form, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            cookies.load(value)
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"sign-in of {username}: {response.status}")
    return f"sessionid={cookies['sessionid'].value}"


def django_in_process(database_url: str, *, settings: str = "presales.settings", **extra: str) -> None:
    """Set up Django in this process against the benchmark database, as production runs it
    (DEBUG off, Redis db REDIS_DB for cache and broker, quiet logs), for the in-process benchmarks."""
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="bench",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        LOG_LEVEL="WARNING",
        **extra,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _proc_cpu() -> dict[int, tuple[str, int, float]]:
    """pid → (kind, pgid, cpu seconds) for gunicorn/bench-DB postgres processes."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        pgid, cpu = int(fields[2]), (int(fields[11]) + int(fields[12])) / tick
        out[int(entry)] = (cmd, pgid, cpu)
    return out


def _machine_cpu() -> tuple[float, float]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / tick, sum(values) / tick


class CpuMeter:
    """CPU seconds used during a run by: the gunicorn server, PostgreSQL backends of the bench
    database, this client process (with its children that ended, such as pgbench), and the whole
    machine (others' test suites included).

    A process that ends before ``stop`` takes its CPU time with it, so the meter also samples
    every ``poll_s`` seconds and keeps the last figure seen of each process: pgbench's backends
    live only as long as its run."""

    def __init__(self, server_pgid: int | None, dbname: str, poll_s: float = 0.25):
        self.server_pgid, self.dbname, self.poll_s = server_pgid, dbname, poll_s
        self._done = threading.Event()

    def _sample(self):
        procs = _proc_cpu()
        server = {pid: cpu for pid, (cmd, pgid, cpu) in procs.items() if self.server_pgid and pgid == self.server_pgid}
        pg = {
            pid: cpu
            for pid, (cmd, pgid, cpu) in procs.items()
            if cmd.startswith("postgres: ") and f" {self.dbname} " in cmd
        }
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return server, pg, own, _machine_cpu(), time.perf_counter()

    def _watch(self):
        while not self._done.wait(self.poll_s):
            server, pg, *_ = self._sample()
            self.seen[0].update(server)
            self.seen[1].update(pg)

    def start(self):
        self.before = self._sample()
        self.seen = ({**self.before[0]}, {**self.before[1]})
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._done.set()
        self._thread.join()
        after = self._sample()
        self.seen[0].update(after[0])
        self.seen[1].update(after[1])

        def delta(a, b):
            return sum(cpu - a.get(pid, 0.0) for pid, cpu in b.items())

        wall = after[4] - self.before[4]
        busy = after[3][0] - self.before[3][0]
        return {
            "wall_s": round(wall, 2),
            "server_cpu_s": round(delta(self.before[0], self.seen[0]), 2),
            "postgres_cpu_s": round(delta(self.before[1], self.seen[1]), 2),
            "client_cpu_s": round(after[2] - self.before[2], 2),
            "machine_busy_cpu_s": round(busy, 2),
            "machine_cores_busy": round(busy / wall, 2) if wall else None,
        }


def cpu_per_request(cpu: dict, requests: int) -> dict:
    """CPU milliseconds per request, and the throughput the 2 cores would give if the server,
    PostgreSQL and the client had them to themselves (others' test suites excluded)."""
    if not requests:
        return {}
    own = cpu["server_cpu_s"] + cpu["postgres_cpu_s"] + cpu["client_cpu_s"]
    return {
        "server_cpu_ms_per_request": round(cpu["server_cpu_s"] * 1000 / requests, 1),
        "postgres_cpu_ms_per_request": round(cpu["postgres_cpu_s"] * 1000 / requests, 1),
        "client_cpu_ms_per_request": round(cpu["client_cpu_s"] * 1000 / requests, 1),
        "cpu_bound_requests_per_s_on_idle_machine": round((os.cpu_count() or 1) * requests / own, 1) if own else None,
    }
