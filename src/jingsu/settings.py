"""Django settings for jingsu.

Embedded by default (SQLite under ./var, tasks inline); distributed when configured through the environment:
DATABASE_URL (PostgreSQL via psycopg 3), CELERY_BROKER_URL (RabbitMQ or Redis), REDIS_URL (shared rate limits).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("JINGSU_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("JINGSU_DEBUG", "") == "1"
# Production sets JINGSU_SECRET_KEY. The development value below is public: with DEBUG off the web application
# refuses to start with it (jingsu.core.checks, docs/security.md).
DEV_SECRET_KEY = "jingsu-dev-only-not-secret"
SECRET_KEY = os.environ.get("JINGSU_SECRET_KEY") or DEV_SECRET_KEY
ALLOWED_HOSTS = [h for h in os.environ.get("JINGSU_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "jingsu.core",
    "jingsu.taxpayers",
    "jingsu.levies",
    "jingsu.payments",
    "jingsu.notices",
    "jingsu.delivery",
    "jingsu.portal",
    "jingsu.assistance",
    "jingsu.rewards",
    "jingsu.enforcement",
    "jingsu.staff",
    "jingsu.ops",  # the entry points: management commands and the demo
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files under gunicorn and `jingsu serve`
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # the console's login and messages: not run for the citizen portal (/n/…), which uses neither
    "jingsu.core.middleware.Authentication",  # django.contrib.auth's AuthenticationMiddleware
    "jingsu.core.middleware.Messages",  # django.contrib.messages' MessageMiddleware
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "jingsu.urls"
WSGI_APPLICATION = "jingsu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'jingsu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_sqlite, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer holds the lock; the timeout covers concurrent workers.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file, not memory, so that a real Celery worker in another process sees the same database; one
    # file per test run, so that runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-jingsu-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "ko-kr"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production: JINGSU_STATIC_ROOT=/srv/jingsu/static jingsu collectstatic. Without collected files whitenoise serves
# straight from the finders (WHITENOISE_USE_FINDERS), so `jingsu serve` needs no collectstatic.
_static_root = os.environ.get("JINGSU_STATIC_ROOT") or VAR_DIR / "static"
STATIC_ROOT = _static_root if os.environ.get("JINGSU_STATIC_ROOT") or Path(_static_root).is_dir() else None
# KRDS (Korea design system, npm package krds-uiux) is installed by `npm ci` (make setup) into ./node_modules and
# served as /static/krds/ (css/, fonts/ with Pretendard GOV, img/, js/).
KRDS_DIR = Path(os.environ.get("JINGSU_KRDS_DIR", BASE_DIR.parent.parent / "node_modules" / "krds-uiux" / "resources"))
STATICFILES_DIRS = [("krds", KRDS_DIR)] if KRDS_DIR.is_dir() else []
WHITENOISE_USE_FINDERS = True  # serve straight from the app and KRDS directories when collectstatic was not run

# --- staff console: login, sessions, headers (docs/staff-console.md) -------------------------------------------
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out credentials before any password check
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (django-axes): 5 failures → 15 minutes, counted separately by username and by client address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "jingsu.core.http.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
JINGSU_TRUSTED_PROXY_COUNT = int(os.environ.get("JINGSU_TRUSTED_PROXY_COUNT", "0"))
# Account set-up links (docs/security.md "Accounts and maker-checker"): a new account or a reset gets a one-time link
# with which the owner sets their own password; it expires after this many hours.
JINGSU_ACCOUNT_SETUP_HOURS = int(os.environ.get("JINGSU_ACCOUNT_SETUP_HOURS", "24"))
# The rules a password chosen on such a link must pass (Django's validators; Korean messages via LANGUAGE_CODE).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions: idle 15 minutes (every request renews), and gone when the browser closes.
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Behind HTTPS (production) set JINGSU_HTTPS=1: secure cookies, HSTS, redirect to https.
_HTTPS = os.environ.get("JINGSU_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = _HTTPS
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS and JINGSU_TRUSTED_PROXY_COUNT else None
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only this origin; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- personal data protection ------------------------------------------------------------------------------------
# Fernet keys (urlsafe base64, 32 bytes) for registration numbers at rest, comma-separated: the first encrypts, all
# decrypt (key rotation). A separate key keys the lookup hash. Development defaults are derived from a file in
# ./var created on first use; production must set both variables.
JINGSU_PII_KEYS = os.environ.get("JINGSU_PII_KEYS", "")
JINGSU_LOOKUP_KEY = os.environ.get("JINGSU_LOOKUP_KEY", "")
# CI (연계정보) is encrypted with the same Fernet keys; its lookup hash has its own key (urlsafe base64, 32 bytes), so
# a leaked registration-number hash key does not also link CI values (정보통신망법 제23조의6: kept apart).
JINGSU_CI_LOOKUP_KEY = os.environ.get("JINGSU_CI_LOOKUP_KEY", "")

# --- background work ---------------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Queues by kind of work, so that a long roll import or campaign build never holds up sending or the bank feed: run
# workers per queue on as many machines as needed (`jingsu worker -Q delivery`, deploy/systemd/jingsu-worker@.service).
# `jingsu worker` without -Q consumes all of them. Callbacks (receipts, 간편결제 notices) are answered in the web
# process itself and need no queue.
CELERY_QUEUES_ALL = ("delivery", "payments", "documents", "imports")
CELERY_TASK_DEFAULT_QUEUE = "delivery"
CELERY_TASK_ROUTES = {
    "jingsu.delivery.print_batch": {"queue": "documents"},
    "jingsu.delivery.*": {"queue": "delivery"},
    "jingsu.payments.*": {"queue": "payments"},
    "jingsu.assistance.*": {"queue": "payments"},
    "jingsu.notices.*": {"queue": "documents"},
    "jingsu.staff.*": {"queue": "imports"},
}
# `jingsu beat` (one per deployment, jingsu.ops.beat) queues the delivery cycle for the workers on this schedule.
CELERY_BEAT_SCHEDULE = {
    "start-scheduled": {"task": "jingsu.delivery.start_scheduled", "schedule": 30.0},
    "send-queued": {"task": "jingsu.delivery.send_queued", "schedule": 10.0},
    "poll-statuses": {"task": "jingsu.delivery.poll_statuses", "schedule": 60.0},
    "fallback-due": {"task": "jingsu.delivery.fallback_due", "schedule": 300.0},
    "sweep-stuck": {"task": "jingsu.delivery.sweep_stuck", "schedule": 300.0},
    "read-bank-feed": {"task": "jingsu.payments.read_bank_feed", "schedule": 60.0},
    "print-batch": {"task": "jingsu.delivery.print_batch", "schedule": 3600.0},
    "complete-finished": {"task": "jingsu.delivery.complete_finished", "schedule": 300.0},
    "sweep-roll-uploads": {"task": "jingsu.staff.sweep_roll_uploads", "schedule": 300.0},
    "installments": {"task": "jingsu.assistance.run_cycle", "schedule": 600.0},
    "sweep-payment-uploads": {"task": "jingsu.staff.sweep_payment_uploads", "schedule": 300.0},
    "flush-access-log": {"task": "jingsu.portal.flush_access_log", "schedule": 5.0},
}
# JINGSU_BEAT_INTERVALS="read-bank-feed=30,poll-statuses=120": another interval (seconds) for named entries above,
# e.g. to read the bank feed more often; a name that is not in the schedule stops the process at start-up.
for _name, _, _seconds in (item.partition("=") for item in os.environ.get("JINGSU_BEAT_INTERVALS", "").split(",")):
    if not _name.strip():
        continue
    try:
        _interval = float(_seconds)
    except ValueError:
        _interval = 0.0
    if _name.strip() not in CELERY_BEAT_SCHEDULE or not _interval > 0:
        raise ImproperlyConfigured(
            f"JINGSU_BEAT_INTERVALS: '{_name.strip()}={_seconds}' — 이름=초 형식으로, 이름은 "
            f"{', '.join(CELERY_BEAT_SCHEDULE)} 가운데 하나, 초는 0보다 큰 수여야 합니다.")
    CELERY_BEAT_SCHEDULE[_name.strip()]["schedule"] = _interval
# A tick still waiting in the queue when the next one is due is dropped (the next does the same work): a backlog of
# identical ticks never builds up behind a long task or a broker outage.
for _entry in CELERY_BEAT_SCHEDULE.values():
    _entry["options"] = {"expires": _entry["schedule"]}
# An attempt left `sending` this long (seconds) is taken for a dead worker's and queued again with the same key
# (delivery.services.sweep_stuck, the beat's `sweep-stuck`); the provider de-duplicates on the key.
JINGSU_STUCK_AFTER = float(os.environ.get("JINGSU_STUCK_AFTER", "600"))

REDIS_URL = os.environ.get("REDIS_URL", "")
# With Redis: one cache for every process (portal rate limits) and sessions kept there instead of in the database
# (a session is read and renewed on every request). Without it: the process's own memory and database sessions.
# `documents`: rendered reward PDFs by the hash of their content (rewards.documents.pdf), kept a day at most — in the
# process's memory (64 at most) without Redis, beside the sessions in Redis with it; never in files under var/.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "documents": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "documents",
                  "TIMEOUT": 86_400, "OPTIONS": {"MAX_ENTRIES": 64}},
}
if REDIS_URL:
    CACHES = {
        # Django's RedisCache keeping one client per pool (jingsu.core.cache)
        "default": {"BACKEND": "jingsu.core.cache.RedisCache", "LOCATION": REDIS_URL},
        "documents": {"BACKEND": "jingsu.core.cache.RedisCache", "LOCATION": REDIS_URL,
                      "KEY_PREFIX": "documents", "TIMEOUT": 86_400},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# High-volume audit rows (the portal's page views) go through a Redis list and are moved into the audit log in order,
# in batches (jingsu.core.auditbuffer); empty: written at once. Defaults to REDIS_URL.
JINGSU_AUDIT_BUFFER_URL = os.environ.get("JINGSU_AUDIT_BUFFER_URL", REDIS_URL)
# Citizen portal: verification requests allowed per client address per 10 minutes.
JINGSU_PORTAL_RATE_LIMIT = int(os.environ.get("JINGSU_PORTAL_RATE_LIMIT", "20"))

# --- outside systems ---------------------------------------------------------------------------------------------
# Base URL of the providers; the demo points it at a simulator it starts itself.
JINGSU_PROVIDER_URL = os.environ.get("JINGSU_PROVIDER_URL", "")
JINGSU_PROVIDER_TIMEOUT = float(os.environ.get("JINGSU_PROVIDER_TIMEOUT", "10"))  # seconds per try
# Client-side request rates per provider, e.g. "kakao=1,kt=5" (requests/s; one Kakao bulk request carries up to 100
# documents, so kakao=1 keeps to Kakao's 100 documents/s). Shared by every process through Redis when REDIS_URL is set.
JINGSU_PROVIDER_RATE_LIMITS = {
    name.strip(): float(rate)
    for name, _, rate in (item.partition("=") for item in os.environ.get("JINGSU_PROVIDER_RATE_LIMITS", "").split(","))
    if name.strip() and rate
}
# The deployment's contracts with the intermediaries: what every office without a contract of its own sends under
# (an office's own is set with `jingsu office contract`, kept in the database with its secrets encrypted;
# jingsu.delivery.contracts). Kakao: the contract's UUID (the Contract-Uuid header). KT: the OAuth client, the service
# code and key BizCenter issued, and the 5-character 문서코드 that KT maps to the 발신번호 — all five or none. Unset:
# the simulator's values (a trial against `jingsu simulator`).
JINGSU_KAKAO_CONTRACT_UUID = os.environ.get("JINGSU_KAKAO_CONTRACT_UUID", "")
JINGSU_KT_CLIENT_ID = os.environ.get("JINGSU_KT_CLIENT_ID", "")
JINGSU_KT_CLIENT_SECRET = os.environ.get("JINGSU_KT_CLIENT_SECRET", "")
JINGSU_KT_SERVICE_CD = os.environ.get("JINGSU_KT_SERVICE_CD", "")
JINGSU_KT_SERVICE_KEY = os.environ.get("JINGSU_KT_SERVICE_KEY", "")
JINGSU_KT_MSG_CD = os.environ.get("JINGSU_KT_MSG_CD", "")
JINGSU_PORTAL_URL = os.environ.get("JINGSU_PORTAL_URL", "http://127.0.0.1:8000")
# HMAC secrets shared with KT for result callbacks (POST /callbacks/kt) and with the payment gateway for 간편결제
# notices (POST /callbacks/pg). No default: without one every callback is refused, and with DEBUG off the web
# application does not start (nor with the simulator's published secrets). `jingsu serve` and the demo generate
# their own and give the same ones to the simulator they start; docs/security.md.
JINGSU_KT_CALLBACK_SECRET = os.environ.get("JINGSU_KT_CALLBACK_SECRET", "")
# The address KT posts its result callbacks to (this deployment's POST /callbacks/kt as the internet sees it, e.g.
# https://jingsu.jungnang.go.kr/callbacks/kt), registered with KT on the first send. Empty: no callbacks are asked
# for, and results come by polling only (the beat's `poll-statuses`).
JINGSU_KT_CALLBACK_URL = os.environ.get("JINGSU_KT_CALLBACK_URL", "")
JINGSU_PG_SECRET = os.environ.get("JINGSU_PG_SECRET", "")
# Callback record times (read, delivered, approved) may be this many seconds ahead of our clock (clock skew);
# further ahead, or before the send, the callback is refused.
JINGSU_CALLBACK_CLOCK_SKEW = float(os.environ.get("JINGSU_CALLBACK_CLOCK_SKEW", "120"))
# Largest roll file the staff console accepts (MB); the reverse proxy should allow at least this request size.
JINGSU_ROLL_UPLOAD_MAX_MB = int(os.environ.get("JINGSU_ROLL_UPLOAD_MAX_MB", "300"))
# Largest bank/수납 file the console accepts (MB); validated under the roll's limits below.
JINGSU_PAYMENT_UPLOAD_MAX_MB = int(os.environ.get("JINGSU_PAYMENT_UPLOAD_MAX_MB", "100"))
# Hostile roll files (docs/security.md): validation runs in a child process with these limits (seconds of wall and
# CPU time, MB of memory above what the child inherits); an XLSX may unpack to no more than these sizes and ratio.
JINGSU_ROLL_VALIDATE_SECONDS = float(os.environ.get("JINGSU_ROLL_VALIDATE_SECONDS", "1800"))
JINGSU_ROLL_VALIDATE_CPU_SECONDS = int(os.environ.get("JINGSU_ROLL_VALIDATE_CPU_SECONDS", "1800"))
JINGSU_ROLL_VALIDATE_MEMORY_MB = int(os.environ.get("JINGSU_ROLL_VALIDATE_MEMORY_MB", "2048"))
JINGSU_XLSX_MAX_PART_MB = int(os.environ.get("JINGSU_XLSX_MAX_PART_MB", "1024"))
JINGSU_XLSX_MAX_TOTAL_MB = int(os.environ.get("JINGSU_XLSX_MAX_TOTAL_MB", "4096"))
JINGSU_XLSX_MAX_RATIO = int(os.environ.get("JINGSU_XLSX_MAX_RATIO", "100"))
# An import claimed longer ago than this is taken for dead by the sweeper (its upload fails, its file is deleted);
# an import's PostgreSQL session is ended after this long idle inside its transaction.
JINGSU_ROLL_IMPORT_STUCK_SECONDS = int(os.environ.get("JINGSU_ROLL_IMPORT_STUCK_SECONDS", str(4 * 3600)))
JINGSU_IMPORT_IDLE_SECONDS = int(os.environ.get("JINGSU_IMPORT_IDLE_SECONDS", "600"))
# The new-campaign screen's live count builds the campaign and rolls it back (exact) up to this many selected levies
# (about 4 s at the measured build speed); above it, it shows quick SQL figures marked as estimates.
JINGSU_CAMPAIGN_PREVIEW_LIMIT = int(os.environ.get("JINGSU_CAMPAIGN_PREVIEW_LIMIT", "20000"))

# JINGSU_LOG_FORMAT=json: one JSON object per line (production, docs/operations.md "Logs"); plain text otherwise.
_LOG_FORMAT = "json" if os.environ.get("JINGSU_LOG_FORMAT", "") == "json" else "plain"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "json": {"()": "jingsu.core.logredact.JsonFormatter"}},
    # portal and intermediary tokens, registration numbers, mobile numbers and CI never reach a log
    # (jingsu.core.logredact; gunicorn's access log: `jingsu serve` and deploy/systemd/jingsu-web.service)
    "filters": {"redact_tokens": {"()": "jingsu.core.logredact.RedactTokensFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": _LOG_FORMAT, "filters": ["redact_tokens"]},
        "requests": {"class": "logging.StreamHandler", "formatter": _LOG_FORMAT, "filters": ["redact_tokens"]},
    },
    # every logger's output goes through the one redacting handler on the root: jingsu's at JINGSU_LOG_LEVEL, the
    # libraries' (Celery, httpx, psycopg, …) at WARNING
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "jingsu": {"level": os.environ.get("JINGSU_LOG_LEVEL", "WARNING")},
        # "Not Found: /n/<token>" and runserver's request lines, redacted instead of Django's default handlers
        "django.request": {"handlers": ["requests"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
}
