"""Namespaced settings with their defaults, after DRF's `rest_framework/settings.py`.

Each app declares one dict of defaults in its `conf.py` and typed accessors over an `AppSettings`;
`config/settings/*.py` sets only what the environment provides. Values are read on every access, so
`override_settings` and pytest-django's `settings` fixture take effect at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class AppSettings:
    """`settings.<namespace>` over `defaults`: dict-valued defaults merge one level deep with what is set."""

    def __init__(self, namespace: str, defaults: dict[str, Any]) -> None:
        self.namespace = namespace
        self.defaults = defaults

    def configured(self) -> dict[str, Any]:
        configured = getattr(settings, self.namespace, None) or {}
        unknown = sorted(set(configured) - set(self.defaults))
        if unknown:
            raise ImproperlyConfigured(f"Unknown {self.namespace} settings: {', '.join(unknown)}")
        return configured

    def get(self, name: str) -> Any:
        default = self.defaults[name]
        value = self.configured().get(name, default)
        if isinstance(default, dict):
            return {**default, **(value or {})}
        return value

    def all(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.defaults}
