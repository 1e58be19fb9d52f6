"""Production: refuses to start with a missing or placeholder secret, DEBUG on, a wildcard host, or
direct-labeling settings that would store personal data or lose labels (config/feedback_rules.py).

`manage.py check --deploy` passes with only the environment variables of .env.example set to real values.
"""

from django.core.exceptions import ImproperlyConfigured

from config.feedback_rules import feedback_settings_problems
from config.settings.base import *  # noqa: F401,F403
from config.settings.base import ALLOWED_HOSTS, DEBUG, FEEDBACK, SECRET_KEY, WEBHOOKS, env, env_bool

# Values shipped in .env.example, docs and Django's own templates; a secret that equals one is no secret.
PLACEHOLDER_SECRETS = {
    "change-me",
    "change-me-too",
    "changeme",
    "secret",
    "django-insecure",
    "insecure-local-development-key-do-not-use-in-production",
    "test-only-secret-key",
}
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in PLACEHOLDER_SECRETS or lowered.startswith(("change-me", "django-insecure"))


if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
if _is_placeholder(SECRET_KEY):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is a placeholder from .env.example; set a random value.")
if len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH or len(set(SECRET_KEY)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS:
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if not FEEDBACK.get("HASH_SALT"):
    raise ImproperlyConfigured("FEEDBACK_HASH_SALT must be set in production (it keys the hashed feature paths).")
if _is_placeholder(FEEDBACK["HASH_SALT"]):
    raise ImproperlyConfigured("FEEDBACK_HASH_SALT is a placeholder from .env.example; set a random value.")
# FEEDBACK_ALLOW_UNREDACTED_FEATURES=1 is the operator's statement that the features carry no personal data.
_feedback_problems = feedback_settings_problems(
    FEEDBACK, allow_unredacted=env_bool("FEEDBACK_ALLOW_UNREDACTED_FEATURES")
)
if _feedback_problems:
    raise ImproperlyConfigured(" ".join(_feedback_problems))
if WEBHOOKS.get("BLOCK_PRIVATE_ADDRESSES") is False:
    raise ImproperlyConfigured(
        "WEBHOOKS_BLOCK_PRIVATE_ADDRESSES cannot be off in production: webhooks could reach internal services (SSRF)."
    )
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name hosts; '*' is refused in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# /healthz is probed over plain HTTP inside the network (docker-compose's healthcheck).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

PASSWORD_RESET_BY_EMAIL = env_bool("PASSWORD_RESET_BY_EMAIL", bool(env("EMAIL_HOST")))

# Demo accounts with published passwords never exist here.
SEED_DEMO_ALLOWED = False
