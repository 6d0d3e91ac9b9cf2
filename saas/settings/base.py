"""Settings shared by every environment. Environment variables (12-factor):

DATABASE_URL, REDIS_URL       external services; when unset, embedded ones are started
SAAS_BASE_DOMAIN             tenants live at <slug>.<base domain> (default: localhost)
SAAS_PORT                    port used in absolute links (default 8000)
SAAS_TRUSTED_PROXIES         proxies in front that append to X-Forwarded-For (default 0)
DJANGO_SECRET_KEY            required in production; `make run` keeps a generated one in var/secret_key
                             (saas/secret_key.py, read by dev.py); the tests generate one per run
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from saas import embedded  # dev services: started below only when DATABASE_URL or REDIS_URL is unset
from saas.observability.logs import logging_config
from saas.observability.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# never a default written here: without a key Django refuses to sign anything (dev.py and test.py supply one)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"

SAAS_BASE_DOMAIN = os.environ.get("SAAS_BASE_DOMAIN", "localhost")
SAAS_PORT = os.environ.get("SAAS_PORT", "8000")
SAAS_SCHEME = os.environ.get("SAAS_SCHEME", "http")
# proxies in front of the app that append to X-Forwarded-For (0: clients connect directly)
SAAS_TRUSTED_PROXIES = int(os.environ.get("SAAS_TRUSTED_PROXIES", "0"))
# /healthz: checks cached this many seconds per process; details only for internal callers
# (saas/observability/internal.py, SAAS_INTERNAL_TOKEN)
SAAS_HEALTHZ_CACHE_SECONDS = float(os.environ.get("SAAS_HEALTHZ_CACHE_SECONDS", "5"))
# a request body may carry the biggest plan's upload limit plus this (multipart envelope, fields);
# docker/nginx.conf's client_max_body_size is the same total
SAAS_REQUEST_BODY_MARGIN_BYTES = 1024 * 1024
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()] or [
    SAAS_BASE_DOMAIN, f".{SAAS_BASE_DOMAIN}", "127.0.0.1", "testserver", ".testserver",
]

# ----------------------------------------------------------------- services
SAAS_DB_NAME = os.environ.get("SAAS_DB_NAME", "saas")
if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    if os.environ.get("SAAS_NO_AUTOSTART") != "1":
        embedded.ensure_started(SAAS_DB_NAME)
    DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.database_url(SAAS_DB_NAME)
    REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url(int(os.environ.get("SAAS_REDIS_DB", "0")))
else:
    DATABASE_URL = os.environ["DATABASE_URL"]
    REDIS_URL = os.environ["REDIS_URL"]

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, engine="django_tenants.postgresql_backend", conn_max_age=60, conn_health_checks=True,
    )
}
# django-tenants wraps this backend: django-prometheus's counts queries and errors
ORIGINAL_BACKEND = "django_prometheus.db.backends.postgresql"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # keys carry the tenant's schema name
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# ------------------------------------------------------------------- tenants
TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "saas.urls_public"
# `SET search_path` once per connection and schema instead of before every cursor (35 times on the Insights
# page): django-tenants forgets it on set_tenant/set_schema, rollback, savepoint rollback and close, the
# only ways it changes (nothing in the product sets it by hand; the pg_dump replay strips its SETs).
TENANT_LIMIT_SET_CALLS = True
ROOT_URLCONF = "saas.urls_tenant"
# new tenants are cloned from a migrated template schema (fast provisioning)
TENANT_BASE_SCHEMA = "tenant_template"
# new schemas replay a pg_dump of the template (tenants/schema_clone.py); False: django-tenants' clone_schema()
TENANT_CLONE_FROM_DUMP = os.environ.get("TENANT_CLONE_FROM_DUMP", "1") != "0"
TENANT_CREATION_FAKES_MIGRATIONS = True
# an unknown host gets a friendly 404 (never the debug page with the URL list)
DEFAULT_NOT_FOUND_TENANT_VIEW = "saas.views.unknown_workspace"

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django.contrib.messages",
    "django.contrib.humanize",
    # the operator console (tenants/admin.py), public host only; no autodiscovery
    "django.contrib.admin.apps.SimpleAdminConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_prometheus",
    "demo",  # `make run`'s demo workspace (manage.py demo_provision)
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "guardian",
    "axes",
    "jobs",
    "forecasting",
]
# admin's LogEntry points at members (tenant schemas): no table for it; operator
# actions are recorded in tenants.PlatformEvent instead
MIGRATION_MODULES = {"admin": None}
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

MIDDLEWARE = [
    # first: oversized (413) or length-less (411) bodies are refused before anything reads them
    "saas.middleware.BodySizeLimitMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "saas.observability.middleware.MetricsMiddleware",
    "saas.middleware.HealthzMiddleware",
    "saas.middleware.RequestIdMiddleware",
    "saas.api.middleware.ApiJsonErrorsMiddleware",
    "django_tenants.middleware.main.TenantMainMiddleware",
    "saas.middleware.TenantStatusMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "saas.middleware.TenantSessionMiddleware",  # no session on the public host
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.operator_auth.OperatorUserMiddleware",  # public host: request.user is an operator or nobody
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "saas.observability.middleware.RequestContextMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

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
                "saas.context_processors.workspace",
            ],
        },
    },
]
WSGI_APPLICATION = "saas.wsgi.application"

# -------------------------------------------------------------------- auth
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "saas.hashers.OwaspArgon2PasswordHasher",  # Argon2id, 19 MiB, 2 passes, 1 lane (saas/hashers.py)
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row per tenant
GUARDIAN_MONKEY_PATCH_USER = False

# django-axes: lock out a username+IP pair after repeated failures, with a cool-off
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# API throttles from the plan and per-IP limits on signup/login/reset/handoff (saas/ratelimit.py)
RATE_LIMITS = os.environ.get("RATE_LIMITS", "1") == "1"
# one counter per e-mail however it is typed (login itself is case-insensitive)
AXES_USERNAME_CALLABLE = "accounts.authentication.axes_username"
AXES_VERBOSE = False
# the client behind the TLS proxy (X-Forwarded-For, SAAS_TRUSTED_PROXIES hops), as in the audit log
AXES_CLIENT_IP_CALLABLE = "saas.client_ip.client_ip"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 12

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Forecasting <no-reply@localhost>")

# ------------------------------------------------------------------ i18n / static
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
try:  # plotly.js as shipped inside the plotly package (no CDN)
    import plotly

    STATICFILES_DIRS.append(("vendor/plotly", Path(plotly.__file__).parent / "package_data"))
except ImportError:  # pragma: no cover
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("SAAS_MEDIA_ROOT", BASE_DIR / "var" / "media"))

# ---------------------------------------------------------------------- DRF
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "saas.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "saas.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "saas.api.renderers.QualityContentNegotiation",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Forecasting API",
    "DESCRIPTION": "Demand forecasting for retail. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "saas.api.schema_hooks.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "MemberRoleEnum": "accounts.roles.Role",
        "ApiKeyRoleEnum": "accounts.roles.API_KEY_ROLE_CHOICES",
        "ApiKeyStatusEnum": "accounts.models.API_KEY_STATUS_CHOICES",
        "RunStatusEnum": "jobs.models.RunStatus",
        "UploadStatusEnum": "forecasting.models.Upload.Status",
        "JobKindEnum": "jobs.models.Job.Kind",
        "UploadKindEnum": "forecasting.models.Upload.Kind",
        "SeriesStatusEnum": "forecasting.models.SeriesStatus",
        "OverrideReasonEnum": "forecasting.models.Override.Reason",
        "ExceptionAnswerReasonEnum": "forecasting.models.ExceptionDismissal.Reason",
        "ExceptionKindEnum": "forecasting.selectors.exceptions.KIND_CHOICES",
    },
}

# ------------------------------------------------------------------- Celery
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None  # the Job table is the source of truth
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"forecasting.tasks.train_model": {"queue": "ml"},
                      "forecasting.tasks.refresh_forecast": {"queue": "ml"},
                      "forecasting.tasks.ingest_upload": {"queue": "ingest"}}
# time limits stay below the Redis visibility timeout so an acked-late task is
# never redelivered while it still runs
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_TASK_SOFT_TIME_LIMIT = 3600
CELERY_TASK_TIME_LIMIT = 3600 + 300
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TENANT_CACHE_SECONDS = 30
CELERY_BEAT_SCHEDULER = "saas.beat:HeartbeatScheduler"  # writes beat's own heartbeat for /healthz
CELERY_BEAT_SCHEDULE = {
    "recover-orphaned-jobs": {"task": "forecasting.tasks.recover_jobs", "schedule": 60.0},
    "purge-deleted-tenants": {"task": "tenants.tasks.purge_deleted_tenants", "schedule": 3600.0},
    # metered usage: Redis counters into UsageDay; last month's statements (both idempotent)
    "flush-usage": {"task": "billing.tasks.flush_usage", "schedule": 300.0},
    "issue-statements": {"task": "billing.tasks.issue_statements", "schedule": 3600.0},
    # per-workspace work, one task per workspace (saas/fanout.py): stored rows and bytes for billing,
    # retraining policies' schedules (once per slot), the weekly report (once per ISO week)
    "usage-measure": {"task": "saas.fanout.fan_out", "args": ["usage_measure"], "schedule": 300.0},
    "retrain-scheduled": {"task": "saas.fanout.fan_out", "args": ["retrain_scheduled"], "schedule": 300.0},
    "weekly-reports": {"task": "saas.fanout.fan_out", "args": ["weekly_report"], "schedule": 3600.0},
    # old forecast runs summarised: their points deleted, their aggregates kept (forecasting/services/retention.py)
    "forecast-retention": {"task": "saas.fanout.fan_out", "args": ["forecast_retention"], "schedule": 86400.0},
}
TENANT_DELETION_GRACE_DAYS = int(os.environ.get("TENANT_DELETION_GRACE_DAYS", "30"))
ML_NUM_THREADS = int(os.environ.get("ML_NUM_THREADS", "2"))
# the engine for any planning frequency by partitions of series (issue 20, docs/scale.md): about this many
# series per partition (one partition, today's results, below it); from ML_DASK_MIN_SERIES series (0: never)
# the partitions run as Dask tasks: on the existing cluster at DASK_SCHEDULER_ADDRESS (tcp://host:8786) when
# it is set, otherwise on a LocalCluster of ML_DASK_WORKERS worker processes (0: one per CPU) started for the job
ML_PARTITION_SERIES = int(os.environ.get("ML_PARTITION_SERIES", "5000"))
ML_DASK_MIN_SERIES = int(os.environ.get("ML_DASK_MIN_SERIES", "20000"))
ML_DASK_WORKERS = int(os.environ.get("ML_DASK_WORKERS", "0"))
DASK_SCHEDULER_ADDRESS = os.environ.get("DASK_SCHEDULER_ADDRESS", "")
# champion/challenger: a challenger must beat the champion's backtest WMAE by at least this share
FORECAST_PROMOTION_MARGIN = float(os.environ.get("FORECAST_PROMOTION_MARGIN", "0.02"))
# automatic rollback: a new champion's first live weeks vs the previous champion's (forecasting/services/auto_rollback.py)
FORECAST_AUTO_ROLLBACK_WEEKS = int(os.environ.get("FORECAST_AUTO_ROLLBACK_WEEKS", "4"))
# code version recorded on every model version (lineage); empty: the git commit when there is one
CODE_VERSION = os.environ.get("SAAS_CODE_VERSION", "")
JOB_CHECKPOINTS = False  # saas/checkpoints.py: tests only (saas.settings.test)
# fair scheduling and recovery (jobs/services.py, recovery.py)
JOBS_HEAVY_PER_TENANT = int(os.environ.get("JOBS_HEAVY_PER_TENANT", "1"))  # trainings running at once per tenant
JOBS_WAIT_COUNTDOWN = 30  # seconds before a waiting job asks again (sooner when a training ends)
JOBS_QUEUED_STALE_SECONDS = 600  # a queued job silent this long lost its message: sent again
# drift.detected is audited when more than this share of series fell outside their 95% band (forecasting/services/evaluation.py)
DRIFT_OUTSIDE95_ALERT = float(os.environ.get("DRIFT_OUTSIDE95_ALERT", "0.15"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(BASE_DIR / "var" / "numba-cache"))

LOGGING = logging_config(fmt=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO"))

# ---------------------------------------------------------------- operations
# /metrics and /healthz details answer internal callers (saas/observability/internal.py)
SAAS_INTERNAL_TOKEN = os.environ.get("SAAS_INTERNAL_TOKEN", "")
PROMETHEUS_EXPORT_MIGRATIONS = False
init_sentry()  # only when SENTRY_DSN is set
