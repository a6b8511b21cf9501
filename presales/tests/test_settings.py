"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROBE = """
import json
import presales.settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG, "SECRET_KEY": s.SECRET_KEY, "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]), "HOST": db.get("HOST"), "OPTIONS": db.get("OPTIONS", {}),
    "EAGER": s.CELERY_TASK_ALWAYS_EAGER, "BROKER": s.CELERY_BROKER_URL, "TIME_ZONE": s.TIME_ZONE,
    "USE_TZ": s.USE_TZ, "LANGUAGES": [code for code, _ in s.LANGUAGES], "SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "CACHE": s.CACHES["default"]["BACKEND"],
}))
"""


def _clean_env(tmp_path, **overrides):
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "PYTHONPATH"}}
    env["PRESALES_VAR_DIR"] = str(tmp_path)
    env.update(overrides)
    return env


def read_settings(tmp_path, **env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_clean_env(tmp_path, **env), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_wal_immediate_with_in_process_tasks(tmp_path):
    s = read_settings(tmp_path)
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(tmp_path / "db.sqlite3")
    assert s["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in s["OPTIONS"]["init_command"]
    assert s["EAGER"] is True
    assert s["DEBUG"] is False
    assert s["TIME_ZONE"] == "Asia/Shanghai" and s["USE_TZ"] is True
    assert s["LANGUAGES"] == ["zh-hans", "en"]


def test_generated_secret_key_is_kept_per_installation(tmp_path):
    first = read_settings(tmp_path)["SECRET_KEY"]
    assert len(first) >= 50
    assert read_settings(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_broker_and_hosts_from_the_environment(tmp_path):
    s = read_settings(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.internal:5433/presales",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        REDIS_URL="redis://cache.internal:6379/2",
        SECRET_KEY="from-the-environment",
        ALLOWED_HOSTS="presales.example.com, api.example.com",
        DEBUG="1",
    )
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert (s["HOST"], s["NAME"]) == ("db.internal", "presales")
    assert s["BROKER"] == "redis://cache.internal:6379/0"
    assert s["EAGER"] is False
    assert s["SECRET_KEY"] == "from-the-environment"
    assert s["ALLOWED_HOSTS"] == ["presales.example.com", "api.example.com"]
    assert s["DEBUG"] is True
    assert s["SSL_REDIRECT"] is False
    assert s["CACHE"].endswith("RedisCache")


def test_a_malformed_boolean_is_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_clean_env(tmp_path, DEBUG="maybe"), capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def production_env(tmp_path, **overrides):
    return _clean_env(
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="presales.example.com",
        CSRF_TRUSTED_ORIGINS="https://presales.example.com",
        DATABASE_URL="postgres://presales:secret@db.internal:5432/presales",
        REDIS_URL="redis://cache.internal:6379/1",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        BEHIND_PROXY="1",
        DJANGO_SETTINGS_MODULE="presales.settings",
        **overrides,
    )


HEADERS_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# collectstatic's manifest is not there: the page links its files without hashed names.
storages = settings.STORAGES | {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/accounts/login/", HTTP_HOST="presales.example.com", HTTP_X_FORWARDED_PROTO="https")
cookies = response.cookies.output()
print(json.dumps({"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}))
"""


def test_production_responses_carry_the_security_headers(tmp_path):
    # The sign-in page needs no database; the one in DATABASE_URL is never reached.
    result = subprocess.run(
        [sys.executable, "-c", HEADERS_PROBE], cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    headers = response["headers"]
    assert response["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "csrftoken=" in response["cookies"] and "Secure" in response["cookies"]


def test_production_redirects_plain_http_to_https(tmp_path):
    probe = HEADERS_PROBE.replace(', HTTP_X_FORWARDED_PROTO="https"', "")
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["status"] == 301
    assert response["headers"]["Location"] == "https://presales.example.com/accounts/login/"


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_the_test_run_uses_the_database_it_was_given():
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
