"""Settings for sellerdesk, read from environment variables.

DATABASE_URL selects the database (SQLite under var/ by default, PostgreSQL in
production); SECRET_KEY, PORT, TIME_ZONE and LANGUAGE_CODE have development defaults,
which only a development start (SELLERDESK_ENV=development, `make run`) may serve with
(docs/deploy.md).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SELLERDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)


def _flag(name: str, default: bool) -> bool:
    """An on/off setting from the environment: 1, true, yes, on (any case) are on; unset or
    empty keeps `default`; anything else is off."""
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Development or production (issue 17 A1; docs/deploy.md) ---
# `make run` starts with SELLERDESK_ENV=development and the test run with `test`
# (tests/support/environment.py): both keep the development defaults (a public
# SECRET_KEY, the simulated payment gateway and carrier on, plain http). Any other start
# is a production one: `sellerdesk serve` and the WSGI/ASGI applications refuse to start
# while a secret is missing, short or a known default (core/startup.py), the simulated
# gateway and carrier are off unless enabled below, and HTTPS is on.
SELLERDESK_ENV = os.environ.get("SELLERDESK_ENV", "").strip().lower() or "production"
DEVELOPMENT_ENVIRONMENTS = ("development", "test")
IS_PRODUCTION = SELLERDESK_ENV not in DEVELOPMENT_ENVIRONMENTS
# The development defaults: in the source, so known to anyone (core/startup.py refuses them).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
DEVELOPMENT_GATEWAY_SECRET = "simulated-gateway-secret"

DEBUG = os.environ.get("DEBUG", "0") == "1"
# Unset or empty: the development key (Django refuses an empty one before anything could
# say which variable to set); a production start refuses it (core/startup.py).
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", "127.0.0.1,localhost" + ("" if IS_PRODUCTION else ",testserver"))
# The origins (scheme://host) a form may be posted from besides this host, e.g. the
# public https:// address when the reverse proxy changes the Host header.
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")
PORT = int(os.environ.get("PORT", "8000"))

# HTTPS (issue 17 A2): on by default in production, off in development; each from the
# environment. Behind a reverse proxy that ends TLS, SECURE_PROXY_SSL_HEADER names the
# header by which it says the request came over https (e.g. X-Forwarded-Proto); without
# it every request would look like http and be redirected again and again.
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", IS_PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if IS_PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _flag("SECURE_HSTS_PRELOAD", False)
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", IS_PRODUCTION)
CSRF_COOKIE_SECURE = _flag("CSRF_COOKIE_SECURE", IS_PRODUCTION)
# No script reads either cookie (forms and fetches send the token from the page).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))

# The simulated payment gateway and carrier sign with secrets anyone could learn (their
# development defaults are above and in logistics/carriers/simulated.py): off in
# production unless enabled here, and then only with secrets of the installation's own.
SIMULATED_GATEWAY_ENABLED = _flag("SELLERDESK_SIMULATED_GATEWAY", not IS_PRODUCTION)
SIMULATED_CARRIER_ENABLED = _flag("SELLERDESK_SIMULATED_CARRIER", not IS_PRODUCTION)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "sellerdesk.core",
    "sellerdesk.shops",
    "sellerdesk.catalog",
    "sellerdesk.inventory",
    "sellerdesk.customers",
    "sellerdesk.orders",
    "sellerdesk.payments",
    "sellerdesk.allocation",
    "sellerdesk.logistics",
    "sellerdesk.notifications",
    "sellerdesk.purchasing",
    "sellerdesk.ratings",
    "sellerdesk.fulfilment",
    "sellerdesk.aftersales",
    "sellerdesk.reminders",
    "sellerdesk.portal",
    "sellerdesk.service",
    "sellerdesk.crm",
    "sellerdesk.analytics",
    "sellerdesk.marketplaces",
    "sellerdesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sellerdesk.core.staticfiles.StaticFilesMiddleware",  # whitenoise, read in chunks under ASGI
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "sellerdesk.core.limits.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sellerdesk.core.middleware.ApiErrorFormatMiddleware",
    "sellerdesk.core.middleware.DatabaseBusyMiddleware",
]

# What the API under /api/v1/ runs through (see wsgi.py): it needs no session, CSRF,
# messages or static files, and every request it skips them is faster.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "sellerdesk.core.limits.RequestLimitsMiddleware",
    "sellerdesk.core.middleware.ApiErrorFormatMiddleware",
]

ROOT_URLCONF = "sellerdesk.urls"
WSGI_APPLICATION = "sellerdesk.wsgi.application"
ASGI_APPLICATION = "sellerdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sellerdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'sellerdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock
    # at BEGIN so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["ENGINE"] = "sellerdesk.core.sqlite"  # queues writers, see core/sqlite/base.py
    DATABASES["default"]["CONN_MAX_AGE"] = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg binds parameters on the server and prepares statements it sees repeatedly:
    # less parsing in PostgreSQL and less quoting in Python on the hot paths.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True}

# The dashboards may read their fact rows from a read replica (analytics.routers): the
# replica's URL in REPORTS_DATABASE_URL. In tests it mirrors the default database.
if os.environ.get("REPORTS_DATABASE_URL"):
    DATABASES["reports"] = dj_database_url.parse(os.environ["REPORTS_DATABASE_URL"], conn_max_age=600)
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["sellerdesk.analytics.routers.ReportsRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sellerdesk" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "sellerdesk" / "static"]
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a larger request body is refused (413)
# Request bodies and JSON (core.limits.RequestLimitsMiddleware): a body of fields over
# REQUEST_BODY_MAX_BYTES, a file upload over REQUEST_UPLOAD_MAX_BYTES (paths with larger
# files: REQUEST_UPLOAD_PATH_MAX_BYTES and core.limits) is refused with 413 before it is
# read; JSON nested deeper than REQUEST_JSON_MAX_DEPTH levels with 400.
REQUEST_BODY_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
REQUEST_UPLOAD_MAX_BYTES = int(os.environ.get("REQUEST_UPLOAD_MAX_BYTES", str(64 * 1024 * 1024)))
REQUEST_UPLOAD_PATH_MAX_BYTES: dict[str, int | None] = {}
REQUEST_JSON_MAX_DEPTH = 64

# Uploaded files (after-sales evidence) go through Django's storage API: the default is
# the local disk under VAR_DIR; S3-compatible storage is a matter of STORAGES["default"].
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Real time (the service desk's chat, service.realtime): the in-memory channel layer
# delivers within one web process, which is what `sellerdesk serve` runs without Redis;
# with REDIS_URL (production, several web processes) the events go through Redis.
REDIS_URL = os.environ.get("REDIS_URL", "")
CHANNEL_LAYERS: dict[str, Any] = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s timeout by default, as long as the layer's
                # own blocking pop (BZPOPMIN, 5 s): an idle socket's read would time out
                # and end its consumer. Longer than the pop, still finding a dead Redis.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
                # A socket that stopped reading loses its oldest events after this many
                # (it catches up from the database on reconnect), not the server's memory.
                "capacity": 500,
                "expiry": 30,
            },
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 500, "expiry": 30}}}
)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403, 404, 409, 422…) is one line in the log, never a traceback
    # (issue 17 A5): on the request loggers for whoever listens, and on the console.
    "filters": {"client_errors_on_one_line": {"()": "sellerdesk.core.request_log.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors_on_one_line"]}},
    "loggers": {
        "django.request": {"filters": ["client_errors_on_one_line"]},
        "django.security": {"filters": ["client_errors_on_one_line"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Email (notifications' email channel) goes through Django's email backends. By default
# every mail is written as a file under VAR_DIR/mail (the local mail log): nothing is sent
# until EMAIL_BACKEND names the SMTP backend (or another) in the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sellerdesk <noreply@localhost>")

# --- Domain defaults. Each is the default of a per-shop setting (see shops.Shop). ---
SELLERDESK: dict[str, Any] = {
    "CURRENCY": "CNY",
    # Seed 003: an unpaid order closes after 7 days.
    "PAYMENT_WINDOW_DAYS": 7,
    # Seed 003: receipt is confirmed automatically 10 days after shipping by express,
    # 30 days by post.
    "AUTO_CONFIRM_EXPRESS_DAYS": 10,
    "AUTO_CONFIRM_POST_DAYS": 30,
    "MAX_ORDER_LINES": 200,
    "MAX_LINE_QUANTITY": 100_000,
    "MAX_UNIT_PRICE": Decimal("10000000.00"),
    "SWEEP_INTERVAL_SECONDS": int(os.environ.get("SWEEP_INTERVAL_SECONDS", "60")),
    "SWEEP_BATCH_SIZE": 200,
    # Background tasks hold a lease the worker renews while it runs them (core.leases): a
    # task whose lease expired (its worker was killed) is run again, up to MAX_ATTEMPTS
    # runs in all, then failed visibly (issue 17 B).
    "TASKS": {
        "LEASE_SECONDS": float(os.environ.get("TASK_LEASE_SECONDS", "60")),
        "MAX_ATTEMPTS": int(os.environ.get("TASK_MAX_ATTEMPTS", "3")),
    },
    # On SQLite, how long a write waits for the one writer before it answers 503
    # database_busy instead (core/sqlite/base.py).
    "SQLITE_WRITE_LOCK_TIMEOUT_SECONDS": float(os.environ.get("SQLITE_WRITE_LOCK_TIMEOUT_SECONDS", "20")),
    # A carrier booking still unanswered this long after its attempt began (the process
    # died mid-call) is asked again by the worker, with the same idempotency key.
    "CARRIER_BOOKING_RETRY_AFTER_SECONDS": int(os.environ.get("CARRIER_BOOKING_RETRY_AFTER_SECONDS", "120")),
    # How long a web process trusts a checked API token before checking it again.
    "TOKEN_CACHE_SECONDS": float(os.environ.get("TOKEN_CACHE_SECONDS", "5")),
    # How long a web process remembers shops and the default warehouse (core.refcache).
    "REFERENCE_CACHE_SECONDS": float(os.environ.get("REFERENCE_CACHE_SECONDS", "5")),
    "GATEWAY_SECRETS": {
        "simulated": os.environ.get("SIMULATED_GATEWAY_SECRET", DEVELOPMENT_GATEWAY_SECRET),
    },
    # Carriers' tracking webhooks: the HMAC key per carrier code, as JSON in the
    # environment ({"SF": "…", "ZTO": "…"}); a carrier without one uses the simulated
    # carrier's key (SIMULATED_CARRIER_SECRET), which a real deployment must set.
    "CARRIER_WEBHOOK_SECRETS": json.loads(os.environ.get("CARRIER_WEBHOOK_SECRETS", "{}")),
    # After-sales policy defaults (a shop's AfterSalesPolicy row overrides them). Seed 003:
    # 7 days without reason, from delivery; quality problems' return postage is the
    # seller's, a no-reason return's the buyer's.
    "AFTERSALES": {
        "NO_REASON_DAYS": 7,
        "WINDOW_DAYS": {
            "refund_before_shipping": 0,  # 0: until the order ships
            "refund_only": 15,
            "return_refund": 15,
            "exchange": 15,
            "reissue": 15,
            "repair": 90,
            "complaint": 90,
        },
        "RETURN_SHIPPING_PAYER": {
            "no_reason": "buyer",
            "wrong_size": "buyer",
            "no_longer_wanted": "buyer",
            "other": "buyer",
            "not_as_described": "seller",
            "quality": "seller",
            "damaged": "seller",
            "wrong_item": "seller",
            "missing_parts": "seller",
            "not_received": "seller",
            "service": "seller",
        },
        "INSPECTION_REASONS": ["quality", "damaged", "not_as_described", "wrong_item"],
        "MAX_EVIDENCE_BYTES": 20 * 1024 * 1024,
    },
    # The buyer portal shows the sign-in code it recorded on the page: only until SMS is
    # really sent (issue 13); `make run` sets it for the demo, production never does.
    "PORTAL_SHOW_CODES": os.environ.get("PORTAL_SHOW_CODES", "0") == "1",
    # The service desk (客服, issue 14); every key is optional (each module has its default).
    "SERVICE": {
        # The chat archive (seed 000: 聊天记录存档 as evidence in disputes): resolved
        # conversations are kept this long after their last message, then purged.
        "RETENTION_DAYS": int(os.environ.get("SERVICE_RETENTION_DAYS", "730")),
        # Follow-ups (回访): after a resolved after-sale problem, and after a complaint's solution.
        "FOLLOW_UP_HOURS": 48,
        "COMPLAINT_FOLLOW_UP_HOURS": 24,
        # Where buyers reach this installation: the survey's link is built on it.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"),
        # Messages: the longest text accepted, and images (up to 5 a message) up to this size.
        "MAX_MESSAGE_CHARS": 5000,
        "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
        # The marketplace's message push (service.adapters): the adapter ("simulated" ships)
        # and the shared secret its pushes are signed with (none: every push is refused).
        "MARKETPLACE_ADAPTER": os.environ.get("SERVICE_MARKETPLACE_ADAPTER", "simulated"),
        "MARKETPLACE_SECRET": os.environ.get("SERVICE_MARKETPLACE_SECRET", ""),
        "MARKETPLACE_LOG": VAR_DIR / "marketplace.log",
    },
    # The dashboards' daily facts (analytics): the periodic job rebuilds this many days,
    # today included, every 10 minutes; older days by `sellerdesk rebuild-facts --from … --to …`.
    "ANALYTICS": {"REFRESH_DAYS": int(os.environ.get("ANALYTICS_REFRESH_DAYS", "14"))},
    # Marketplace order files and connectors (marketplaces, docs/marketplaces.md).
    "MARKETPLACES": {
        # An export file larger than this is refused before it is read; rows beyond
        # MAX_ROWS, columns beyond MAX_COLUMNS and cells longer than MAX_CELL_CHARS too.
        "MAX_FILE_BYTES": int(os.environ.get("MARKETPLACE_MAX_FILE_BYTES", str(100 * 1024 * 1024))),
        "MAX_ROWS": 200_000,
        "MAX_COLUMNS": 200,
        "MAX_CELL_CHARS": 10_000,
        # Orders written per transaction while an import is committed (progress between).
        "COMMIT_BATCH": 200,
        # A worker holds an import (or a shipment notice) this long; one that died is replaced.
        "LEASE_SECONDS": 120,
        # Pushed order messages are signed with this shared secret (HMAC-SHA256 of the body,
        # hex, X-Sellerdesk-Signature); none set: every push is refused.
        "PUSH_SECRET": os.environ.get("MARKETPLACE_PUSH_SECRET", ""),
        # The simulated marketplace's orders to pull and the shipments it was told of.
        "SIMULATED_DIR": Path(os.environ.get("MARKETPLACE_SIMULATED_DIR", VAR_DIR / "marketplace")),
        # Shipment notices: tried again after BACKOFF_SECONDS · 2^(attempt − 1), dead after MAX_ATTEMPTS.
        "NOTICE_MAX_ATTEMPTS": 6,
        "NOTICE_BACKOFF_SECONDS": 60,
    },
    "SIMULATED_CARRIER": (
        {"secret": os.environ["SIMULATED_CARRIER_SECRET"]} if os.environ.get("SIMULATED_CARRIER_SECRET") else {}
    ),
    # 快递100 (logistics/carriers/kuaidi100.py), for carriers whose adapter is "kuaidi100"
    # (every carrier stays on "simulated" unless changed). Empty by default: the adapter
    # then refuses every call. KEY, SECRET (电子面单) and CUSTOMER (实时查询) come from the
    # enterprise account; SALT signs the pushes (32 characters of our choosing);
    # CALLBACK_BASE_URL is this server's public address, to which 快递100 pushes scans
    # (…/api/v1/carriers/<code>/tracking). ACCOUNTS: the 电子面单 account per carrier code,
    # as JSON ({"ZTO": {"partnerId": "…", "partnerKey": "…", "net": "…"}}); COMPANY_CODES
    # overrides 快递100's company code per carrier code ({"POST": "youzhengguonei"}).
    "KUAIDI100": {
        "KEY": os.environ.get("KUAIDI100_KEY", ""),
        "SECRET": os.environ.get("KUAIDI100_SECRET", ""),
        "CUSTOMER": os.environ.get("KUAIDI100_CUSTOMER", ""),
        "SALT": os.environ.get("KUAIDI100_SALT", ""),
        "CALLBACK_BASE_URL": os.environ.get("KUAIDI100_CALLBACK_BASE_URL", ""),
        "LABEL_URL": os.environ.get("KUAIDI100_LABEL_URL", "https://api.kuaidi100.com/label/order"),
        "QUERY_URL": os.environ.get("KUAIDI100_QUERY_URL", "https://poll.kuaidi100.com/poll/query.do"),
        "SUBSCRIBE_URL": os.environ.get("KUAIDI100_SUBSCRIBE_URL", "https://poll.kuaidi100.com/poll"),
        "ACCOUNTS": json.loads(os.environ.get("KUAIDI100_ACCOUNTS", "{}")),
        "COMPANY_CODES": json.loads(os.environ.get("KUAIDI100_COMPANY_CODES", "{}")),
        "PAY_TYPE": os.environ.get("KUAIDI100_PAY_TYPE", "MONTHLY"),
        "CARGO": os.environ.get("KUAIDI100_CARGO", ""),
        "TIMEOUT_SECONDS": float(os.environ.get("KUAIDI100_TIMEOUT_SECONDS", "10")),
    },
    # Messages (notifications): the outbox and the channels that send them.
    "NOTIFICATIONS": {
        # The outbox (notifications.outbox): a message that failed is tried again after
        # BACKOFF_SECONDS · 2^(attempt − 1), at most BACKOFF_MAX_SECONDS, and is dead (staff may
        # resend it) after MAX_ATTEMPTS attempts. A worker holds the messages it sends for
        # LEASE_SECONDS: a worker that died mid-send leaves them to another after that.
        "MAX_ATTEMPTS": int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "6")),
        "BACKOFF_SECONDS": 60,
        "BACKOFF_MAX_SECONDS": 3600,
        "LEASE_SECONDS": float(os.environ.get("NOTIFICATIONS_LEASE_SECONDS", "60")),
        # How often a worker looks for due messages: retries and those held for the morning (a
        # message written in a request wakes a worker when its transaction commits).
        "SEND_EVERY_SECONDS": float(os.environ.get("NOTIFICATIONS_SEND_EVERY_SECONDS", "5")),
        # Messages a worker claims at once (one short transaction per batch).
        "CLAIM_BATCH": 20,
        # The channels (notifications.channels):
        # "simulated": written to SMS_LOG, nothing leaves the machine; "aliyun": Aliyun SMS.
        "SMS_PROVIDER": os.environ.get("SMS_PROVIDER", "simulated"),
        "SMS_LOG": Path(os.environ.get("SMS_LOG", VAR_DIR / "sms.log")),
        # Tests make the simulated gateway fail: "" (never), "retryable" or "permanent".
        "SMS_SIMULATED_FAILURE": os.environ.get("SMS_SIMULATED_FAILURE", ""),
        "ALIYUN_SMS": {
            "ENDPOINT": os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
            "ACCESS_KEY_ID": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
            "ACCESS_KEY_SECRET": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
            "SIGN_NAME": os.environ.get("ALIYUN_SMS_SIGN_NAME", ""),
            "REGION_ID": os.environ.get("ALIYUN_SMS_REGION_ID", "cn-hangzhou"),
            # Aliyun sends only templates it approved: the template code per message kind,
            # as JSON ({"paid": "SMS_123", …}); the message's params fill it.
            "TEMPLATE_CODES": json.loads(os.environ.get("ALIYUN_SMS_TEMPLATE_CODES", "{}")),
        },
        # Seconds a provider (SMS gateway, webhook receiver) has to answer.
        "TIMEOUT_SECONDS": float(os.environ.get("NOTIFICATIONS_TIMEOUT_SECONDS", "10")),
        # Webhooks to loopback or private addresses (the server itself, the office LAN) are
        # refused unless this is on: tests and a local receiver during development.
        "WEBHOOK_ALLOW_LOOPBACK": os.environ.get("WEBHOOK_ALLOW_LOOPBACK", "0") == "1",
    },
}

ORDERS_PAGE_SIZE = 50

# --- Logins, API tokens and staff (issue 17 A3–A5; docs/security.md) ---
# Logins are throttled by django-axes: LOGIN_FAILURE_LIMIT failed attempts for one
# account from one address lock that pair out for LOGIN_COOLOFF_MINUTES (or until an
# owner unlocks it on the Staff page). Every failure is kept (axes' access logs).
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account and address before the password is checked.
    "sellerdesk.core.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # turns a lockout into the 429 page
AXES_ENABLED = os.environ.get("LOGIN_THROTTLE", "1") == "1"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
# Per account and address together: a stranger guessing cannot lock the owner out of
# the office, and one address cannot try a password on every account either once
# each account's limit is reached.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "sellerdesk.core.login_throttle.lockout_response"
# Behind a reverse proxy (docs/deploy.md) the client's address is in X-Forwarded-For:
# LOGIN_PROXY_COUNT is the number of proxies in front (0: none, REMOTE_ADDR is the client).
if int(os.environ.get("LOGIN_PROXY_COUNT", "0")) > 0:
    AXES_IPWARE_PROXY_COUNT = int(os.environ["LOGIN_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# API tokens: a token's last use is written at most this often (not on every request);
# a token made without an expiry date in the staff UI lasts TOKEN_DEFAULT_DAYS.
SELLERDESK["TOKEN_LAST_USED_EVERY_SECONDS"] = float(os.environ.get("TOKEN_LAST_USED_EVERY_SECONDS", "60"))
SELLERDESK["TOKEN_DEFAULT_DAYS"] = int(os.environ.get("TOKEN_DEFAULT_DAYS", "365"))
# A dropship supplier stops seeing the buyer's name, phone and address on a purchase this
# many days after it was settled.
SELLERDESK["DROPSHIP"] = {"HIDE_BUYER_AFTER_DAYS": int(os.environ.get("DROPSHIP_HIDE_BUYER_AFTER_DAYS", "30"))}
