"""Settings modules: base (shared), local (development), test, production.

DEFAULT_SETTINGS_MODULE is what manage.py, wsgi.py and Celery use when DJANGO_SETTINGS_MODULE is unset:
production, so a deployment that forgets the variable fails closed (it refuses to start without real
secrets) instead of running with DEBUG on. Development sets config.settings.local (scripts/run.sh does).
"""

DEFAULT_SETTINGS_MODULE = "config.settings.production"
