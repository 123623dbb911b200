"""Settings for the practice-management backend: one module, everything from the environment.

Every variable is documented in ``.env.example`` and the README. Defaults are safe for
production; ``DEBUG=1`` relaxes what a developer's machine needs relaxed.
"""

from __future__ import annotations

import os
import sys
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# Time zones come from the pinned ``tzdata`` package, never from whatever the host has, so that
# recently changed zones (Africa/Cairo's restored DST, ...) are right on every machine.
zoneinfo.reset_tzpath(to=[])


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A development checkout's own settings: .env (git-ignored; ENV_FILE names another, or none when
# empty), written by scripts/serve on its first start (DEBUG=1), so that manage.py in the same
# checkout runs as the served app does. A variable set in the real environment wins; a test run
# (TESTING) never reads it.
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and not os.environ.get("TESTING"):
    load_dotenv(ENV_FILE, override=False)

DEBUG = env_bool("DEBUG", False)
# The test switch (a fixed secret key, the fast MD5 hasher, relaxed HTTPS defaults) holds only
# inside the test runner: pytest sets TESTING=1 (pyproject.toml's pytest-env) in a process that
# has imported pytest. A server, a command or a worker never imports pytest, so TESTING=1 left
# in a production environment by mistake changes nothing there.
TESTING = env_bool("TESTING", False) and "pytest" in sys.modules

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY is required unless DEBUG=1 (see .env.example).")
    SECRET_KEY = "insecure-development-key-only-for-debug-and-tests-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or TESTING else "")

INSTALLED_APPS = [
    "workspaces.admin_config.BackOfficeAdminConfig",  # django.contrib.admin with the scoped site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "workspaces",
    "bookings",
    "services",
    "sessions.apps.AppointmentsConfig",
    "nutrition",
    "records",
    "availability",
    "backoffice",
    "billing",
    "simple_history",
    "history",
    "procrastinate.contrib.django",  # the job queue (notifications)
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ApiRequestGuardMiddleware",  # also: Cache-Control: no-store on every API answer
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "history.middleware.HistoryMiddleware",  # who and through which door, for the history
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# Paths carry no trailing slash and accept one; nothing is ever redirected (a redirected POST
# loses its body), so Django's slash-appending redirect is off and the routes match both forms.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    from config.embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url(BASE_DIR)
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Django's PostgreSQL backend with a health check that asks the socket, not the server (config/db)
DATABASES["default"]["ENGINE"] = "config.db"
# No JIT: it compiles a query whose estimated cost passes jit_above_cost, which a list's query with
# its per-row subqueries (services, notes, attachments, invoice) does for a few thousand estimated
# rows. On this workload that costs 100+ ms a query and never pays back (the week view at scale).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Parameters bound by the server and statements prepared on their second run: a list's query, the
# membership's, a create's reads are planned once per connection, not on every request (the
# list's is planned in about 1 ms, as long as it runs). Behind PgBouncer this needs its
# transaction mode's prepared statement support (1.21+, max_prepared_statements), or
# DB_PREPARED_STATEMENTS=0 (docs/scaling.md), which turns preparing off; parameters stay bound on
# the server, which any pooler passes through.
DATABASES["default"]["OPTIONS"].update(
    server_side_binding=True, prepare_threshold=1 if env_bool("DB_PREPARED_STATEMENTS", True) else None
)
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every server process (login throttling counts live here) -------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_entries"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "workspaces.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# a reset link's one-time token lasts this long (it dies sooner: at the first password change)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 60) * 60
# where the reset email's link points: a frontend page, "{token}" standing for the token;
# unset: this server's own page (/password-reset/<token>)
PASSWORD_RESET_URL = env_str("PASSWORD_RESET_URL")
# two-factor: the name authenticator apps show beside the account
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Practice management")

# --- Email (Django's own names; with EMAIL_HOST unset, development prints emails to the console)
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Practice management <no-reply@localhost>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG or TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    # production without SMTP: every send fails, saying so (clients' emails are recorded as failed,
    # a reset email is logged), rather than pretend to send
    EMAIL_BACKEND = "workspaces.accounts.mail.UnconfiguredEmailBackend"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# times as HH:mm (no seconds, no a.m./p.m.) and date-times labelled with their zone, in both languages
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production-safe by default; DEBUG relaxes what plain HTTP on localhost needs) --
# trust X-Forwarded-Proto only when told a TLS proxy sets it (else a forged header passes for HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
# proxies in front that append the client's address to X-Forwarded-For (0: the peer's address is
# the client's); login throttling counts failures by that address (workspaces/accounts/login_counter.py)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1_048_576)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Content-Security-Policy on every page (django-csp): the admin, the calendar and the API docs
# load only this server's own scripts; no inline script anywhere (Swagger UI's set-up script
# is served as a file). Inline styles stay allowed: the admin, Swagger UI and the calendar's
# computed block positions use them, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# --- Uploaded files (session records' attachments) ------------------------------------------
# Larger files are a 413, refused from the Content-Length when it says so and counted as they
# stream in. Every upload is written to a temporary file on disk a chunk at a time and judged on
# the way (records/uploads.py): never held whole in memory, whatever FILE_UPLOAD_MAX_MEMORY_SIZE.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = ["records.uploads.InspectingUploadHandler"]
# Stored files: the local folder MEDIA_ROOT, or an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set (django-storages). Never served directly: downloads go through
# the API's permission-checked endpoints, so there is no MEDIA_URL.
MEDIA_ROOT = env_str("MEDIA_ROOT") or str(BASE_DIR / ".data" / "media")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,  # MinIO, Ceph, R2, ...: their URL
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # unset: boto3's own chain (instance role, ~/.aws, ...)
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "location": env_str("AWS_LOCATION"),  # a prefix inside the bucket
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for most self-hosted
            "file_overwrite": True,  # keys are random: no existence check before each write
            "default_acl": None,  # the bucket's own policy (private)
            "max_memory_size": 2_621_440,  # a file opened whole spills to disk past 2.5 MB
        },
    }
else:
    STORAGES["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(api/)?v1/.*$"
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-csrftoken",
    "x-requested-with",
]

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JWT first: its WWW-Authenticate header is what turns "not authenticated" into a 401.
    # (simplejwt's, refusing tokens from before a password change as token_not_valid)
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workspaces.accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # CSRF on unsafe methods,
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["config.api.rendering.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.rendering.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"login": env_str("LOGIN_THROTTLE_RATE", "10/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
    # Every token carries a digest of the password hash it was issued under, compared with the
    # user row the request loads anyway: a password change by any door (API, admin, reset,
    # command) ends every earlier token at once, as it ends cookie sessions.
    "CHECK_REVOKE_TOKEN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Practice management API",
    "DESCRIPTION": "Workspaces, clients, services, sessions and nutrition consultations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # docstrings are for the code's readers; the schema says only what a decorator or help_text says
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["config.schema.only_api_prefix"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_common_responses",
    ],
    # two models have a "status" with different choices: name each enum after its model
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "sessions.models.SessionStatus",
        "NutritionSessionStatusEnum": "nutrition.models.ConsultationStatus",
        "InvoiceStatusEnum": "billing.models.InvoiceStatus",
        "ConsultationTypeEnum": "nutrition.models.ConsultationType",
        "SessionFieldTypeEnum": "records.models.FieldType",
        "FieldPhaseEnum": "records.models.FieldPhase",
        "WebhookEventTypeEnum": "notifications.events.EVENT_TYPES",
        # a language of the product (users, workspaces) and a client's language: the same codes
        "LanguageEnum": "workspaces.models.Language",
        "ClientLanguageEnum": "workspaces.models.CLIENT_LANGUAGES",
    },
}


# --- Notifications: the job queue (Procrastinate, in this database), emails to clients, webhooks
# A worker (manage.py worker) runs the jobs; see README, "Notifications and webhooks".
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 4)  # jobs run at once by one worker (threads)
# a worker writes a heartbeat this often; one silent for JOB_STALLED_SECONDS is dead and its jobs are run again
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10)
JOB_STALLED_SECONDS = env_int("JOB_STALLED_SECONDS", 60)
JOB_POLL_SECONDS = env_int("JOB_POLL_SECONDS", 1)  # how often an idle worker looks for due jobs
# webhooks: 10 s to answer 2xx, else retried after BASE, 2 x BASE, 4 x BASE ... (at most MAX_DELAY apart)
# until WINDOW hours have passed since the first attempt
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env_int("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 6 * 3600)
WEBHOOK_RETRY_WINDOW_HOURS = env_int("WEBHOOK_RETRY_WINDOW_HOURS", 24)
# development and tests only: plain http and private or loopback addresses for webhook URLs
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
# emails the SMTP server did not take: retried the same way for EMAIL_RETRY_WINDOW_HOURS
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 60)
EMAIL_RETRY_MAX_DELAY_SECONDS = env_int("EMAIL_RETRY_MAX_DELAY_SECONDS", 3600)
EMAIL_RETRY_WINDOW_HOURS = env_int("EMAIL_RETRY_WINDOW_HOURS", 6)
# --- end of the notifications block

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "procrastinate": {"level": env_str("JOB_LOG_LEVEL", "WARNING")},  # (notifications) one line a job at INFO
    },
}
