"""Settings for the test suite: the environment's settings, minus HTTPS-only behaviour."""

import os
from urllib.parse import urlsplit, urlunsplit

# The test client and the browser tests talk plain HTTP to a local server.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")


def _per_xdist_worker() -> None:
    """Under pytest-xdist each worker gets its own Redis databases and var directory: tests
    clear the cache and read files there, which another worker must not see. (pytest-django
    already gives each worker its own test database.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    # A Celery worker or server a test starts inherits the environment already adjusted.
    if not worker.startswith("gw") or os.environ.get("PRESALES_TEST_WORKER") == worker:
        return
    os.environ["PRESALES_TEST_WORKER"] = worker
    number = int(worker.removeprefix("gw"))
    # Worker n: cache 2 + 2n, broker 3 + 2n, whatever the databases given (two runs' offsets from
    # them could meet: one worker's cache.clear() would flush another's broker). 16 databases
    # serve seven workers.
    for name, db in (("REDIS_URL", 2 + 2 * number), ("TEST_BROKER_URL", 3 + 2 * number)):
        if url := os.environ.get(name):
            os.environ[name] = urlunsplit(urlsplit(url)._replace(path=f"/{db}"))
    if os.environ.get("PRESALES_VAR_DIR"):
        os.environ["PRESALES_VAR_DIR"] = os.path.join(os.environ["PRESALES_VAR_DIR"], worker)


_per_xdist_worker()

from presales.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# A test that runs a Celery worker in another process reads its mail from files.
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH", "")
# WhiteNoise serves from STATIC_ROOT when DEBUG is off; tests use the finders instead.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Tests of other apps should not pay for a monitoring recompute after every booking; the
# monitoring tests switch it on where they test it.
MONITORING_RECOMPUTE_ON_EVENTS = False
