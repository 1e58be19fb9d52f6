"""Test settings: PostgreSQL (never SQLite) and fast password hashing."""

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import env

SECRET_KEY = env("DJANGO_SECRET_KEY") or "test-only-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]  # tests only: live_server binds to an ephemeral host:port

FEEDBACK = {**FEEDBACK, "HASH_SALT": env("FEEDBACK_HASH_SALT") or "test-feature-salt"}  # noqa: F405

# Many tests sign up several raters from one test-client address; tests of the limits override these.
RATERS = {
    **RATERS,  # noqa: F405
    "RATE_LIMITS": {
        "signup_address": "10000/hour",
        "signup_campaign": "10000/hour",
        "applications_address": "10000/hour",
    },
}

# Logins in tests are many and quick: limits far above any test's needs. tests/test_security_*.py put the
# real limits back with override_settings to prove them.
AXES_FAILURE_LIMIT = 1000
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}),  # noqa: F405
        "login_address": "100000/min",
        "login_account": "100000/min",
    },
}

# The loopback receivers of tests/webhooks need private addresses; tests of the guard turn it back on.
WEBHOOKS = {**WEBHOOKS, "BLOCK_PRIVATE_ADDRESSES": False}  # noqa: F405
# Tests that count a service's on-commit callbacks see only the service's own; tests/webhooks turn the kick on.
OUTBOX = {**OUTBOX, "DISPATCH_ON_COMMIT": False}  # noqa: F405
