"""Settings for the test suite: the environment's settings, minus HTTPS-only behaviour."""

import os

# The test client and the browser tests talk plain HTTP to a local server.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

from presales.settings import *  # noqa: F403

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
