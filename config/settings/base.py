"""Settings shared by every environment; values come from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in (os.environ.get(name) or default).split(",") if part.strip()]


def env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return None if value is None else int(value)


def env_list_set(name: str) -> list[str] | None:
    """The list when the variable is set (an empty value: an empty list), None when it is not."""
    return None if name not in os.environ else env_list(name)


def only_set(**values: object) -> dict:
    """The namespaced settings the environment provides; each app's conf.py holds the defaults of the rest."""
    return {key: value for key, value in values.items() if value is not None and value != {}}


SECRET_KEY = env("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "config.outbox",
    "config.webhooks",
    "labeling",
    "raters",
    "feedback",
    "ingestion",
    "datasets",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Unstorable query strings and form posts are a 400 before any view (config/input_guard.py).
    "config.input_guard.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labeling"),
        conn_max_age=60,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("DATA_UPLOAD_MAX_MEMORY_SIZE", str(50 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # JSON bodies with bounded depth and storable strings (config/input_guard.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.input_guard.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    # Proxies in front of the app; 0 means X-Forwarded-For is ignored, so a client cannot pick its own address.
    "NUM_PROXIES": int(env("DJANGO_NUM_PROXIES", "0")),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Labeling system API",
    "DESCRIPTION": "Human and direct labeling, agreement, and versioned training datasets.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "LabelTypeEnum": "labeling.models.project.LabelType",
        "AnnotationSourceEnum": "labeling.models.assignments.AnnotationSource",
        "DatasetRowSourceEnum": "datasets.models.RowSource",
        "DirectLabelSourceEnum": "feedback.models.labels.LabelSource",
        "WebhookEndpointStatusEnum": "config.webhooks.models.EndpointStatus",
        "WebhookDeliveryStatusEnum": "config.webhooks.models.DeliveryStatus",
        "AnomalyStateEnum": "datasets.models.AnomalyState",
        "ReviewStateEnum": "labeling.models.review.ReviewState",
        "PayPeriodStateEnum": "raters.models.pay.PeriodState",
        "ItemImportFormatEnum": "labeling.services.item_formats.FORMATS",
        "PayoutExportFormatEnum": "raters.selectors.payouts.FORMATS",
    },
    # Every operation documents the error codes the exception handler returns (config/openapi.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.error_responses"],
}

# The input guard (config/input_guard.py): JSON nesting limit; `*_id` form and query parameters that carry
# opaque ids (every other `*_id` parameter must be an integer).
INPUT_GUARD = {
    "MAX_JSON_DEPTH": int(env("INPUT_MAX_JSON_DEPTH", "32")),
    "OPAQUE_ID_PARAMS": ["task_id"],
}

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "reclaim-expired-leases": {
        "task": "labeling.tasks.reclaim_expired_leases",
        "schedule": timedelta(seconds=30),
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

# Namespaced product settings: only what the environment sets. The defaults, and typed accessors that
# read them lazily, are in labeling/conf.py, raters/conf.py, feedback/conf.py and ingestion/conf.py.
LABELING = only_set(ITEM_UPLOAD_MAX_BYTES=env_int("LABELING_ITEM_UPLOAD_MAX_BYTES"))

# Rater lifecycle: privacy floor of attribute reports, request rates, gold feedback block.
RATERS = only_set(
    DIVERSITY_MIN_K=env_int("RATERS_DIVERSITY_MIN_K"),
    RATE_LIMITS=only_set(
        signup_address=env("RATERS_RATE_SIGNUP_ADDRESS"),
        signup_campaign=env("RATERS_RATE_SIGNUP_CAMPAIGN"),
        applications_address=env("RATERS_RATE_APPLICATIONS_ADDRESS"),
    ),
    FEEDBACK_BLOCK=env_int("RATERS_FEEDBACK_BLOCK"),
)
# Close recruitment campaigns whose project has no open work left (raters/services/recruitment.py).
CELERY_BEAT_SCHEDULE["close-finished-campaigns"] = {
    "task": "raters.tasks.close_finished_campaigns",
    "schedule": timedelta(seconds=int(env("RATERS_CLOSE_CAMPAIGNS_EVERY_SECONDS", "300"))),
}

# Close pay periods whose end has passed, once each (raters/services/pay.py, docs/adr/0025); 0 turns it off.
RATERS_CLOSE_PAY_PERIODS_EVERY_SECONDS = int(env("RATERS_CLOSE_PAY_PERIODS_EVERY_SECONDS", "900"))
if RATERS_CLOSE_PAY_PERIODS_EVERY_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["close-due-pay-periods"] = {
        "task": "raters.tasks.close_due_pay_periods",
        "schedule": timedelta(seconds=RATERS_CLOSE_PAY_PERIODS_EVERY_SECONDS),
    }

KAFKA = only_set(BOOTSTRAP_SERVERS=env_list_set("KAFKA_BOOTSTRAP_SERVERS"), CLIENT_ID=env("KAFKA_CLIENT_ID"))

# Direct labeling (feedback/, ingestion/): topics, privacy. See docs/feedback-messages.md.
FEEDBACK = only_set(
    REQUESTS_TOPIC=env("FEEDBACK_REQUESTS_TOPIC"),
    FEEDBACK_TOPIC=env("FEEDBACK_EVENTS_TOPIC"),
    DEAD_LETTER_TOPIC=env("FEEDBACK_DEAD_LETTER_TOPIC"),
    MAX_MESSAGE_BYTES=env_int("FEEDBACK_MAX_MESSAGE_BYTES"),
    FEATURE_PATHS_DROP=env_list_set("FEEDBACK_FEATURE_PATHS_DROP"),
    FEATURE_PATHS_HASH=env_list_set("FEEDBACK_FEATURE_PATHS_HASH"),
    HASH_SALT=env("FEEDBACK_HASH_SALT"),
    OPT_OUT_USER_IDS=env_list_set("FEEDBACK_OPT_OUT_USER_IDS"),
    FEATURE_PATHS_REPLACE_DEFAULTS=env_bool("FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS") or None,
    CLOCK_SKEW_ALLOWANCE_S=env_int("FEEDBACK_CLOCK_SKEW_ALLOWANCE_S"),
    IDLE_PARTITION_LATENESS_S=env_int("FEEDBACK_IDLE_PARTITION_LATENESS_S"),
    DEAD_LETTER_RETENTION_DAYS=env_int("FEEDBACK_DEAD_LETTER_RETENTION_DAYS"),
    SERVING_STATISTICS=env_bool("FEEDBACK_SERVING_STATISTICS") if "FEEDBACK_SERVING_STATISTICS" in os.environ else None,
    DIRECT_LABELS_STREAM=None
    if env("FEEDBACK_DIRECT_LABELS_STREAM") is None
    else env_bool("FEEDBACK_DIRECT_LABELS_STREAM"),
    DIRECT_LABELS_TOPIC=env("FEEDBACK_DIRECT_LABELS_TOPIC"),
)

# Consumers are declared in ingestion/conf.py; these entries tune them (`python manage.py run_consumer NAME`).
KAFKA_CONSUMERS = {
    "feedback-join": only_set(
        group=env("FEEDBACK_CONSUMER_GROUP"),
        max_batch=env_int("FEEDBACK_CONSUMER_MAX_BATCH"),
        session_timeout_ms=env_int("FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS"),
        heartbeat_interval_ms=env_int("FEEDBACK_CONSUMER_HEARTBEAT_MS"),
        fetch_max_wait_ms=env_int("FEEDBACK_CONSUMER_FETCH_MAX_WAIT_MS"),
        metadata_max_age_ms=env_int("FEEDBACK_CONSUMER_METADATA_MAX_AGE_MS"),
        group_instance_id=env("FEEDBACK_CONSUMER_INSTANCE_ID"),
    ),
}
CELERY_BEAT_SCHEDULE["feedback-close-windows"] = {
    "task": "feedback.tasks.close_due_windows",
    "schedule": timedelta(seconds=int(env("FEEDBACK_CLOSE_EVERY_SECONDS", "30"))),
}
CELERY_BEAT_SCHEDULE["feedback-delay-distributions"] = {
    "task": "feedback.tasks.estimate_delay_distributions",
    "schedule": timedelta(seconds=int(env("FEEDBACK_DELAY_ESTIMATE_EVERY_SECONDS", "600"))),
}
CELERY_BEAT_SCHEDULE["feedback-purge-dead-letters"] = {
    "task": "ingestion.tasks.purge_dead_letters",
    "schedule": timedelta(hours=1),
}
# Refit rater reliability (weighted vote, Dawid-Skene) on whole projects; item_resolve uses the stored fit.
CELERY_BEAT_SCHEDULE["refit-rater-reliability"] = {
    "task": "labeling.tasks.refit_reliability_projects",
    "schedule": timedelta(seconds=int(env("RELIABILITY_REFIT_EVERY_SECONDS", "3600"))),
}
# Staff dashboard (backoffice/): heavy figures precomputed into the cache by beat.
CELERY_BEAT_SCHEDULE["dashboard-precompute"] = {
    "task": "backoffice.tasks.dashboard_precompute",
    "schedule": timedelta(seconds=int(env("DASHBOARD_PRECOMPUTE_EVERY_SECONDS", "300"))),
}
CELERY_BEAT_SCHEDULE["dashboard-health"] = {
    "task": "backoffice.tasks.dashboard_precompute",
    "schedule": timedelta(seconds=int(env("DASHBOARD_HEALTH_EVERY_SECONDS", "30"))),
    "kwargs": {"sections": ["health"]},
}

# Outbox and webhooks (config/outbox/, config/webhooks/; docs/webhooks.md). Defaults in their conf.py.
OUTBOX = only_set(RETENTION_DAYS=env_int("OUTBOX_RETENTION_DAYS"))
WEBHOOKS = only_set(
    TIMEOUT_SECONDS=env_int("WEBHOOKS_TIMEOUT_SECONDS"),
    RETRY_PERIOD_SECONDS=env_int("WEBHOOKS_RETRY_PERIOD_SECONDS"),
    BACKOFF_BASE_SECONDS=env_int("WEBHOOKS_BACKOFF_BASE_SECONDS"),
    BACKOFF_MAX_SECONDS=env_int("WEBHOOKS_BACKOFF_MAX_SECONDS"),
    LEASE_SECONDS=env_int("WEBHOOKS_LEASE_SECONDS"),
    BLOCK_PRIVATE_ADDRESSES=None
    if env("WEBHOOKS_BLOCK_PRIVATE_ADDRESSES") is None
    else env_bool("WEBHOOKS_BLOCK_PRIVATE_ADDRESSES"),
    ROTATION_OVERLAP_SECONDS=env_int("WEBHOOKS_ROTATION_OVERLAP_SECONDS"),
    SEND_CONCURRENCY=env_int("WEBHOOKS_SEND_CONCURRENCY"),
    POOL_MAX_HOSTS=env_int("WEBHOOKS_POOL_MAX_HOSTS"),
)
# The sweeper: deliveries due for a retry, leases of killed workers, events whose on-commit kick was lost.
CELERY_BEAT_SCHEDULE["webhooks-dispatch"] = {
    "task": "config.webhooks.tasks.webhooks_dispatch",
    "schedule": timedelta(seconds=int(env("WEBHOOKS_SWEEP_EVERY_SECONDS", "5"))),
}
CELERY_BEAT_SCHEDULE["outbox-prune"] = {
    "task": "config.webhooks.tasks.outbox_prune",
    "schedule": timedelta(hours=6),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"kafka": {"level": "WARNING"}},
}

# --- Authentication hardening (config/accounts/; docs/adr/0010-authentication-hardening.md) -----------------
# knox replaces DRF's authtoken, which stored keys in plain text (config/accounts/migrations drops its table).
INSTALLED_APPS += ["knox", "axes", "csp", "drf_spectacular_sidecar", "config.accounts"]
# Axes goes last: it turns a lockout flagged during the view into the 429 page (config.accounts.lockout).
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    "config.accounts.middleware.LoginThrottleMiddleware",
    "axes.middleware.AxesMiddleware",
]
# AxesStandaloneBackend first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a check: Django calls its password_changed() on every password change (forms, admin, changepassword).
    {"NAME": "config.accounts.validators.RevokeCredentialsOnPasswordChange"},
]

SESSION_COOKIE_AGE = int(float(env("SESSION_MAX_AGE_HOURS", "12")) * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "knox.auth.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
# API tokens (django-rest-knox): stored as SHA-512 digests, expire, refreshed by rotation. Header stays "Token <key>".
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=float(env("API_TOKEN_TTL_HOURS", "12"))),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": int(env("API_TOKENS_PER_USER", "20")),
}

# Lockout after repeated failures (django-axes), per account and, separately, per client address.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(env("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Off: a success would wipe every failure from that address, so an attacker could log into an own account
# between guesses and never be locked out. Failures expire with the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "config.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "config.accounts.lockout.submitted_username"
AXES_CLIENT_IP_CALLABLE = "config.accounts.lockout.client_address"
AXES_SENSITIVE_PARAMETERS = ["password", "new_password1", "new_password2", "old_password"]

# Rate limits on every login and token path (DRF throttles; the web logins go through config.accounts.middleware).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}),
    "login_address": env("LOGIN_RATE_PER_ADDRESS", "30/min"),
    "login_account": env("LOGIN_RATE_PER_ACCOUNT", "10/min"),
}
# Client address for throttles and lockout: REMOTE_ADDR, or the X-Forwarded-For hop this many proxies add.
REST_FRAMEWORK["NUM_PROXIES"] = int(env("TRUSTED_PROXY_COUNT", "0"))
ACCOUNTS = {
    # Web logins throttled like the token API besides every LoginView (the API view sets throttle_classes).
    "THROTTLED_LOGIN_URLS": ["admin:login"],
}

# Content-Security-Policy (django-csp): no inline script, no <style> without the nonce; item images over https.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", *env_list("CSP_IMG_SOURCES", "https:")],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN.
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)

# Password reset and other mail: from the environment; the console backend unless a host is set.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "labeling@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Without a mail server the reset page says so (503) instead of promising a mail; local and test print it.
PASSWORD_RESET_BY_EMAIL = True

LOGGING["loggers"]["axes"] = {"level": "WARNING"}

# seed_demo creates well-known passwords: allowed everywhere but production.
SEED_DEMO_ALLOWED = True
# --- end authentication hardening ---------------------------------------------------------------------
# Data validation (docs/data-validation.md): compact serving statistics, then check each model against its reference.
CELERY_BEAT_SCHEDULE["validation-check"] = {
    "task": "datasets.tasks.validation_check_models",
    "schedule": timedelta(seconds=int(env("VALIDATION_CHECK_EVERY_SECONDS", "300"))),
}
