"""Fixtures for webhook tests: Celery in-process when asked, endpoints pointed at a real receiver."""

from __future__ import annotations

import pytest

from config.celery import app as celery_app
from config.webhooks.services.endpoints import endpoint_create
from tests.labeling.conftest import add_items, make_project, make_rater, make_user  # noqa: F401 - shared fixtures


@pytest.fixture
def eager_celery():
    """Run the on-commit dispatch in-process (the real task code, no worker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def dispatch_on_commit(settings):
    """The on-commit kick of the dispatcher, as in production (test settings leave it off)."""
    from django.core.cache import cache

    from config.outbox.services import KICK_KEY

    settings.OUTBOX = {**getattr(settings, "OUTBOX", {}), "DISPATCH_ON_COMMIT": True}
    cache.delete(KICK_KEY)
    yield
    cache.delete(KICK_KEY)


@pytest.fixture
def no_kick(settings):
    """The test drives fan-out and sends itself."""
    settings.OUTBOX = {**getattr(settings, "OUTBOX", {}), "DISPATCH_ON_COMMIT": False}


@pytest.fixture
def webhook_settings(settings):
    def set_(**values):
        settings.WEBHOOKS = {**settings.WEBHOOKS, **values}

    return set_


@pytest.fixture
def endpoint_for():
    def make(receiver, event_types=("annotation.created",), project_id=None):
        endpoint = endpoint_create(url=receiver.url, event_types=list(event_types), project_id=project_id)
        receiver.secrets.append(endpoint.secret)
        return endpoint

    return make
