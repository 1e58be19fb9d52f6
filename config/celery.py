"""Celery application: tasks load rows by id and call a service."""

import os

from celery import Celery

from config.settings import DEFAULT_SETTINGS_MODULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)

app = Celery("labeling_system")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
