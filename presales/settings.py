"""Settings for Presales Dispatch, read from the environment.

The embedded default (no environment at all) is a SQLite file under ``var/`` with
tasks run in-process; production sets ``DATABASE_URL``, ``CELERY_BROKER_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG=0``. See README.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PRESALES_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    """A per-installation key kept in var/, so the embedded default needs no setup.

    Production sets SECRET_KEY explicitly; a generated key is never committed.
    """
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Apps in dependency order: presales <- budgeting <- dispatch <- grabbing; monitoring reads all.
    "presales",
    "budgeting",
    "dispatch",
    "grabbing",
    "monitoring",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees what a view raised: body size under /api/, lock and statement timeouts.
    "presales.core.middleware.LimitsMiddleware",
]

ROOT_URLCONF = "presales.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "presales.context_processors.navigation",
                "presales.context_processors.typed",
            ],
        },
    },
]

WSGI_APPLICATION = "presales.wsgi.application"

# --- Database -----------------------------------------------------------------------------
# SQLite runs in WAL mode with IMMEDIATE transactions: every atomic block takes the write
# lock up front, so the same service code that locks rows on PostgreSQL stays race-free.
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL statement timeouts in milliseconds (0 = none): web requests, Celery workers, and
# management commands (migrations and operators' one-off commands are watched by a person).
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "5000"))
DB_WORKER_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_WORKER_STATEMENT_TIMEOUT_MS", "300000"))
DB_COMMAND_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_COMMAND_STATEMENT_TIMEOUT_MS", "0"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file (not :memory:) so that subprocesses in tests (a Celery worker) see the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # Fail fast instead of queueing forever behind a stuck lock; services map it to 409.
    # JIT off: on the search's queries PostgreSQL spent more time compiling than running them
    # (bench/README.md, search finding 2); OLTP queries here never gain from it.
    # statement_timeout: no query outlives the request that asked for it (a gunicorn worker is
    # killed at 120 s, but PostgreSQL would keep running its query); a cancelled statement is a
    # 503 busy (presales/core/db.py). Celery workers and management commands set their own at start.
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c lock_timeout=5000 -c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c jit=off"
    )
    if os.environ.get("TEST_DATABASE_NAME"):  # parallel test runs on one server need their own
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# Request bodies: at most 1 MB (the API answers a bigger one 413 too_large, presales/core/errors.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "presales.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Absolute links in emails and calendar feeds.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Cache (throttling, idempotency) --------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# What the cache holds is advisory (throttle counters, the recompute's debounce and lock;
# idempotency keys live in the database), so a Redis outage logs an error and the requests
# go on (presales/core/cache.py); short timeouts keep each request from stalling on it.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
# An ignored error is still logged, under the cache module's name.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "presales.core.cache"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "presales.core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: the embedded default runs every task in-process, eagerly.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits stay well below the broker's visibility timeout, so a task that is still
# running is never handed to a second worker.
# A task whose worker died unacknowledged is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))}
if os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL"):  # how often workers look for such tasks
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_restore_interval": int(os.environ["CELERY_UNACKED_RESTORE_INTERVAL"]),
        "unacked_restore_throttle": 1,
    }
# Tasks are published from an outbox (presales/core/outbox.py): a publish that fails leaves the
# call for the drain, so fail fast (one short retry) instead of stalling the request.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = REDIS_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The beat schedule lives in code; run exactly one beat process.
CELERY_BEAT_SCHEDULE = {
    "open-budgets": {"task": "budgeting.open_budgets", "schedule": crontab(hour=0, minute=10)},
    "recompute-cells": {"task": "monitoring.recompute_cells", "schedule": crontab(minute="*/5")},
    # Orders expire at their start; a minute late is fine, the task is idempotent.
    "expire-grab-orders": {"task": "grabbing.expire_grab_orders", "schedule": crontab(minute="*")},
    # Publishes the task calls the broker refused while it was down (presales/core/outbox.py).
    "drain-outbox": {"task": "presales.drain_outbox", "schedule": crontab(minute="*")},
    # Idempotency-Key records are replayed for 24 hours; hourly keeps them at most 25 h old.
    "prune-idempotency-records": {"task": "presales.prune_idempotency_records", "schedule": crontab(minute=40)},
}
# Real-time control: recompute shortly after bookings, completions and ratings change.
MONITORING_RECOMPUTE_ON_EVENTS = os.environ.get("MONITORING_RECOMPUTE_ON_EVENTS", "1") == "1"
MONITORING_RECOMPUTE_DEBOUNCE_SECONDS = int(os.environ.get("MONITORING_RECOMPUTE_DEBOUNCE_SECONDS", "30"))

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes unauthenticated requests a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in and out (the contract): a form or multipart body is a 415, not a half-read request.
    # DRF's parser, also refusing 1e400 (infinity) and bodies nested too deep (a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": ["presales.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "presales.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "presales.api.throttling.AnonThrottle",
        "presales.api.throttling.UserThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "presales.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "presales.core.errors.exception_handler",
    "DATETIME_INPUT_FORMATS": ["iso-8601"],
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles count per client address. Without this DRF takes X-Forwarded-For as sent, so
    # a client could pick a new address per request; behind our one proxy, take the address
    # that proxy appended, else the socket's.
    "NUM_PROXIES": 1 if env_bool("BEHIND_PROXY", False) else 0,
}
# Read on every request (not at import), so operators and tests can change them.
API_THROTTLE_RATES = {
    "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
    "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
    "auth": os.environ.get("API_THROTTLE_AUTH", "10/min"),
}
# Password guessing (presales/core/signin.py): this many failed sign-ins per username and per
# client address within the window refuse further sign-ins until the window ends.
SIGNIN_FAILURE_LIMIT = int(os.environ.get("SIGNIN_FAILURE_LIMIT", "5"))
SIGNIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("SIGNIN_FAILURE_WINDOW_SECONDS", "900"))

SPECTACULAR_SETTINGS = {
    "TITLE": "Presales Dispatch API",
    "DESCRIPTION": "派单到兵 · 用户付薪 · 全程可视 · 实时管控 · 服务抢单 — REST API v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerTierEnum": "presales.choices.CustomerTier",
        "ProjectClassEnum": "presales.choices.ProjectClass",
        "PresalesStageEnum": "presales.choices.PresalesStage",
        "BookingStatusEnum": "dispatch.models.BookingStatus",
        "GrabOrderStatusEnum": "grabbing.models.GrabOrderStatus",
        "InvitationStatusEnum": "grabbing.models.InvitationStatus",
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "presales-dispatch@localhost")

# --- Security (production: DEBUG=0) ---------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = not DEBUG and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG and env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"  # Django's default, stated: tested with the others
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
