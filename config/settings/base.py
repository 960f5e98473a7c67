"""Settings for every environment. Everything that differs between machines comes from the
environment (see .env.example); production differs only by environment values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.settings.env import env_bool, env_int, env_list, env_str
from zoufang.core.logging import FILTERS, FORMATTERS, masked_stream_handler

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "insecure-dev-only-key-not-for-production"  # noqa: S105 - DEBUG only # nosec B105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "ninja",
    "csp",
    "zoufang.core",
    "zoufang.org",
    "zoufang.knowledge",
    "zoufang.campaigns",
    "zoufang.registry",
    "zoufang.findings",
    "zoufang.notifications",
    "zoufang.offline",
    "zoufang.visits",
    "zoufang.supervision",
    "zoufang.research",
    "zoufang.dashboard",
    "zoufang.patrol",
    "zoufang.outreach",
    "zoufang.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The public host (OUTREACH_PUBLIC_HOSTS) resolves only the public page's routes.
    "zoufang.outreach.middleware.PublicHostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zoufang.core.middleware.ChosenLanguageMiddleware",
    # 400 for a NUL character in a query string or a form/JSON body (PostgreSQL refuses it).
    "zoufang.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second step (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Cache-Control: no-store on every answer to a signed-in user (pages, exports, API).
    "zoufang.core.middleware.NoStoreForSignedInMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session timeouts; a form posted after expiry is kept for re-login;
    # the roles that must use two-factor login reach nothing before they have (issue 17).
    "zoufang.org.middleware.SessionTimeoutMiddleware",
    "zoufang.org.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # request.campaign(): the current campaign, looked up on first use (org's team pages).
    "zoufang.campaigns.middleware.CurrentCampaignMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # A refused audit write refuses the action (503); the auditor role sees the trail only.
    "zoufang.core.middleware.AuditRequiredMiddleware",
    # Axes last: it must see the request after authentication.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "zoufang.home.context_processors.campaign",
                "zoufang.offline.context_processors.offline",
            ],
        },
    },
]

# The embedded default is SQLite; PostgreSQL is production and CI (DATABASE_URL).
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend whose flush keeps the audit trail's append-only triggers.
    DATABASES["default"]["ENGINE"] = "zoufang.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

# Celery: a real broker when REDIS_URL is set, in-process (eager) otherwise.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Password rules (issue 17; docs/security.md 身份鉴别): length, common passwords, likeness to
# the user's own attributes and to the words of this system and its units, not all digits,
# and none of the user's last PASSWORD_HISTORY_COUNT passwords (zoufang.org.passwords).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "zoufang.org.passwords.ContextWordsValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zoufang.org.passwords.NoReuseValidator"},
]

# Two-factor login (django-otp, issue 17): the name an authenticator app shows, and the
# sessions: signed out after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS
# after the login whatever happens (zoufang.org.middleware.SessionTimeoutMiddleware).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER") or "走访"
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)

# Lock an account after repeated failed logins (django-axes), per username.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Per username, not per IP: a whole station's phones share one carrier NAT address, and
# locking the address would lock out every officer behind it.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "zoufang.core.views.lockout"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", SESSION_MAX_HOURS * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# A load balancer's plain-HTTP health probe is not redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): scripts only from this origin, none inline (the pages'
# scripts are static files; ECharts data travels in json_script blocks, which are data, not
# code). Styles allow 'unsafe-inline': htmx injects its indicator <style>, ECharts and the
# templates set style attributes; a style cannot run code. Images may be data:/blob: URLs
# (ECharts' export, Bootstrap's icons, swagger's).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)

# API tokens for phone clients expire; pages use the session.
API_TOKEN_TTL = timedelta(days=env_int("API_TOKEN_TTL_DAYS", 30))

# Every handler masks ID numbers and phones (zoufang.core.logging): a search by ID goes by
# POST, and this is the second guard for what still reaches a log line. A handler added here
# must list "mask_personal" among its filters. Production's gunicorn writes its own access log
# outside Django's logging: start it with `gunicorn -c config/gunicorn.py config.wsgi`,
# whose logconfig_dict puts the same filter on gunicorn's access and error logs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": FILTERS,
    "formatters": FORMATTERS,
    "handlers": {
        "console": masked_stream_handler(),
        # runserver's access log ("GET /registry/persons/?q=… 200"), through the same filter.
        "server": masked_stream_handler(),
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}

ZOUFANG = {
    # Years of service that make a member "experienced" for 以老带新 (pair old with new).
    "EXPERIENCED_YEARS": 5,
    "PAGE_SIZE": 50,
}

MESSAGE_TAGS_BOOTSTRAP = {"error": "danger"}
_ = _  # gettext_lazy is imported for settings that want translated labels


# ---- per-app settings blocks below (each app's owner appends its own) ----

# ---- registry
# Key for encrypting ID numbers and phones at rest (AES-256-GCM) and for their keyed lookup
# hash: 32 bytes, base64 (`python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"`),
# or FIELD_ENCRYPTION_KEY_FILE. Required when DEBUG is false. Only the developer and test
# settings modules (config.settings.dev, whose bench runs with DEBUG off, and
# config.settings.test) may fall back to a key derived from SECRET_KEY — never production.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY") or ""
if not FIELD_ENCRYPTION_KEY:
    import base64 as _b64
    import hashlib as _hashlib
    import os as _os

    if not DEBUG and _os.environ.get("DJANGO_SETTINGS_MODULE") not in {
        "config.settings.dev",
        "config.settings.test",
    }:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is false")
    FIELD_ENCRYPTION_KEY = _b64.b64encode(
        _hashlib.sha256(f"zoufang-registry-dev:{SECRET_KEY}".encode()).digest()
    ).decode()
# Largest spreadsheet the registry import accepts, in megabytes.
REGISTRY_IMPORT_MAX_MB = env_int("REGISTRY_IMPORT_MAX_MB", 200)

# ---- findings
# The overdue sweep (mark overdue, notify owner and parent unit, escalate past the second
# deadline) runs every 15 minutes under celery beat; the navbar bell counts unread
# notifications through a context processor.
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "findings-sweep-overdue": {
        "task": "findings.sweep_overdue",
        "schedule": timedelta(minutes=env_int("FINDINGS_SWEEP_MINUTES", 15)),
    },
}
TEMPLATES[0]["OPTIONS"]["context_processors"].append(
    "zoufang.notifications.context_processors.unread_notifications"
)

# ---- dashboard
# The daily reports (日报) of the city and each county bureau are generated every evening at
# DAILY_REPORT_HOUR:00 (Asia/Shanghai) by celery beat.
CELERY_BEAT_SCHEDULE["dashboard-evening-reports"] = {
    "task": "dashboard.evening_reports",
    "schedule": crontab(hour=env_int("DAILY_REPORT_HOUR", 20), minute=0),
}

# ---- visits
# Largest visit photo accepted, in megabytes (images only; at most five per visit).
VISITS_PHOTO_MAX_MB = env_int("VISITS_PHOTO_MAX_MB", 8)
# The visits a web process commits within this many milliseconds have their registry updates
# queued in one message (visits.apply_registry_many); 0 sends one message per visit.
VISITS_REGISTRY_BATCH_MS = env_int("VISITS_REGISTRY_BATCH_MS", 500)
# PostgreSQL: a visit submission's two statements are prepared once per connection. Turn off
# behind a transaction-pooling PgBouncer older than 1.21.
VISITS_PREPARED_STATEMENTS = env_bool("VISITS_PREPARED_STATEMENTS", True)
# A visit's registry update runs after its commit (visits.apply_registry); this sweep applies
# any whose message was lost (broker restart, worker down).
CELERY_BEAT_SCHEDULE["visits-sweep-registry"] = {
    "task": "visits.sweep_registry",
    "schedule": timedelta(minutes=env_int("VISITS_REGISTRY_SWEEP_MINUTES", 10)),
}

# ---- supervision
# The score snapshot behind the ranking's trend: hourly (each run refreshes today's row, so
# the last run of a day is that day's figure); the score page can also take one on demand.
CELERY_BEAT_SCHEDULE["supervision-snapshot-scores"] = {
    "task": "supervision.snapshot_scores",
    "schedule": timedelta(minutes=env_int("SUPERVISION_SNAPSHOT_MINUTES", 60)),
}

# ---- patrol
# The online patrol (网上巡查) runs its rules over what is new since its last run, every
# PATROL_MINUTES (30) under celery beat; supervisors can also run it now from the queue page.
CELERY_BEAT_SCHEDULE["patrol-run"] = {
    "task": "patrol.run",
    "schedule": timedelta(minutes=env_int("PATROL_MINUTES", 30)),
}

# The offline app (zoufang.offline, decision 0039): apps contribute the pages a phone keeps
# through their own `offline.py`; an app without one is named here by URL name, e.g.
# OFFLINE_PAGES = ["app:page"]. The pocket book contributes all its pages. At most OFFLINE_MAX_PAGES pages are kept per user.
# Changing OFFLINE_APP_VERSION makes every phone install a new service worker.
OFFLINE_PAGES: list[str] = env_list("OFFLINE_PAGES", [])
OFFLINE_MAX_PAGES = env_int("OFFLINE_MAX_PAGES", 200)
OFFLINE_APP_VERSION = env_str("OFFLINE_APP_VERSION") or ""
# ---- core: security (issue 17; docs/security.md)
# The audit trail (django-auditlog's table, hash-chained; `manage.py audit_verify`) is kept
# AUDIT_RETENTION_DAYS (at least 180: 等保2.0 level 3; a system check refuses less), then the
# daily retention job removes the oldest entries. The chain is keyed by AUDIT_CHAIN_KEY (any
# long random string, kept out of the database); without it, by SECRET_KEY.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY") or ""
# PostgreSQL roles `manage.py db_roles` creates: the application's (no UPDATE/DELETE on the
# audit tables) and the auditor's (reads the audit tables and nothing else).
DB_APP_ROLE = env_str("DB_APP_ROLE") or "zoufang_app"
DB_AUDITOR_ROLE = env_str("DB_AUDITOR_ROLE") or "zoufang_auditor"
# Field encryption key rotation (`manage.py rotate_field_key`): the current key's version
# (stored in each value), the older keys still needed to read values not yet re-encrypted
# ("1:<base64>,2:<base64>"), and the key of the lookup hashes (by default the version-1 key,
# so hashes survive a rotation of the encryption key).
FIELD_ENCRYPTION_KEY_VERSION = env_int("FIELD_ENCRYPTION_KEY_VERSION", 1)
FIELD_ENCRYPTION_OLD_KEYS = env_str("FIELD_ENCRYPTION_OLD_KEYS") or ""
FIELD_LOOKUP_KEY = env_str("FIELD_LOOKUP_KEY") or ""
# Personal data retention (docs/data-inventory.md): the reporter's name and phone on a clue
# from the public page are erased this many days after the clue is closed.
PUBLIC_CONTACT_RETENTION_DAYS = env_int("PUBLIC_CONTACT_RETENTION_DAYS", 90)
CELERY_BEAT_SCHEDULE["core-retention"] = {
    "task": "core.retention",
    "schedule": crontab(hour=env_int("RETENTION_HOUR", 3), minute=15),
}
# ---- deployment: read replica, connection pooling, sessions (issue 16; decisions 0042-0043)
# DATABASE_REPLICA_URL: a streaming replica (hot standby) of DATABASE_URL. Views marked
# @replica_reads (zoufang.core.replica) read from it; writes and everything else use the
# primary, and a user who just wrote reads the primary until the replica has replayed that
# write. Unset: one database, as before.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": env_int("REPLICA_CONNECT_TIMEOUT", 2)}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["zoufang.core.replica.ReplicaRouter"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "zoufang.core.replica.ReplicaMiddleware",
)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 300)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)
# DB_TRANSACTION_POOLING=true: DATABASE_URL points at a PgBouncer in transaction mode
# (Debian 12's 1.18 keeps no prepared statements across transactions): nothing is prepared
# on the server (psycopg's prepare_threshold off, the visit submission's own statements too)
# and no server-side cursors (a cursor would outlive the transaction that holds it).
if env_bool("DB_TRANSACTION_POOLING", False):
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
        _alias.setdefault("OPTIONS", {})["prepare_threshold"] = None
    VISITS_PREPARED_STATEMENTS = False
# Several web nodes: sessions live in the shared cache (Redis), so any node serves any request.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# STATIC_COMPRESS=false: collectstatic writes hashed names without the gzip/brotli copies
# (minutes of CPU for the vendored bundles); nginx compresses on the fly instead. The local
# layout test (bench/localstack.py) collects this way.
if not env_bool("STATIC_COMPRESS", True) and not DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    )
# ---- outreach
# The public page (/p/): the client address for its rate limits comes from the proxy's header
# (OUTREACH_CLIENT_IP_HEADER, nginx's X-Real-IP) only when the connection comes from one of
# TRUSTED_PROXIES (addresses or networks); otherwise it is the connection's own address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
OUTREACH_CLIENT_IP_HEADER = env_str("OUTREACH_CLIENT_IP_HEADER", "HTTP_X_REAL_IP")
# Hosts that serve only the public page (its own nginx server block; config/urls_public.py),
# and the base of the links printed in the leaflets' QR codes (e.g. https://gz.example.gov.cn).
OUTREACH_PUBLIC_HOSTS = [h.lower() for h in env_list("OUTREACH_PUBLIC_HOSTS", [])]
OUTREACH_PUBLIC_BASE_URL = env_str("OUTREACH_PUBLIC_BASE_URL", "")
# Rate limits (django-ratelimit, in the cache: Redis when REDIS_URL is set): submissions per
# client address and per phone, page views per client address.
OUTREACH_RATE_IP = env_str("OUTREACH_RATE_IP", "20/h")
OUTREACH_RATE_PHONE = env_str("OUTREACH_RATE_PHONE", "5/d")
OUTREACH_RATE_VIEW = env_str("OUTREACH_RATE_VIEW", "120/m")
# The proof-of-work challenge: leading zero bits of SHA-256 (14 ≈ 16,000 tries, under a
# second on a phone) and how long a challenge stays valid (seconds).
OUTREACH_POW_BITS = env_int("OUTREACH_POW_BITS", 14)
OUTREACH_POW_MAX_AGE = env_int("OUTREACH_POW_MAX_AGE", 900)
OUTREACH_PHOTO_MAX_MB = env_int("OUTREACH_PHOTO_MAX_MB", 5)
# A unit's leaflet stock is low under this share (%) of what it was issued.
OUTREACH_LOW_STOCK_PERCENT = env_int("OUTREACH_LOW_STOCK_PERCENT", 10)
ALLOWED_HOSTS = [*ALLOWED_HOSTS, *(h for h in OUTREACH_PUBLIC_HOSTS if h not in ALLOWED_HOSTS)]
# django-ratelimit counts in the default cache: one process's local memory in development and
# tests; production sets REDIS_URL, so every gunicorn worker and web node shares the counts.
