"""Settings shared by every environment; values come from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

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
    "rest_framework.authtoken",
    "drf_spectacular",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

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

# Namespaced product settings; each key's default sits beside the one function that reads it:
# RATER_FEEDBACK_BLOCK (raters.selectors.quality.feedback_block), ITEM_UPLOAD_MAX_BYTES
# (labeling.services.item_formats).
LABELING: dict = {}

# Rater lifecycle (raters/conf.py holds the defaults): privacy floor of attribute reports, request rates.
RATERS = {
    "DIVERSITY_MIN_K": int(env("RATERS_DIVERSITY_MIN_K", "5")),
    "RATE_LIMITS": {
        "signup_address": env("RATERS_RATE_SIGNUP_ADDRESS", "10/hour"),
        "signup_campaign": env("RATERS_RATE_SIGNUP_CAMPAIGN", "300/hour"),
        "applications_address": env("RATERS_RATE_APPLICATIONS_ADDRESS", "120/minute"),
    },
}
# Close recruitment campaigns whose project has no open work left (raters/services/recruitment.py).
CELERY_BEAT_SCHEDULE["close-finished-campaigns"] = {
    "task": "raters.tasks.close_finished_campaigns",
    "schedule": timedelta(seconds=int(env("RATERS_CLOSE_CAMPAIGNS_EVERY_SECONDS", "300"))),
}

KAFKA = {
    "BOOTSTRAP_SERVERS": env_list("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
    "CLIENT_ID": env("KAFKA_CLIENT_ID", "labeling"),
}

# Direct labeling (feedback/, ingestion/): topics, consumer registry, privacy. See docs/feedback-messages.md.
FEEDBACK = {
    "REQUESTS_TOPIC": env("FEEDBACK_REQUESTS_TOPIC", "inference-requests"),
    "FEEDBACK_TOPIC": env("FEEDBACK_EVENTS_TOPIC", "feedback-events"),
    "DEAD_LETTER_TOPIC": env("FEEDBACK_DEAD_LETTER_TOPIC", "feedback-dead-letter"),
    "MAX_MESSAGE_BYTES": int(env("FEEDBACK_MAX_MESSAGE_BYTES", str(256 * 1024))),
    # Privacy: dotted paths into `features`, applied before anything is stored.
    "FEATURE_PATHS_DROP": env_list("FEEDBACK_FEATURE_PATHS_DROP", "email,user.email,user.phone"),
    "FEATURE_PATHS_HASH": env_list("FEEDBACK_FEATURE_PATHS_HASH", "ip,user.ip"),
    "HASH_SALT": env("FEEDBACK_HASH_SALT", ""),
    "OPT_OUT_USER_IDS": env_list("FEEDBACK_OPT_OUT_USER_IDS", ""),
}

# One entry per consumer; `python manage.py run_consumer NAME` starts it (ingestion/registry.py).
KAFKA_CONSUMERS = {
    "feedback-join": {
        "topics": [FEEDBACK["REQUESTS_TOPIC"], FEEDBACK["FEEDBACK_TOPIC"]],
        "group": env("FEEDBACK_CONSUMER_GROUP", "feedback-join"),
        "handler": "ingestion.handlers.feedback_join.handle_batch",
        "prepare": "ingestion.handlers.feedback_join.prepare_batch",
        "dead_letter_topic": FEEDBACK["DEAD_LETTER_TOPIC"],
        "max_batch": int(env("FEEDBACK_CONSUMER_MAX_BATCH", "5000")),
        "session_timeout_ms": int(env("FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS", "10000")),
        "heartbeat_interval_ms": int(env("FEEDBACK_CONSUMER_HEARTBEAT_MS", "1000")),
        "fetch_max_wait_ms": int(env("FEEDBACK_CONSUMER_FETCH_MAX_WAIT_MS", "100")),
    },
}
CELERY_BEAT_SCHEDULE["feedback-close-windows"] = {
    "task": "feedback.tasks.close_due_windows",
    "schedule": timedelta(seconds=int(env("FEEDBACK_CLOSE_EVERY_SECONDS", "30"))),
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"kafka": {"level": "WARNING"}},
}
