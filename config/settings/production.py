"""Production: refuses to start without a secret key, with DEBUG on, or with a wildcard host."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import ALLOWED_HOSTS, DEBUG, FEEDBACK, SECRET_KEY

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if not FEEDBACK["HASH_SALT"]:
    raise ImproperlyConfigured("FEEDBACK_HASH_SALT must be set in production (it keys the hashed feature paths).")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name hosts; '*' is refused in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
