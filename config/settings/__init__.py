"""Settings modules: base (shared), local (development), test, production.

DEFAULT_SETTINGS_MODULE is what manage.py, wsgi.py and Celery use when DJANGO_SETTINGS_MODULE is unset:
local development, so a newcomer's `python manage.py ...` works on a fresh checkout. Every way this
repository deploys sets production explicitly (the Dockerfile, docker-compose.yml), and production refuses
to start without real secrets, HTTPS settings and named hosts.
"""

DEFAULT_SETTINGS_MODULE = "config.settings.local"
