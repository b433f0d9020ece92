"""Project settings, read from the environment (see README "Configuration")."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("KUWWA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

KUWWA_ENV = os.environ.get("KUWWA_ENV", "development")
PRODUCTION = KUWWA_ENV == "production"


def _secret_key() -> str:
    """Production must be given a key; a demo keeps a generated one under var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when KUWWA_ENV=production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("KUWWA_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves its bundled Swagger UI, so /api/v1/docs needs no internet
    "kuwwa.core",
    "kuwwa.organizations",
    "kuwwa.accounts",
    "kuwwa.ledger",
    "kuwwa.billing",
    "kuwwa.collection",
    "kuwwa.cashiering",
    "kuwwa.settlement",
    "kuwwa.counter",
    "kuwwa.partners",
    "kuwwa.portal",
    "kuwwa.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kuwwa.core.metrics.MetricsMiddleware",
    "kuwwa.core.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kuwwa.core.security.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kuwwa.urls"
WSGI_APPLICATION = "kuwwa.wsgi.application"
ASGI_APPLICATION = "kuwwa.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "kuwwa.sqlite3"
# An empty DATABASE_URL (as a blank line in an env file gives) means the default too.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; synchronous=FULL makes an acknowledged
    # commit survive a power cut (invariant 4); IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing to upgrade a read lock.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=30000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Tests use a file too, so that threads in concurrency tests share one database.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test_kuwwa.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = ["kuwwa.core.security.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
KUWWA_LOGIN_MAX_FAILURES = int(os.environ.get("KUWWA_LOGIN_MAX_FAILURES", "5"))
KUWWA_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("KUWWA_LOGIN_LOCKOUT_MINUTES", "15"))
KUWWA_STAFF_IDLE_MINUTES = int(os.environ.get("KUWWA_STAFF_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = int(os.environ.get("KUWWA_SESSION_HOURS", "10")) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The counter prints receipts through a same-origin frame; other sites may not frame us
# (CSP frame-ancestors 'self'), so Django's advice to use DENY is knowingly not followed.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Uploads (reading photos, complaint attachments) are kept under var/media, outside the web
# root, and served only through views that check access.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Damascus"
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

# --- Kuwwa ----------------------------------------------------------------------------------
KUWWA_CURRENCY = os.environ.get("KUWWA_CURRENCY", "SYP")
# The address printed in receipt QR codes, where anyone can verify a receipt.
KUWWA_PUBLIC_URL = os.environ.get("KUWWA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Ed25519 private key (32 bytes, base64) that signs receipts; a demo key is generated under var/.
KUWWA_RECEIPT_SIGNING_KEY = os.environ.get("KUWWA_RECEIPT_SIGNING_KEY", "")
if PRODUCTION and not KUWWA_RECEIPT_SIGNING_KEY:
    raise ImproperlyConfigured("KUWWA_RECEIPT_SIGNING_KEY is required when KUWWA_ENV=production")
# Partner API: AES-GCM key(s) encrypting partner and webhook secrets at rest (base64 of 32
# bytes, comma-separated; the first encrypts, the others still decrypt during a rotation).
KUWWA_API_KEY_ENCRYPTION_KEY = os.environ.get("KUWWA_API_KEY_ENCRYPTION_KEY", "")
if PRODUCTION and not KUWWA_API_KEY_ENCRYPTION_KEY:
    raise ImproperlyConfigured("KUWWA_API_KEY_ENCRYPTION_KEY is required when KUWWA_ENV=production")
KUWWA_PARTNER_RATE_PER_MINUTE = int(os.environ.get("KUWWA_PARTNER_RATE_PER_MINUTE", "600"))
# SMS: "outbox" keeps messages in the database and the log; "http" posts them to a gateway.
KUWWA_SMS_BACKEND = os.environ.get("KUWWA_SMS_BACKEND", "outbox")
KUWWA_SMS_HTTP_URL = os.environ.get("KUWWA_SMS_HTTP_URL", "")
KUWWA_SMS_HTTP_TOKEN = os.environ.get("KUWWA_SMS_HTTP_TOKEN", "")
KUWWA_SMS_SENDER = os.environ.get("KUWWA_SMS_SENDER", "Kuwwa")
# On PostgreSQL, payments go through the kuwwa_payment_post function (ADR 0008); 0 = the ORM path.
KUWWA_PAYMENT_SQL = os.environ.get("KUWWA_PAYMENT_SQL", "1") != "0"
# The hot statements (the payment function's call, the partner API's key, nonce, inquiry and
# idempotency statements) are prepared statements of each connection (kuwwa.core.hotsql); turn
# off behind a pooler in transaction mode that does not keep prepared statements (PgBouncer
# before 1.21). KUWWA_PAYMENT_PREPARED is its former name, still read.
KUWWA_DB_PREPARED = (
    os.environ.get("KUWWA_DB_PREPARED", os.environ.get("KUWWA_PAYMENT_PREPARED", "1")) != "0"
)


def _cutoff(value: str) -> dt.time | None:
    """ "22:00" → 22:00; empty means the business day ends at midnight."""
    if not value:
        return None
    hour, _sep, minute = value.partition(":")
    return dt.time(int(hour), int(minute or 0))


# Meter-reading checks: a reading whose daily consumption is above HIGH × or below LOW × the
# account's trailing average goes to review instead of being accepted.
KUWWA_READING_HIGH_FACTOR = os.environ.get("KUWWA_READING_HIGH_FACTOR", "3")
KUWWA_READING_LOW_FACTOR = os.environ.get("KUWWA_READING_LOW_FACTOR", "0.25")
KUWWA_READING_TRAILING_CYCLES = int(os.environ.get("KUWWA_READING_TRAILING_CYCLES", "6"))

# Notes counted in a blind count, in major units (Syrian pound notes in circulation).
KUWWA_DENOMINATIONS = [
    int(v)
    for v in os.environ.get("KUWWA_DENOMINATIONS", "5000,2000,1000,500,200,100,50").split(",")
]

# Payments after this local time belong to the next business day (Asia/Damascus).
KUWWA_BUSINESS_DAY_CUTOFF = _cutoff(os.environ.get("KUWWA_BUSINESS_DAY_CUTOFF", ""))

# Cache: per-process memory by default; "database" shares throttling counters between workers
# (run `kuwwa createcachetable` once).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kuwwa_cache"}
        if os.environ.get("KUWWA_CACHE") == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
KUWWA_VERIFY_PER_MINUTE = int(os.environ.get("KUWWA_VERIFY_PER_MINUTE", "30"))

# Citizen portal: payment partners by configuration (JSON: {"code": {"hosted_url": …,
# "secret": …}}); unset means the in-server sandbox bank outside production.
_portal_partners = os.environ.get("KUWWA_PORTAL_PARTNERS", "").strip()
KUWWA_PORTAL_PARTNERS = json.loads(_portal_partners) if _portal_partners else None
KUWWA_PORTAL_LOOKUPS_PER_MINUTE = int(os.environ.get("KUWWA_PORTAL_LOOKUPS_PER_MINUTE", "20"))
KUWWA_PORTAL_FAILED_VERIFICATIONS_PER_HOUR = int(
    os.environ.get("KUWWA_PORTAL_FAILED_VERIFICATIONS_PER_HOUR", "10")
)
KUWWA_PORTAL_CODES_PER_HOUR = int(os.environ.get("KUWWA_PORTAL_CODES_PER_HOUR", "3"))
KUWWA_PORTAL_VERIFIED_MINUTES = int(os.environ.get("KUWWA_PORTAL_VERIFIED_MINUTES", "15"))
KUWWA_PORTAL_SIGNED_IN_HOURS = int(os.environ.get("KUWWA_PORTAL_SIGNED_IN_HOURS", "12"))

# --- production hardening -------------------------------------------------------------------
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("KUWWA_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("KUWWA_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

KUWWA_METRICS_TOKEN = os.environ.get("KUWWA_METRICS_TOKEN", "")
LOG_FORMAT = os.environ.get("KUWWA_LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "kuwwa.core.logging.JsonFormatter"},
    },
    "filters": {"redact": {"()": "kuwwa.core.logging.RedactPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KUWWA_LOG_LEVEL", "INFO")},
}
