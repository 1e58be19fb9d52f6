"""System checks: bad adaptive-overlap settings fail at start-up (`manage.py check`, every command), not on a submit."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from labeling.conf import adaptive_model_settings


@checks.register()
def adaptive_overlap_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        adaptive_model_settings()
    except (ImproperlyConfigured, TypeError, ValueError) as exc:
        return [checks.Error(str(exc), hint="See labeling/conf.py.", id="labeling.E001")]
    return []
