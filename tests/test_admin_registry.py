"""Every model is in the Django admin, except consented rater attributes (only ever shown in aggregate)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

APPS = ("labeling", "raters", "feedback", "ingestion", "datasets", "outbox", "webhooks")
NEVER_IN_ADMIN = {"RaterAttributes"}


def test_every_model_is_registered() -> None:
    missing = [
        model.__name__
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry and model.__name__ not in NEVER_IN_ADMIN
    ]
    assert missing == []
    assert apps.get_model("raters", "RaterAttributes") not in admin.site._registry


@pytest.mark.django_db
def test_every_changelist_opens_for_staff() -> None:
    staff = get_user_model().objects.create_superuser("admin-check", password="pw-123456789")
    client = Client()
    client.force_login(staff)
    for model in admin.site._registry:
        if model._meta.app_label not in APPS:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
