"""labeling/admin.py: every labeling model has an admin page that staff can open."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_labeling_model_is_registered():
    missing = [m.__name__ for m in apps.get_app_config("labeling").get_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_changelists_open_for_a_superuser(project, rater, add_items):
    add_items(project, 2)
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw-123456789")
    client = Client()
    client.force_login(user)
    for model in apps.get_app_config("labeling").get_models():
        url = f"/admin/labeling/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
