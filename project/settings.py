"""Settings, driven by the environment.

DATABASE_URL        PostgreSQL in production (postgres://user:pass@host:5432/name); a SQLite file by default.
DJANGO_DEBUG        "1" for development (the default for `make run`), "0" in production.
DJANGO_SECRET_KEY   required when debug is off.
DJANGO_BALLOT_KEY   32 bytes in base64 sealing ballots while voting is open (default: from the secret key).
DJANGO_ALLOWED_HOSTS comma-separated host names.
DJANGO_BEHIND_TLS_PROXY "1" behind a reverse proxy that sets X-Forwarded-Proto and X-Forwarded-For.
DJANGO_API_TOKEN_HOURS hours an API key stays valid (default 8).
DJANGO_LOGIN_IP_FAILURE_LIMIT failed logins from one address (any usernames) before it is locked out (20).
DJANGO_EXPORT_RATE  exports and PDFs per user (web and API), DRF rate syntax (default "60/hour").
DJANGO_PUBLIC_COMMENT_RATE_PER_IP / _PER_POSTING anonymous public comments ("5/hour" / "200/day").
DJANGO_CACHE_URL    e.g. redis://127.0.0.1:6379/1: the cache holding the rate-limit counters of every worker.
CELERY_BROKER_URL   e.g. redis://127.0.0.1:6379/0; without it tasks run eagerly in-process.
AUDIT_SIGNING_KEY   Ed25519 key signing audit checkpoints, base64 of 32 raw bytes (debug: derived from the secret key).
AUDIT_VERIFY_KEYS   comma-separated base64 public keys verify_audit also trusts (retired keys).
AUDIT_CHECKPOINT_DIR directory receiving a file per checkpoint (debug default: var/audit-checkpoints).
AUDIT_CHECKPOINT_INTERVAL_SECONDS how often the beat task signs a checkpoint (default 3600).
AUDIT_CHAINS        how many hash chains new audit events are spread over (default 8 on PostgreSQL, 1 on SQLite):
                    writers on different chains do not wait for each other's commits (docs/audit-chains.md).

Production serving (docs/deployment.md has the whole table):
DJANGO_MEDIA_STORAGE "local" (default: DJANGO_MEDIA_ROOT) or "s3" (django-storages, the `s3` extra) with
                    DJANGO_S3_BUCKET, DJANGO_S3_ENDPOINT_URL, DJANGO_S3_REGION, DJANGO_S3_ACCESS_KEY,
                    DJANGO_S3_SECRET_KEY, DJANGO_S3_ADDRESSING_STYLE ("path" for MinIO and most others).
DJANGO_ACCEL_REDIRECT "1": documents are sent by nginx (X-Accel-Redirect to DJANGO_ACCEL_REDIRECT_LOCATION,
                    default /_protected_media/) after the view checked the permission; local media only.
DJANGO_SECURE_SSL_REDIRECT "0" to stop redirecting http to https (default on when debug is off).
DJANGO_LOG_FORMAT   "json" (default when debug is off) or "text"; DJANGO_LOG_LEVEL (WARNING).
DJANGO_METRICS_ALLOWED_IPS addresses or networks that may read /metrics (default 127.0.0.1,::1).
SENTRY_DSN          report errors to Sentry (SENTRY_ENVIRONMENT, SENTRY_TRACES_SAMPLE_RATE); no personal data.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (for development: export DJANGO_DEBUG=1)"
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105
# The key that seals secret ballots while voting is open (councils/sealing.py); never stored in the database.
# Unset: derived from SECRET_KEY. Changing either while a vote is open makes that vote's ballots unreadable.
BALLOT_KEY = None
if os.environ.get("DJANGO_BALLOT_KEY"):
    import base64
    import binascii

    try:
        BALLOT_KEY = base64.b64decode(os.environ["DJANGO_BALLOT_KEY"], validate=True)
    except (binascii.Error, ValueError):
        BALLOT_KEY = b""
    if len(BALLOT_KEY) != 32:
        raise RuntimeError("DJANGO_BALLOT_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",  # its templates: the filter form of the browsable API (workflows/filters.py)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "viewflow",
    "organisations",
    "workflows",
    "councils",
    "dossiers",
    "emulation",
    "innovation",
    "plan",
    "webhooks",
    # Built on the apps above; nothing imports them (tests/test_layers.py).
    "demo",
    "benchmarks",
]

MIDDLEWARE = [
    # Request latency and counts for /metrics (project/health.py); its After half is the last entry.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id in the response, the logs and the audit events (project/requestid.py).
    "project.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # In place of LocaleMiddleware: Vietnamese unless the signed-in user chose English; the browser's
    # Accept-Language counts for /api/ only (workflows/language.py, docs/security.md).
    "workflows.language.LanguageMiddleware",
    # Before any view or the CSRF check reads the body: 413 past the limits below (docs/operations.md).
    "project.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.middleware.AuditorReadOnlyMiddleware",
    # A refusal of the permission layer that must not reveal the object answers 404 (workflows/policies.py).
    "workflows.policies.PolicyDeniedMiddleware",
    # Last, so that it sees the lockout flag the authentication backend sets (docs/security.md).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
if not DEBUG:
    # Static files with hashed, compressed names from STATIC_ROOT (collectstatic), before anything else runs.
    # In debug, runserver serves them from the source tree itself (no collectstatic needed).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["workflows.templatetags.people"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "workflows.context_processors.roles",
                "webhooks.context_processors.webhooks",
            ],
        },
    },
]

SQLITE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or SQLITE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a writer takes the lock when its transaction begins, so two writers queue instead of
    # failing half-way; WAL lets readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: deleted rows (the sealed ballots once counted) are overwritten, not left in free pages.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Django binds parameters on the client, so its own queries are never prepared. The engine's few
    # fixed statements (row lock, role lookup, audit append) use server-side binding and are prepared
    # after this many executions per connection (workflows/db.py). 0 = at once; "off" = never (behind a
    # pooler in transaction mode that cannot keep prepared statements).
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "0")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        None if _prepare.lower() == "off" else int(_prepare)
    )
    # Behind a transaction pooler (docs/scaling.md): no WITH HOLD cursor for QuerySet.iterator() outside a
    # transaction, which would outlive the server connection the pooler lent for it.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = os.environ.get(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", "0"
    ).lower() in ("1", "true", "yes")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + IP before the password is even checked.
    "project.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
#: Dates are day-first in every language (project/formats/<lang>/formats.py; workflows/forms.py DateField).
FORMAT_MODULE_PATH = ["project.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]

#: The people's committee whose documents the deployment issues (workflows/pdf.py: the Decree 30 header of
#: every PDF), in normal case: the header writes it upper case on two lines, sentences as it is.
ISSUING_BODY = {
    "superior": os.environ.get("DJANGO_ISSUING_BODY_SUPERIOR", "Ủy ban nhân dân"),
    "name": os.environ.get("DJANGO_ISSUING_BODY_NAME", "thành phố Cần Thơ"),
}
#: The place name (địa danh) written before the date of a document.
ISSUING_PLACE = os.environ.get("DJANGO_ISSUING_PLACE", "Cần Thơ")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
#: viewflow's own front end (50 MB, used by no page) is not collected (project/storage.py).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "project.storage.AppDirectoriesFinder",
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Static files: WhiteNoise serves what collectstatic put in STATIC_ROOT, with hashed names (cached for a year)
# and gzip/brotli copies. In debug (runserver, `make test`) the plain storage serves them from the source tree,
# no collectstatic needed. Media: a local directory, or an S3-compatible bucket (private; links are signed).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_STORAGE = os.environ.get("DJANGO_MEDIA_STORAGE", "local").lower()
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("DJANGO_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("DJANGO_S3_SECRET_KEY") or None,
            "addressing_style": os.environ.get("DJANGO_S3_ADDRESSING_STYLE") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not STORAGES["default"]["OPTIONS"]["bucket_name"]:
        raise RuntimeError("DJANGO_MEDIA_STORAGE=s3 needs DJANGO_S3_BUCKET (docs/deployment.md)")
elif MEDIA_STORAGE != "local":
    raise RuntimeError('DJANGO_MEDIA_STORAGE must be "local" or "s3"')
#: Downloads of stored documents answered with X-Accel-Redirect (nginx sends the bytes from its `internal`
#: location aliasing MEDIA_ROOT, deploy/nginx.conf); the view still checks who may read the file.
ACCEL_REDIRECT = env_flag("DJANGO_ACCEL_REDIRECT", False)
ACCEL_REDIRECT_LOCATION = os.environ.get("DJANGO_ACCEL_REDIRECT_LOCATION", "/_protected_media/")

# Request and upload size limits (docs/operations.md, "Request size limits"; the proxy's client_max_body_size
# matches DJANGO_MAX_UPLOAD_MB). A signed-in multipart upload: up to DJANGO_MAX_UPLOAD_MB (the PDFs are 10 MB,
# a plan's evidence 20 MB, plus the form); any other signed-in body: DJANGO_MAX_FORM_KB; a caller who is not
# signed in (login, the public comment form): DJANGO_MAX_ANONYMOUS_KB. Past them: 413 before any view runs.
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("DJANGO_MAX_UPLOAD_MB", "25")) * 2**20
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_FORM_KB", "2560")) * 1024
REQUEST_MAX_ANONYMOUS_BYTES = int(os.environ.get("DJANGO_MAX_ANONYMOUS_KB", "64")) * 1024
#: Larger uploads are spooled to a temporary file, not kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2560 * 1024
#: An Excel import once unzipped (a zip bomb is refused from the zip directory): DJANGO_IMPORT_MAX_UNZIPPED_MB.
IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_UNZIPPED_MB", "50")) * 2**20
IMPORT_MAX_COMPRESSION_RATIO = 100

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials (or with a bad key) is answered 401 with the
        # `WWW-Authenticate: Token` challenge; hashed, expiring keys (workflows/tokens.py).
        "workflows.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # the project's conventions on every operation: bare arrays for custom actions, problem details for 4xx
    "DEFAULT_SCHEMA_CLASS": "workflows.schema.ApiAutoSchema",
    # ?page= and ?page_size= (at most 100); django-filter on every list, ?ordering= over an allow-list per list
    # (workflows/filters.py).
    "DEFAULT_PAGINATION_CLASS": "workflows.filters.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["workflows.filters.ApiFilterBackend"],
    "EXCEPTION_HANDLER": "workflows.api.exception_handler",
    # Only views that name a throttle_scope are throttled (the export and PDF endpoints: scope "exports"); the
    # web export views count in the same per-user counters (workflows/throttle.py).
    "DEFAULT_THROTTLE_CLASSES": ["workflows.throttle.ScopedThrottle"],
    "DEFAULT_THROTTLE_RATES": {"exports": os.environ.get("DJANGO_EXPORT_RATE", "60/hour")},
}
#: Anonymous public comments per address and per posting (docs/security.md, "Rate limits"), counted in
#: CACHES["default"] by workflows/throttle.py.
PUBLIC_COMMENT_RATE_PER_IP = os.environ.get("DJANGO_PUBLIC_COMMENT_RATE_PER_IP", "5/hour")
PUBLIC_COMMENT_RATE_PER_POSTING = os.environ.get("DJANGO_PUBLIC_COMMENT_RATE_PER_POSTING", "200/day")
#: The counters must be shared by every worker process: Redis from DJANGO_CACHE_URL in production; without it,
#: Django's per-process memory cache (development, a single process).
if os.environ.get("DJANGO_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJANGO_CACHE_URL"],
        }
    }
#: Hours an API key from POST /api/auth/token/ stays valid (docs/security.md, "API tokens").
API_TOKEN_HOURS = float(os.environ.get("DJANGO_API_TOKEN_HOURS", "8"))
if not 0 < API_TOKEN_HOURS <= 24 * 90:
    raise RuntimeError("DJANGO_API_TOKEN_HOURS must be a number of hours between 0 and 2160 (90 days)")
SPECTACULAR_SETTINGS = {
    "TITLE": "TĐKT workflow API",
    "DESCRIPTION": "Quy trình thi đua, khen thưởng: hồ sơ, hội đồng, kế hoạch, nhật ký kiểm toán.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # A request body has its own component (DossierRequest, …) without the read-only fields, so a client
    # generated from the schema (tests/api/test_generated_client.py) does not have to send id, state, …
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/v1/ only: the unversioned /api/… aliases are deprecated (project/api_versions.py); the prefix is not
    # part of the operation ids and tags.
    "PREPROCESSING_HOOKS": ["project.api_versions.current_version_only"],
    # each request body in the one encoding that carries it (JSON, or multipart for a file), so a generated
    # client sends it right, inline enums named the same in every language, ids in paths as integers and
    # transition names as an enum (workflows/schema_hooks.py); drf-spectacular's own enum hook first
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "workflows.schema_hooks.one_media_type_per_body",
        "workflows.schema_hooks.enum_titles_as_descriptions",
        "workflows.schema_hooks.typed_path_parameters",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # /api/schema/ and /api/docs/ need a signed-in user unless DEBUG is on (docs/security.md).
    "SERVE_PERMISSIONS": ["project.security.ApiDocsPermission"],
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not a CDN (the CSP allows 'self' only).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to validator.swagger.io (and the CSP blocks it).
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "validatorUrl": None,
        "docExpansion": "none",
        "filter": True,
    },
    # One name per shared choice set (the same choices serve several fields): `spectacular --fail-on-warn`.
    "ENUM_NAME_OVERRIDES": {
        "ThresholdBaseEnum": "councils.registry.ThresholdBase",
        "AwardLevelEnum": "dossiers.models.AwardLevel",
        "AttendanceStatusEnum": "councils.models.AttendanceStatus",
        "WrittenVoteStatusEnum": "councils.models.WrittenVoteStatus",
        "MembershipStatusEnum": "workflows.models.core.MembershipStatus",
        "HistoryKindEnum": "dossiers.services.HISTORY_KINDS",
        "DocumentKindEnum": "dossiers.models.DocumentKind",
        "AuditCheckModeEnum": "workflows.models.AuditCheckMode",
        "OccasionEnum": "dossiers.models.OccasionKind",
    },
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
#: The worker logs through LOGGING below (JSON, with the request id of the task's request), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Queues (docs/scaling.md, "Celery queues"): one worker per group, so a long audit check or a slow webhook
# receiver never holds up notification mail. Every task is named here with its queue and its soft and hard
# time limits in seconds (tests/production/test_celery_routes.py fails on a task left out). The soft limit
# raises SoftTimeLimitExceeded inside the task; the hard one kills the worker process running it.
CELERY_TASK_DEFAULT_QUEUE = "default"
TASK_QUEUES = ("default", "mail", "audit", "webhooks")
TASK_LIMITS = {
    # one mail per task, retried with backoff; EMAIL_TIMEOUT below makes a hung SMTP server an OSError first
    "workflows.tasks.send_notification_mail": ("mail", 60, 90),
    # a full check of a long chain in batches; a killed run is closed as abandoned (AUDIT_CHECK_STALE_SECONDS)
    "workflows.tasks.run_audit_check": ("audit", 7200, 7500),
    "workflows.tasks.audit_check_daily": ("audit", 300, 360),
    "workflows.tasks.sign_audit_checkpoint": ("audit", 300, 360),
    # the hard limit stays under the subscription's 5-minute lease (webhooks/delivery.py LEASE)
    "webhooks.tasks.deliver_webhooks": ("webhooks", 240, 270),
    "workflows.tasks.notify_event": ("default", 30, 60),
    "workflows.tasks.dispatch_notifications": ("default", 120, 150),
    "dossiers.tasks.send_dossier_reminders": ("default", 600, 660),
    "plan.tasks.send_plan_reminders": ("default", 600, 660),
    "workflows.tasks.sync_unit_parents": ("default", 120, 150),
}
CELERY_TASK_ROUTES = {name: {"queue": queue} for name, (queue, _soft, _hard) in TASK_LIMITS.items()}
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": soft, "time_limit": hard} for name, (_queue, soft, hard) in TASK_LIMITS.items()
}
#: a task not in the table above still stops in time (and the route test names it)
CELERY_TASK_SOFT_TIME_LIMIT, CELERY_TASK_TIME_LIMIT = 300, 360
#: the SMTP connection's socket timeout, under send_notification_mail's soft limit
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
#: Without a broker, notify right after each transition commits; with one, the beat task below does it.
NOTIFICATIONS_DISPATCH_ON_COMMIT = CELERY_TASK_ALWAYS_EAGER
CELERY_BEAT_SCHEDULE = {
    "deliver-webhooks": {
        "task": "webhooks.tasks.deliver_webhooks",
        "schedule": 60.0,
    },
    "dispatch-notifications": {
        "task": "workflows.tasks.dispatch_notifications",
        "schedule": 10.0,
    },
    "dossier-step-reminders": {
        "task": "dossiers.tasks.send_dossier_reminders",
        "schedule": 6 * 3600.0,
    },
    "plan-activity-reminders": {
        "task": "plan.tasks.send_plan_reminders",
        "schedule": 6 * 3600.0,
    },
    # a parent change recorded ahead of its date (a merge on 1 July) takes effect that day
    "unit-parents-follow-today": {
        "task": "workflows.tasks.sync_unit_parents",
        "schedule": 3600.0,
    },
}

# Signed audit checkpoints (workflows/checkpoints.py, docs/operations.md "Audit checkpoints").
# AUDIT_SIGNING_KEY: base64 of the raw 32-byte Ed25519 private key (`manage.py audit_checkpoint --new-key`),
# never stored in the database. Unset in debug: a development key derived from SECRET_KEY (anyone who knows
# the secret key can sign with it; `check --deploy` refuses it). Unset in production: no checkpoint is signed.
AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")
AUDIT_SIGNING_KEY_IS_DEVELOPMENT = not AUDIT_SIGNING_KEY and DEBUG
if AUDIT_SIGNING_KEY_IS_DEVELOPMENT:
    import base64 as _base64
    import hashlib as _hashlib

    AUDIT_SIGNING_KEY = _base64.b64encode(
        _hashlib.sha256(f"tdkt-audit-checkpoint-development-key:{SECRET_KEY}".encode()).digest()
    ).decode()
#: public keys (base64 raw 32 bytes, comma-separated) also trusted by verify_audit: retired keys after a
#: rotation, or the only keys on a verifying machine that holds no private key
AUDIT_VERIFY_KEYS = [k.strip() for k in os.environ.get("AUDIT_VERIFY_KEYS", "").split(",") if k.strip()]
#: every checkpoint is also written here as a file, for copying off the machine (write-once storage)
AUDIT_CHECKPOINT_DIR = os.environ.get("AUDIT_CHECKPOINT_DIR") or (
    str(BASE_DIR / "var" / "audit-checkpoints") if DEBUG else ""
)
# The audit log's chains (workflows/audit.py, docs/audit-chains.md): each process and thread appends to one of
# them, so concurrent writers do not queue on one head row. Raising it later adds chains; lowering it leaves the
# extra chains as they are (verified, no longer appended to). SQLite has one writer at a time: one chain.
AUDIT_CHAINS = max(
    1,
    int(
        os.environ.get("AUDIT_CHAINS")
        or ("1" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "8")
    ),
)
AUDIT_CHECKPOINT_INTERVAL = int(os.environ.get("AUDIT_CHECKPOINT_INTERVAL_SECONDS", "3600"))
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {
    "task": "workflows.tasks.sign_audit_checkpoint",
    "schedule": float(AUDIT_CHECKPOINT_INTERVAL),
}
# The daily incremental check of the audit chain from the latest checkpoint (workflows/audit_check.py);
# a failure notifies the auditors and the Board head. AUDIT_CHECK_BATCH_SIZE events per progress step.
AUDIT_CHECK_BATCH_SIZE = int(os.environ.get("AUDIT_CHECK_BATCH_SIZE", "5000"))
CELERY_BEAT_SCHEDULE["audit-check-daily"] = {
    "task": "workflows.tasks.audit_check_daily",
    "schedule": 24 * 3600.0,
}

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tdkt@localhost")

# Sessions: 8 hours at most, and gone when the browser closes (a shared office computer).
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# Production transport security (docs/operations.md). Off by default in development.
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
# includeSubDomains covers the names below the application's own (tdkt.example.gov.vn → *.tdkt.example.gov.vn),
# not its siblings: on by default in production.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD", False)
#: The browsers' preload list takes registrable domains (example.gov.vn), which a city's application on a
#: subdomain does not own: not preloading is the deliberate default, so `check --deploy` does not warn about it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
#: Probes and the Prometheus server speak plain HTTP to the application server directly (project/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
BEHIND_PROXY = env_flag("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from our own static files, no inline script or
# event handler (tests/security/test_csp.py scans the templates). Inline style attributes are still allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes): 5 failed passwords for one username from one IP address lock that pair
# out for 30 minutes; a successful login clears the failures of that pair. Covers the web login, the admin
# login and the API token endpoint (all authenticate through the backends above).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And an address-wide limit (password spraying: one try for each of many usernames from one address): this
# many failures from one IP address, whatever the usernames, lock that address out for the same cool-off.
# Higher than the per-username limit, since an office behind one NAT address shares it (docs/security.md).
LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_IP_FAILURE_LIMIT", "20"))
AXES_HANDLER = "project.security.LoginThrottleHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "project.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "workflows.http.client_ip"
AXES_HTTP_RESPONSE_CODE = 429

GUARDIAN_RAISE_403 = False

# Logs go to stderr (systemd's journal, `docker logs`): one JSON object per line in production
# (DJANGO_LOG_FORMAT=json, the default when debug is off), text in development; each record carries the
# request id (project/requestid.py). gunicorn's access log is JSON too (deploy/gunicorn.conf.py).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json").lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "project.requestid.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

#: Who may read /metrics (project/health.py): addresses or networks, as workflows.http.client_ip sees them.
METRICS_ALLOWED_IPS = [
    part.strip()
    for part in os.environ.get("DJANGO_METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",")
    if part.strip()
]

# Sentry, only when SENTRY_DSN is set: errors of the web processes and the Celery workers, without personal
# data (no user, no address, no cookies or bodies).
if os.environ.get("SENTRY_DSN"):
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
    )

#: Webhooks (webhooks/): plain http and receivers inside the deployment's own network are refused unless
#: opened here, e.g. for a provincial portal on the government's private network (docs/scaling.md).
WEBHOOKS_ALLOW_HTTP = os.environ.get("DJANGO_WEBHOOKS_ALLOW_HTTP", "1" if DEBUG else "0") == "1"
WEBHOOKS_ALLOW_PRIVATE_HOSTS = os.environ.get("DJANGO_WEBHOOKS_ALLOW_PRIVATE_HOSTS", "0") == "1"
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("DJANGO_WEBHOOKS_MAX_ATTEMPTS", "8"))
